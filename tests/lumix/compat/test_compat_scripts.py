"""Scripts written for LumiX 0.3.2 run unchanged on this project and print the same figures.

Each ``<script>.py`` in this folder uses only LumiX 0.3.2's public API (goal programming,
linearization, CP-SAT, the analyzers, ``LXLinearExpression.terms``). Its
``<script>.expected.txt`` is the script's stdout under lumix-opt 0.3.2 (the reference venv,
OR-Tools 9.15.6755, SQLAlchemy 2.1.9, run from a copy outside this repository so that it
cannot import this project). Each model was designed to have one optimum (and, where
duals are printed, unique duals), so the figures do not depend on the solver's path.

Here each script runs in a subprocess with this interpreter and this project's ``lumix``
on ``PYTHONPATH``, and its stdout is compared with the expected file line by line:

- lines reporting a solve time (``Solve time: 0.003s``) are dropped on both sides;
- the text between numbers must be identical, except that the padding next to a number may
  differ in width (in a right-aligned column ``-0.0000`` takes one more character than ``0.0000``);
- numbers are parsed and must agree within 1e-6 relative; a number printed with decimals
  may also differ by one unit in its last printed place (round-off in the solver can flip
  the last digit). Numbers printed without decimals (counts, integer costs) get no such
  allowance.

Gurobi and CPLEX appear only in ``solvers_commercial.py``, which is skipped unless both
``gurobipy`` and ``cplex`` can be imported.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SCRIPTS = sorted(path.stem for path in HERE.glob("*.py") if not path.name.startswith(("test_", "__")))
NEEDS = {"solvers_commercial": ("gurobipy", "cplex")}

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_TIME_LINE = re.compile(r"solve time\s*:", re.IGNORECASE)


def _comparable_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if not _TIME_LINE.search(line)]


def _numbers_agree(expected: str, actual: str) -> bool:
    a = float(expected.replace(",", ""))
    b = float(actual.replace(",", ""))
    if abs(a - b) <= 1e-6 * max(abs(a), abs(b)) + 1e-12:
        return True
    mantissa = re.split(r"[eE]", expected)[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return decimals > 0 and abs(a - b) <= 1.000001 * 10.0**-decimals


def _same_text(expected: str, actual: str) -> bool:
    """Text between numbers must match; only the width of the padding around a number may differ."""
    if expected.strip() != actual.strip():
        return False
    padded = (expected[:1].isspace(), expected[-1:].isspace())
    return padded == (actual[:1].isspace(), actual[-1:].isspace())


def lines_agree(expected: str, actual: str) -> bool:
    """True when two output lines have the same text and numbers that agree (see module docstring)."""
    if expected == actual:
        return True
    texts = (_NUMBER.split(expected), _NUMBER.split(actual))
    if len(texts[0]) != len(texts[1]) or not all(map(_same_text, *texts)):
        return False
    pairs = zip(_NUMBER.findall(expected), _NUMBER.findall(actual), strict=True)
    return all(_numbers_agree(e, a) for e, a in pairs)


def _mismatch_report(expected: list[str], actual: list[str]) -> str:
    for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
        if not lines_agree(e, a):
            start = max(0, index - 3)
            context = "\n".join(f"    {line}" for line in expected[start:index])
            return (
                f"first difference at line {index + 1} (time lines dropped):\n{context}\n"
                f"  - expected: {e}\n  + actual:   {a}"
            )
    shorter, longer = ("actual", expected) if len(actual) < len(expected) else ("expected", actual)
    extra = longer[min(len(expected), len(actual))]
    common = min(len(expected), len(actual))
    return f"{shorter} output ends after {common} lines; the other goes on with: {extra}"


def run_script(name: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, str(HERE / f"{name}.py")],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
    )


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_prints_what_lumix_0_3_2_prints(name: str) -> None:
    for module in NEEDS.get(name, ()):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    result = run_script(name)
    if result.returncode != 0:
        pytest.fail(f"{name}.py exited with {result.returncode}:\n{result.stderr[-3000:]}")
    expected = _comparable_lines((HERE / f"{name}.expected.txt").read_text(encoding="utf-8"))
    actual = _comparable_lines(result.stdout)
    if len(expected) != len(actual) or not all(map(lines_agree, expected, actual)):
        pytest.fail(f"{name}.py: {_mismatch_report(expected, actual)}")


def test_every_script_has_its_expected_output() -> None:
    expected_files = {path.name.removesuffix(".expected.txt") for path in HERE.glob("*.expected.txt")}
    assert expected_files == set(SCRIPTS)


@pytest.mark.parametrize(
    ("expected", "actual", "agree"),
    [
        ("Objective: 1,050,000.00 (optimal)", "Objective: 1,050,000.00 (optimal)", True),
        ("x 2.5000 y 1.5000", "x 2.5001 y 1.5000", True),  # one unit in the last place
        ("x 2.5000 y 1.5000", "x 2.5002 y 1.5000", False),
        ("pos demand_1: 0.0000", "pos demand_1: -0.0000", True),
        ("reach pos    0.0000 neg", "reach pos   -0.0000 neg", True),  # padding of a right-aligned column
        ("reach pos 0.0000", "reach pos0.0000", False),
        ("Status: optimal", "Status:  optimal", False),
        ("Goals Satisfied: 2/3", "Goals Satisfied: 3/3", False),  # no allowance without decimals
        ("Total cost: 481", "Total cost: 482", False),
        ("Status: optimal", "Status: feasible", False),
        ("satisfied True", "satisfied None", False),
        ("Objective: 12.0000", "Objective: n/a", False),
        ("a 1.0 b 2.0", "a 1.0", False),
    ],
)
def test_line_comparison(expected: str, actual: str, agree: bool) -> None:
    assert lines_agree(expected, actual) is agree
