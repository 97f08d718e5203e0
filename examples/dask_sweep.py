"""The sensitivity sweep of ``examples/sensitivity_sweep.toml`` on a dask cluster.

    python examples/dask_sweep.py

Starts a ``distributed.LocalCluster`` with two worker processes and runs the same Latin
hypercube (same parameters, ranges and seed as the TOML spec, so the same scenarios and the
same objectives as ``python -m runner run examples/sensitivity_sweep.toml``) through
``run_scenarios(..., backend=client)``: the model is detached and scattered once to the
workers, and batches of scenarios travel as futures. On a real cluster, pass
``Client("tcp://scheduler:8786")`` instead (the workers must be able to import
``sweep_model``), or use ``python -m runner run SPEC --backend dask --scheduler ADDRESS``.

``$LUMIX_SWEEP_N`` sets the number of scenarios (default 5000, as the spec);
``$LUMIX_SWEEP_SCALE`` the model size (see ``sweep_model.factory``). Prints a summary whose
lines the example test checks; exits with status 1 when a scenario did not solve.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_model import factory, scale_prices  # noqa: E402  (next to this file)

from runner import run_scenarios  # noqa: E402
from runner.sweeps import data_param, latin_hypercube, param  # noqa: E402

DEFAULT_N = 5000
SEED = 2024  # [run].seed of sensitivity_sweep.toml
WORKERS = 2


def sweep(n: int) -> list:
    """The spec's Latin hypercube, parameter by parameter (the order fixes the sample)."""
    ranges = {
        param("capacity[1]", name="machine_capacity"): (0.6, 1.4),
        param("capacity[2]", name="labour_capacity"): (0.6, 1.4),
        param("capacity[3]", name="assembly_capacity"): (0.6, 1.4),
        param("capacity[4]", name="storage_capacity"): (0.6, 1.4),
        param("materials[1]", name="steel_stock"): (0.5, 1.5),
        param("materials[2]", name="wood_stock"): (0.5, 1.5),
        data_param("price_level", scale_prices): (0.9, 1.1),
    }
    return latin_hypercube(ranges, n, seed=SEED)


def main() -> int:
    from distributed import Client, LocalCluster

    n = int(os.environ.get("LUMIX_SWEEP_N") or DEFAULT_N)
    model = factory(products=40, resources=6, materials=4, seed=7)
    scenarios = sweep(n)
    cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0")
    with cluster, Client(cluster) as client:
        print(f"Dask LocalCluster: {len(client.scheduler_info()['workers'])} worker processes")
        start = time.perf_counter()
        results = run_scenarios(model, scenarios, backend=client, progress=sys.stderr.isatty())
        elapsed = time.perf_counter() - start
    df = results.to_dataframe()
    counts = df["status"].value_counts().loc[lambda c: c > 0].to_dict()  # a Categorical counts every status
    ok = df["status"].isin(["optimal", "feasible"])
    objective = df.loc[ok, "objective_value"].to_numpy(dtype=float)
    print(f"Sweep: latin_hypercube, {n} scenarios + baseline, seed {SEED}")
    print(f"Solved: {len(df)} in {elapsed:.1f} s ({len(df) / elapsed:,.1f} scenarios/s)")
    print("Status: " + ", ".join(f"{status} {count}" for status, count in sorted(counts.items())))
    print(f"Workers used: {df['worker'].nunique()}")
    print(f"Baseline objective: {results['baseline'].objective_value:.6f}")
    best = results.best()
    if best is not None:
        print(f"Best: {best.name} objective {best.objective_value:.6f}")
    if objective.size:
        p5, p50, p95 = np.percentile(objective, [5, 50, 95])
        print(f"Objective p5 {p5:.6f} p50 {p50:.6f} p95 {p95:.6f}")
        print(f"Objective sum: {objective.sum():.6f}")
    return 0 if ok.all() else 1


if __name__ == "__main__":
    sys.exit(main())
