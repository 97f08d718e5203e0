"""Tutorial step 4: the report, and the results files read back in Python.

    python examples/tutorial/step4_report.py [--out DIR]

Needs the files of the steps before: ``DIR/tornado.parquet`` (written by the step 2 script)
and ``DIR/sobol_cli.parquet`` (written by the command line, ``step3_sobol.toml``). A results
file carries the sweep's design (kind, parameters with their bounds, outcomes, seed, model
hash) as JSON under the key ``lumix_sweep`` of its Parquet schema metadata, so the report
treats a file from a script and one from the command line alike. This step

1. runs the command line's report on both (the same as typing it)::

       python -m runner report DIR/tornado.parquet --plots DIR/report_tornado
       python -m runner report DIR/sobol_cli.parquet --outcome labour_shadow_price --plots DIR/report_sobol

   a summary of the objective (or of ``--outcome``), the sensitivity table the sweep's kind
   calls for, and its plots: ``tornado.png`` for the one-at-a-time sweep, ``indices_<outcome>.png``
   for the Sobol sweep;
2. loads both files with ``runner.read_results`` (a ``ScenarioResults``, as ``run_scenarios``
   returned it) and analyses them again: the five largest changes of the tornado sweep, and the
   Sobol indices of every outcome, which equal those of step 3's script when both ran the same
   number of base samples (same design, same seed, same model).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tutorial_model import arguments

from runner import read_results


def report(path: Path, plots: Path, *extra: str) -> None:
    """``python -m runner report PATH --plots PLOTS [EXTRA]`` in a fresh interpreter."""
    command = ["-m", "runner", "report", str(path), "--plots", str(plots), *extra]
    print("$ python " + " ".join(command), flush=True)
    subprocess.run([sys.executable, *command], check=True)
    print(flush=True)


def main() -> int:
    args = arguments(__doc__)
    tornado, sobol_cli, sobol_script = (
        args.out / "tornado.parquet",
        args.out / "sobol_cli.parquet",
        args.out / "sobol.parquet",
    )
    missing = {tornado: "examples/tutorial/step2_tornado.py", sobol_cli: "examples/tutorial/step3_sobol.toml"}
    for path, step in missing.items():
        if not path.exists():
            print(f"error: {path} is missing; run {step} first (see its docstring)", file=sys.stderr)
            return 1

    report(tornado, args.out / "report_tornado")
    report(sobol_cli, args.out / "report_sobol", "--outcome", "labour_shadow_price")

    oat = read_results(tornado)
    print(f"read_results({tornado}): {len(oat)} scenarios, kind {oat.meta.kind!r}")
    print(f"  parameters {oat.parameter_names}")
    changes = oat.compare().dropna(subset=["pct"])
    largest = changes.loc[changes["pct"].abs().sort_values(ascending=False).index[:5]]
    print("Largest changes of the objective (compare()):")
    print(largest.to_string(index=False))

    sweep = read_results(sobol_cli)
    meta = sweep.meta
    print(f"\nread_results({sobol_cli}): {len(sweep)} scenarios, kind {meta.kind!r}")
    print(f"  {meta.design['base_samples']} base samples, seed {meta.seed}, outcomes {meta.outcomes}")
    script = read_results(sobol_script) if sobol_script.exists() else None
    for outcome in ["objective_value", *meta.outcomes]:
        indices = sweep.sobol(outcome)
        print(f"Sobol indices of {outcome}:")
        print((indices[["S1", "ST"]].round(4) + 0.0).to_string())
        if script is not None and (script.meta.design, script.meta.model_hash) == (
            meta.design,
            meta.model_hash,
        ):
            difference = (indices - script.sobol(outcome)).abs().to_numpy().max()
            print(f"  (step 3's script, same design: largest difference {difference:.2g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
