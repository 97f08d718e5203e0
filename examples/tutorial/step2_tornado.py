"""Tutorial step 2: which inputs move the profit? A one-at-a-time sweep and its tornado chart.

    python examples/tutorial/step2_tornado.py [--n POINTS] [--out DIR] [--n-jobs N]

Moves six inputs of the step 1 model one at a time from 80 % to 120 % of their value in the
database (``--n`` points each, default 9), the others at their base: the labour and assembly
capacities and the steel and wood stocks (right-hand sides, changed in the workers'
persistent solver), the market (the ``demand`` row) and the price level of every product (a
data parameter: each scenario's copy of the model gets new prices and is recompiled).
``run_scenarios`` solves the sweep in parallel; the results go to ``DIR/tornado.parquet`` with
the sweep's metadata (``python -m runner report DIR/tornado.parquet`` draws the same tornado),
and the chart to ``DIR/tornado.png``: one bar per input from its lowest to its highest
setting, the widest on top.
"""

from __future__ import annotations

import sys

import numpy as np
from tutorial_model import arguments, build_model, open_session, scale_prices

from runner import data_param, one_at_a_time, param, run_scenarios

#: The inputs of the tornado: each a multiplier of its value in the database.
PARAMETERS = [
    param("capacity[2]", name="labour_capacity"),
    param("capacity[3]", name="assembly_capacity"),
    param("materials[1]", name="steel_stock"),
    param("materials[2]", name="wood_stock"),
    param("demand", name="market"),
    data_param("price_level", scale_prices),
]


def main() -> int:
    args = arguments(__doc__, default_n=9, n_help="settings per input, from 0.8 to 1.2")
    levels = [float(v) for v in np.linspace(0.8, 1.2, max(args.n, 2))]
    sweep = one_at_a_time(dict.fromkeys(PARAMETERS, 1.0), dict.fromkeys(PARAMETERS, levels))
    with open_session(args.out / "production.db") as session:
        model = build_model(session)
        results = run_scenarios(model, sweep, n_jobs=args.n_jobs)  # compiled and detached here, once
    print(f"One-at-a-time sweep: {len(PARAMETERS)} inputs x {len(levels)} settings, {len(results)} scenarios")
    df = results.to_dataframe()
    counts = df["status"].value_counts()
    print("Status: " + ", ".join(f"{status} {count}" for status, count in counts[counts > 0].items()))
    print(f"Baseline objective: {results['baseline'].objective_value:.6f}")
    print("Objective from the lowest to the highest setting of each input (the tornado's bars):")
    for p in PARAMETERS:
        moved = df[df[p.name].notna() & (df[p.name] != 1.0)].sort_values(p.name)  # p moves, the rest at 1
        low, high = moved["objective_value"].iloc[0], moved["objective_value"].iloc[-1]
        print(f"  {p.name:<18} {low:>10.2f} .. {high:>10.2f}  (change {high - low:+.2f})")

    table = args.out / "tornado.parquet"
    results.to_parquet(table)
    chart = results.plot_tornado(args.out / "tornado.png")
    print(f"Results: {table}")
    print(f"Plot: {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
