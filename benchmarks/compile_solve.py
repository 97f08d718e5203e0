"""Compile + solve benchmark: a dense production-planning LP, three ways.

    .venv/bin/python benchmarks/compile_solve.py [--sizes 200x20 500x50] [--repeats 7]

The model (``runner/bench/model.py``, loaded by path so that the LumiX 0.3.2 environment can
run it too): P products x R resources. ``production[p] >= 0`` (continuous) with objective
coefficient ``p.profit``; one capacity row per resource,
``sum_p usage[p, r] * production[p] <= r.capacity``, the coefficient written as the two-argument
lambda ``lambda p, r: usage[p.id, r.id]``; maximize(). Data: ``numpy.random.default_rng(seed)``.

Implementations, each timed as the median of ``--repeats`` runs after ``--warmup`` runs:

1. ours (this repository's ``lumix``): compile = ``model.to_canonical()``,
   solve = ``LXOptimizer().solve(canonical)`` (proto build, GLOP, named values, duals, reduced
   costs), total = compile + solve.
2. LumiX 0.3.2 (PyPI ``lumix-opt``, import name also ``lumix``), in a subprocess running in its
   own virtual environment that this script creates (``benchmarks/.venv-lumix032``, reused when
   present): compile = ``model.to_canonical()`` (its ``LXCanonicalBuilder``), total = the whole
   ``LXOptimizer().use_solver("ortools").solve(model)`` (which compiles again internally),
   solve = total - compile. The model is built by the same function as ours (same API).
3. OR-Tools directly (``pywraplp``, GLOP): compile = creating the variables and rows with loops of
   ``SetCoefficient``, solve = ``Solve()`` plus reading values, duals and reduced costs.

The three objectives must agree to 1e-6 relative, or the script fails. The table is printed and
written to the ``## compile_solve`` section of ``benchmarks/RESULTS.md``.

Targets (issue 2): at 500x50, LumiX 0.3.2 total / ours total >= 10, and for every size
ours total / OR-Tools total <= 2.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
#: The one benchmark model (also ``runner.bench.model``), loaded by path.
MODEL_FILE = HERE.parent / "runner" / "bench" / "model.py"
MODEL_MODULE = "lumix_bench_model"
DEFAULT_VENV = HERE / ".venv-lumix032"
DEFAULT_RESULTS = HERE / "RESULTS.md"
LUMIX_REF_REQUIREMENTS = ["lumix-opt==0.3.2", "ortools"]
LUMIX_REF_VERSION = "0.3.2"
SECTION = "## compile_solve"
REL_TOL = 1e-6
TARGET_VS_LUMIX = 10.0
TARGET_VS_DIRECT = 2.0
TARGET_SIZE = (500, 50)


# -- data and model (shared by this process and the LumiX 0.3.2 subprocess) -----------------


def _load_model_module() -> ModuleType:
    """``runner/bench/model.py`` loaded by path: the LumiX 0.3.2 environment has neither this
    repository's ``lumix`` nor ``runner`` installed, and the module imports neither."""
    spec = importlib.util.spec_from_file_location(MODEL_MODULE, MODEL_FILE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the benchmark model from {MODEL_FILE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODEL_MODULE] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_model = _load_model_module()
make_data = _model.make_data
build_model = _model.build_model
lumix_classes = _model.lumix_classes
parse_size = _model.parse_size


def _clock(func) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def size_label(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


# -- the three implementations ---------------------------------------------------------------


def ours_once(lx: Any, data) -> tuple[float, float, Any]:
    """One compile + solve with this repository's lumix: (compile s, solve s, solution)."""
    from lumix import LXOptimizer

    model = build_model(lx, data)
    t_compile, canon = _clock(model.to_canonical)
    t_solve, solution = _clock(lambda: LXOptimizer().solve(canon))
    return t_compile, t_solve, solution


def _direct_build(data):
    from ortools.linear_solver import pywraplp

    products, resources, usage = data
    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    production = {p.id: solver.NumVar(0.0, inf, f"production[{p.id}]") for p in products}
    objective = solver.Objective()
    for p in products:
        objective.SetCoefficient(production[p.id], p.profit)
    objective.SetMaximization()
    rows = {}
    for r in resources:
        row = solver.Constraint(-inf, r.capacity, f"capacity[{r.id}]")
        for p in products:
            row.SetCoefficient(production[p.id], float(usage[p.id, r.id]))
        rows[r.id] = row
    return solver, production, rows


def _direct_solve(built) -> tuple[str, float | None]:
    from ortools.linear_solver import pywraplp

    solver, production, rows = built
    code = solver.Solve()
    if code != pywraplp.Solver.OPTIMAL:
        return f"status code {code}", None
    # Read what an LXSolution carries: values, duals and reduced costs.
    _values = {k: v.solution_value() for k, v in production.items()}
    _duals = {k: c.dual_value() for k, c in rows.items()}
    _reduced = {k: v.reduced_cost() for k, v in production.items()}
    return "optimal", solver.Objective().Value()


def run_ours_and_direct(data, warmup: int, repeats: int) -> dict[str, dict[str, Any]]:
    """Ours and OR-Tools direct, interleaved run by run so that load changes hit both alike."""
    lx = lumix_classes()
    times: dict[str, dict[str, list[float]]] = {
        key: {"compile": [], "solve": []} for key in ("ours", "direct")
    }
    outcome: dict[str, tuple[str | None, float | None]] = {}
    for i in range(warmup + repeats):
        t_compile, t_solve, solution = ours_once(lx, data)
        outcome["ours"] = solution.status, solution.objective_value
        if i >= warmup:
            times["ours"]["compile"].append(t_compile)
            times["ours"]["solve"].append(t_solve)
        t_build, built = _clock(lambda: _direct_build(data))
        t_solve, outcome["direct"] = _clock(lambda built=built: _direct_solve(built))
        if i >= warmup:
            times["direct"]["compile"].append(t_build)
            times["direct"]["solve"].append(t_solve)
    return {
        key: {
            **t,
            "total": [c + s for c, s in zip(t["compile"], t["solve"], strict=True)],
            "status": outcome[key][0],
            "objective": outcome[key][1],
        }
        for key, t in times.items()
    }


def run_lumix_reference(data, warmup: int, repeats: int) -> dict[str, Any]:
    """Runs inside the LumiX 0.3.2 virtual environment (``--child``)."""
    from lumix import LXOptimizer

    lx = lumix_classes()
    compile_s, total_s, objective, status = [], [], None, None
    for i in range(warmup + repeats):
        model = build_model(lx, data)
        t_compile, _canon = _clock(model.to_canonical)
        t_total, solution = _clock(lambda m=model: LXOptimizer().use_solver("ortools").solve(m))
        objective, status = solution.objective_value, str(getattr(solution, "status", ""))
        if i >= warmup:
            compile_s.append(t_compile)
            total_s.append(t_total)
    return {
        "compile": compile_s,
        "solve": [max(t - c, 0.0) for c, t in zip(compile_s, total_s, strict=True)],
        "total": total_s,
        "objective": objective,
        "status": status.lower(),
    }


def child_main(args: argparse.Namespace) -> int:
    """The LumiX 0.3.2 side: print one JSON document with versions and raw timings."""
    from importlib import metadata

    import lumix

    installed = metadata.version("lumix-opt")
    if installed != LUMIX_REF_VERSION or "site-packages" not in (lumix.__file__ or ""):
        print(
            f"expected lumix-opt {LUMIX_REF_VERSION} from site-packages, got {installed} at {lumix.__file__}",
            file=sys.stderr,
        )
        return 2
    results = {}
    for size in args.sizes:
        data = make_data(*size, args.seed)
        results[size_label(size)] = run_lumix_reference(data, args.warmup, args.repeats)
    print(
        json.dumps(
            {
                "versions": {
                    "lumix-opt": installed,
                    "ortools": metadata.version("ortools"),
                    "numpy": np.__version__,
                    "python": platform.python_version(),
                },
                "results": results,
            }
        )
    )
    return 0


# -- the LumiX 0.3.2 virtual environment -----------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _venv_ready(python: Path) -> bool:
    if not python.exists():
        return False
    probe = (
        "from importlib import metadata; import ortools.linear_solver.pywraplp, lumix; "
        f"assert metadata.version('lumix-opt') == {LUMIX_REF_VERSION!r}"
    )
    return subprocess.run([python, "-I", "-c", probe], capture_output=True, cwd=HERE).returncode == 0


def ensure_reference_venv(venv: Path) -> Path:
    """Create (or reuse) the virtual environment with LumiX 0.3.2 and OR-Tools."""
    python = _venv_python(venv)
    if _venv_ready(python):
        return python
    print(f"creating {venv} with {' '.join(LUMIX_REF_REQUIREMENTS)} ...", file=sys.stderr)
    # A venv of the base interpreter, not of the project's venv.
    base = getattr(sys, "_base_executable", None) or sys.executable
    steps = [
        [base, "-m", "venv", "--clear", str(venv)],
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *LUMIX_REF_REQUIREMENTS],
    ]
    for cmd in steps:
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(
                f"setting up the LumiX 0.3.2 environment failed: {' '.join(map(str, cmd))}\n"
                f"{proc.stdout}{proc.stderr}\n(use --skip-lumix032 to benchmark without it)"
            )
    if not _venv_ready(python):
        raise SystemExit(f"{venv} was created but cannot import lumix-opt {LUMIX_REF_VERSION}")
    return python


def run_reference_subprocess(python: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        str(python),
        "-I",  # isolated: only the venv's site-packages, never this repository's lumix
        str(Path(__file__).resolve()),
        "--child",
        "--sizes",
        *[size_label(s) for s in args.sizes],
        "--repeats",
        str(args.repeats),
        "--warmup",
        str(args.warmup),
        "--seed",
        str(args.seed),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    if proc.returncode != 0:
        raise SystemExit(f"the LumiX 0.3.2 subprocess failed:\n{proc.stdout}{proc.stderr}")
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"the LumiX 0.3.2 subprocess printed no JSON:\n{proc.stdout}{proc.stderr}") from None


# -- reporting -------------------------------------------------------------------------------


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "compile": statistics.median(raw["compile"]),
        "solve": statistics.median(raw["solve"]),
        "total": statistics.median(raw["total"]),
        "objective": raw["objective"],
        "status": raw["status"],
    }


def check_objectives(label: str, rows: dict[str, dict[str, Any]]) -> None:
    """All implementations optimal with objectives equal to 1e-6 relative, or exit."""
    for name, row in rows.items():
        if row["status"] != "optimal" or row["objective"] is None:
            raise SystemExit(f"{label}: {name} did not solve to optimality (status {row['status']!r})")
    values = {name: float(row["objective"]) for name, row in rows.items()}
    ref = max(abs(v) for v in values.values())
    spread = max(values.values()) - min(values.values())
    if spread > REL_TOL * max(ref, 1.0):
        detail = ", ".join(f"{n}={v!r}" for n, v in values.items())
        raise SystemExit(f"{label}: objectives disagree beyond {REL_TOL:g} relative: {detail}")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def our_versions() -> dict[str, str]:
    from importlib import metadata

    import lumix

    versions = {"lumix (this repository)": lumix.__version__}
    for dist in ("ortools", "numpy", "scipy"):
        versions[dist] = metadata.version(dist)
    versions["python"] = platform.python_version()
    return versions


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e3:.1f}"


def build_report(args, measured, ref_versions) -> tuple[list[str], list[str], bool]:
    """Markdown lines of the section body, console lines, and whether every target is met."""
    names = {"ours": "lumix (ours)", "lumix032": "LumiX 0.3.2", "direct": "OR-Tools direct"}
    table = [
        "| size (PxR) | implementation | compile ms | solve ms | total ms | objective |",
        "|---|---|---:|---:|---:|---:|",
    ]
    ratios = [
        "| size (PxR) | LumiX 0.3.2 total / ours total | ours total / OR-Tools direct total |",
        "|---|---:|---:|",
    ]
    all_met = True
    for size in args.sizes:
        label = size_label(size)
        rows = measured[label]
        for key in ("ours", "lumix032", "direct"):
            row = rows.get(key)
            if row is None:
                table.append(f"| {label} | {names[key]} | not run | | | |")
                continue
            table.append(
                f"| {label} | {names[key]} | {ms(row['compile'])} | {ms(row['solve'])} | "
                f"{ms(row['total'])} | {row['objective']:.6f} |"
            )
        ours_total = rows["ours"]["total"]
        vs_direct = ours_total / rows["direct"]["total"]
        met_direct = vs_direct <= TARGET_VS_DIRECT
        all_met &= met_direct
        cell_direct = f"{vs_direct:.2f}x ({'met' if met_direct else 'MISSED'}: <= {TARGET_VS_DIRECT:g}x)"
        if "lumix032" in rows:
            vs_lumix = rows["lumix032"]["total"] / ours_total
            if size == TARGET_SIZE:
                met_lumix = vs_lumix >= TARGET_VS_LUMIX
                all_met &= met_lumix
                cell_lumix = f"{vs_lumix:.1f}x ({'met' if met_lumix else 'MISSED'}: >= {TARGET_VS_LUMIX:g}x)"
            else:
                cell_lumix = f"{vs_lumix:.1f}x"
        else:
            cell_lumix = "not run"
        ratios.append(f"| {label} | {cell_lumix} | {cell_direct} |")

    today = _dt.date.today().isoformat()
    versions = ", ".join(f"{k} {v}" for k, v in our_versions().items())
    ref = (
        ", ".join(f"{k} {v}" for k, v in ref_versions.items())
        if ref_versions
        else "not run (--skip-lumix032)"
    )
    sizes = " ".join(size_label(s) for s in args.sizes)
    body = [
        SECTION,
        "",
        f"`python benchmarks/compile_solve.py --sizes {sizes} --repeats {args.repeats}` "
        f"(warm-up {args.warmup}, seed {args.seed}), {today}, {os.cpu_count()} cores "
        f"(`nproc` {nproc()}), {cpu_model()}.",
        f"Ours: {versions}. LumiX 0.3.2 venv: {ref}.",
        "",
        "Dense production-planning LP: `production[p] >= 0` with profit as cost, one capacity row "
        "per resource with the two-argument coefficient `lambda p, r: usage[p.id, r.id]`, "
        "`rhs(lambda r: r.capacity)`, `maximize()`. Medians of the repeats, milliseconds.",
        "",
        *table,
        "",
        *ratios,
        "",
        "What is timed. Ours: compile = `model.to_canonical()`, solve = "
        "`LXOptimizer().solve(canonical)` (proto build, GLOP, values, duals and reduced costs by "
        "name). LumiX 0.3.2 (own venv, subprocess): compile = its `model.to_canonical()`, total = "
        'the whole `LXOptimizer().use_solver("ortools").solve(model)` (it compiles again '
        "inside), solve = total - compile; sensitivity not enabled. OR-Tools direct: compile = "
        "building the `pywraplp` GLOP model with loops of `SetCoefficient`, solve = `Solve()` "
        "plus reading values, duals and reduced costs. All objectives agree to 1e-6 relative "
        "(checked by the script). Targets: LumiX 0.3.2 / ours >= 10x at 500x50; "
        "ours / OR-Tools direct <= 2x.",
        "",
    ]
    console = [f"compile_solve ({today}, {nproc()} cores, {cpu_model()})", *table, "", *ratios]
    return body, console, all_met


def nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        return str(os.cpu_count())


def results_header() -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in our_versions().items())
    return [
        "# Benchmark results",
        "",
        f"Figures are ratios measured on this {nproc()}-core machine ({cpu_model()}); absolute "
        "milliseconds depend on the machine and its load, the ratios are what the targets "
        "refer to. Each section says how it was produced and is rewritten by its script.",
        f"File created {_dt.date.today().isoformat()} with {versions}.",
        "",
    ]


def write_section(path: Path, body: list[str], section: str = SECTION) -> None:
    """Create ``path`` with a header, or replace its ``section`` (``## compile_solve`` by default;
    ``benchmarks/sweep.py`` writes its own); other sections are left as they are."""
    lines = path.read_text().splitlines() if path.exists() else results_header()
    start = next((i for i, line in enumerate(lines) if line.strip() == section), None)
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines.extend(body)
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = body
    path.write_text("\n".join(lines).rstrip("\n") + "\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=parse_size,
        default=[(200, 20), (500, 50)],
        help="problem sizes as PRODUCTSxRESOURCES (default: 200x20 500x50)",
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats (default 7)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="numpy default_rng seed (default 0)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="where the LumiX 0.3.2 venv lives")
    parser.add_argument("--skip-lumix032", action="store_true", help="do not run the LumiX 0.3.2 comparison")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="RESULTS.md to update")
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    parser.add_argument(
        "--check-targets", action="store_true", help="exit with status 1 when a target is missed"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be >= 1 and --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)

    ref = None
    if not args.skip_lumix032:
        python = ensure_reference_venv(args.venv.resolve())
        print(f"running LumiX 0.3.2 in {python} ...", file=sys.stderr)
        ref = run_reference_subprocess(python, args)

    measured: dict[str, dict[str, Any]] = {}
    for size in args.sizes:
        label = size_label(size)
        print(f"running ours and OR-Tools direct at {label} ...", file=sys.stderr)
        data = make_data(*size, args.seed)
        raw = run_ours_and_direct(data, args.warmup, args.repeats)
        rows = {key: summarize(value) for key, value in raw.items()}
        if ref is not None:
            rows["lumix032"] = summarize(ref["results"][label])
        check_objectives(label, rows)
        measured[label] = rows

    body, console, all_met = build_report(args, measured, ref["versions"] if ref else None)
    print("\n".join(console))
    print(f"\ntargets {'met' if all_met else 'MISSED'}")
    if not args.no_write:
        write_section(args.results, body)
        print(f"wrote the {SECTION[3:]} section of {args.results}")
    return 1 if (args.check_targets and not all_met) else 0


if __name__ == "__main__":
    sys.exit(main())
