# One entry point per job; each target creates .venv and installs the project first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## the main job: a 5,000-scenario sensitivity sweep, then its report and plots
	$(PY) -m runner run examples/sensitivity_sweep.toml --output results/sweep.parquet && $(PY) -m runner report results/sweep.parquet --plots results/plots

test: $(STAMP)  ## the whole test suite
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check lumix runner tests benchmarks examples

check: lint  ## what CI checks besides the tests: ruff, mypy, the import rules of DESIGN.md
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) benchmarks/compile_solve.py

clean:
	rm -rf $(VENV) .pytest_cache results
