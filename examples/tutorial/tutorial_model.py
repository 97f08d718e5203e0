"""The tutorial's model and settings, shared by its steps and by ``step3_sobol.toml``.

The model is the production LP of ``examples/sweep_model.py``: SQLAlchemy 2.x tables of
products, resources and materials, read by ``build_model(session)`` through
``LXVariable(...).from_model(session)`` and ``LXConstraint(...).from_model(session)``::

    maximize    sum_p unit_profit(p) * production[p]       (price - bill-of-materials cost)
    demand:       sum_p production[p]                 <= market
    capacity[r]:  sum_p hours(p, r) * production[p]   <= capacity[r]   machine, labour, assembly, storage
    materials[m]: sum_p units(p, m) * production[p]   <= stock[m]      steel, wood, plastic

Here on a small database (``SIZE``: 12 products, 4 resources, 3 materials, seed 7), so that a
Sobol analysis of thousands of scenarios takes seconds. Every step takes:

- ``--n N`` (or ``$LUMIX_TUTORIAL_N``): the size of its sweep (the default is a real analysis;
  CI passes a small one);
- ``--out DIR`` (or ``$LUMIX_TUTORIAL_DIR``, default ``results/tutorial``): where it writes
  the database, the results files and the plots;
- ``--n-jobs N``: worker processes (joblib's meaning; default -1, every core).
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from lumix import LXModel

EXAMPLES = Path(__file__).resolve().parents[1]
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))  # sweep_model.py lives in examples/

import sweep_model  # noqa: E402  (from examples/)
from sweep_model import Material, Product, Resource, build_model, scale_prices  # noqa: E402

__all__ = [
    # sweep_model's tables, model and data parameter
    "Product",
    "Resource",
    "Material",
    "build_model",
    "scale_prices",
    # the tutorial's settings
    "SIZE",
    "DEFAULT_DIR",
    "open_session",
    "factory",
    "arguments",
]

#: The database's size and seed (deterministic data: the same model on every run).
SIZE = {"products": 12, "resources": 4, "materials": 3, "seed": 7}
DEFAULT_DIR = "results/tutorial"


@contextmanager
def open_session(db: str | Path) -> Iterator[Session]:
    """(Re)create the tutorial's SQLite database at ``db`` and open a session on it."""
    url = sweep_model.create_database(db, **SIZE)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


_open = ExitStack()  # the command line's session and temporary folder, closed at exit
atexit.register(_open.close)


def factory(db: str | None = None) -> LXModel:
    """The tutorial's model for the command line (``[model] factory = "tutorial_model:factory"``):
    the database at ``db`` (default: in a temporary folder) and the model built from a session
    that stays open (the runner compiles and detaches the model under it)."""
    if db is None:
        db = os.path.join(
            _open.enter_context(tempfile.TemporaryDirectory(prefix="lumix-tutorial-")), "production.db"
        )
    return build_model(_open.enter_context(open_session(db)))


def arguments(doc: str | None, default_n: int | None = None, n_help: str = "") -> argparse.Namespace:
    """The step's options: ``--out`` (``$LUMIX_TUTORIAL_DIR``, else ``results/tutorial``;
    created) and, for a sweep (``default_n`` given), ``--n`` (``$LUMIX_TUTORIAL_N``, else
    ``default_n``) and ``--n-jobs``."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(os.environ.get("LUMIX_TUTORIAL_DIR") or DEFAULT_DIR),
        help=f"output folder (default: $LUMIX_TUTORIAL_DIR or {DEFAULT_DIR})",
    )
    if default_n is not None:
        n = int(os.environ.get("LUMIX_TUTORIAL_N") or default_n)
        parser.add_argument(
            "--n", type=int, default=n, help=f"{n_help} (default: $LUMIX_TUTORIAL_N or {default_n})"
        )
        parser.add_argument(
            "--n-jobs", type=int, default=-1, help="worker processes (default -1: every core)"
        )
    args = parser.parse_args()
    if default_n is not None and args.n < 1:
        parser.error(f"--n {args.n}: must be >= 1")
    args.out.mkdir(parents=True, exist_ok=True)
    return args
