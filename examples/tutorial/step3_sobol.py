"""Tutorial step 3: a Sobol analysis of three inputs and three outcomes.

    python examples/tutorial/step3_sobol.py [--n BASE_SAMPLES] [--out DIR] [--n-jobs N]

The tornado of step 2 moved one input at a time. A variance-based (Sobol) analysis moves them
together, each uniform on [0.8, 1.2] times its value in the database: the labour capacity and
the steel stock (both binding at the base) and the assembly capacity (slack at the base).
Saltelli's design with ``--n`` base samples (default 1024; a power of 2) makes ``n * (3 + 2)``
scenarios. Besides the objective, each scenario reports two outcomes, computed in the worker
from its solution (only these numbers travel back):

- ``production_4``: how much of product 4 (the largest line of the base plan) is made;
- ``labour_shadow_price``: the profit of one more hour of labour (``capacity[2]``'s dual).

Every result goes to a journal (``DIR/sobol.journal.sqlite``): run the script again, or with a
larger ``--n`` (the design is prefix-stable), and only the scenarios not yet there are solved.
Prints the first-order (S1) and total (ST) indices with their confidence intervals per outcome
(ST - S1 is the share of variance from interactions), writes ``DIR/sobol.parquet`` and the
bar charts ``DIR/sobol_<outcome>.png``.

The same sweep from the command line (``step3_sobol.toml``: the same parameters, outcomes and
seed, so the same scenarios and indices; results in ``results/tutorial/sobol_cli.parquet``,
journal beside it, or where ``--output`` and ``--store`` say)::

    python -m runner run examples/tutorial/step3_sobol.toml --n 1024
    python -m runner run examples/tutorial/step3_sobol.toml --n 2048 --resume   # solves only the new ones
"""

from __future__ import annotations

import sys

from tutorial_model import arguments, build_model, open_session

from lumix import Outcome
from runner import param, run_scenarios, sobol

#: The inputs: multipliers of their values in the database, uniform on [0.8, 1.2].
RANGES = {
    param("capacity[2]", name="labour_capacity"): (0.8, 1.2),
    param("materials[1]", name="steel_stock"): (0.8, 1.2),
    param("capacity[3]", name="assembly_capacity"): (0.8, 1.2),
}
#: The outcomes besides the objective (``objective_value``), one results column each.
OUTCOMES = {
    "production_4": Outcome.value("production[4]"),
    "labour_shadow_price": Outcome.shadow_price("capacity[2]"),
}
SEED = 2024  # [run].seed of step3_sobol.toml


def main() -> int:
    args = arguments(__doc__, default_n=1024, n_help="Sobol base samples (n * 5 scenarios)")
    sweep = sobol(RANGES, args.n, seed=SEED)
    journal = args.out / "sobol.journal.sqlite"
    with open_session(args.out / "production.db") as session:
        model = build_model(session)
        results = run_scenarios(model, sweep, n_jobs=args.n_jobs, store=journal, outcomes=OUTCOMES)
    print(
        f"Sobol sweep: {args.n} base samples x ({len(RANGES)} inputs + 2) = {len(sweep)} scenarios + baseline"
    )
    print(
        f"Solved now: {len(results) - results.resumed}; taken from the journal {journal}: {results.resumed}"
    )
    failed = results.failed
    if not failed.empty:
        print(f"error: {len(failed)} scenarios failed:\n{failed}", file=sys.stderr)
        return 1

    for outcome in ["objective_value", *OUTCOMES]:
        indices = results.sobol(outcome)
        print(f"\nSobol indices of {outcome} (conf: half-width of the 95 % interval):")
        print((indices.round(4) + 0.0).to_string())  # + 0.0: no "-0.0" for a rounded -1e-17
        print(f"Plot: {results.plot_indices(args.out / f'sobol_{outcome}.png', outcome=outcome)}")
    table = args.out / "sobol.parquet"
    results.to_parquet(table)
    print(f"\nResults: {table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
