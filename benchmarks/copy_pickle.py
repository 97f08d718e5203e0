"""Copy / pickle benchmark: deepcopy and pickle of an ORM-backed production model.

    .venv/bin/python benchmarks/copy_pickle.py [--sizes 500x50 5000x50] [--repeats 7]

The model is the production-planning LP of ``compile_solve.py`` (same data generator and
seed, so the same objectives) read from a SQLite database with SQLAlchemy 2.x: ``Product``
(profit), ``Resource`` (capacity) and ``Usage`` (product, resource, amount).
``production[p] >= 0`` is ``from_model(session)`` with cost ``lambda p: p.profit``;
``capacity[r]`` is ``from_model(session)`` with ``rhs(lambda r: r.capacity)`` and a
two-argument coefficient that reads the usage from the product, one of three ways (``--kinds``):

- ``attribute``: ``lambda p, r: p.usage[r.id]``, ``Product.usage`` a JSON column (a list of R
  numbers per product): P + R ORM objects;
- ``relationship-sparse``: ``lambda p, r: p.usage_of(r)``, summing the ``selectin``-loaded
  relationship ``Product.usages`` (as ``examples/production_planning.py`` does), each product
  using 5 of the resources: P + R + 5 P ORM objects;
- ``relationship-dense``: ``lambda p, r: p.usages[r.id].amount``, every product using every
  resource (ordered by resource id): P + R + P x R ORM objects, each detached copy a real
  mapped instance.

The model is compiled once under the live session before measuring (``model.to_canonical()``,
as the runner does before it detaches), then, each the median of ``--repeats`` runs after
``--warmup`` runs (``gc.collect()`` before each):

- deepcopy ms: ``copy.deepcopy(model)``; a ``before_cursor_execute`` listener on the engine
  counts the SQL statements run during every deepcopy, pickle and unpickle: the script fails
  unless there are none;
- pickle ms and size: ``pickle.dumps(model)`` (plain pickle, protocol 5);
- unpickle ms: ``pickle.loads(data)``.

Every copy is checked: the objective of the original, the deepcopy and the unpickled model agree
to 1e-9 relative, solved with the database closed. The table goes to the ``## copy_pickle``
section of ``benchmarks/RESULTS.md``. Target (issue 3): deepcopy of the 500x50 model < 50 ms.
``--profile`` prints a cProfile of the deepcopy at the first size instead of writing results.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import datetime as _dt
import gc
import io
import os
import pickle
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import JSON, ForeignKey, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this repository's lumix, run from anywhere
sys.path.insert(0, str(HERE))  # compile_solve's helpers
from compile_solve import parse_size, size_label  # noqa: E402

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable  # noqa: E402

DEFAULT_RESULTS = HERE / "RESULTS.md"
SECTION = "## copy_pickle"
REL_TOL = 1e-9
TARGET_SIZE = (500, 50)
TARGET_DEEPCOPY_S = 0.050


# -- the database ----------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    profit: Mapped[float]
    usage: Mapped[list[float] | None] = mapped_column(JSON, deferred=False)  # the "attribute" kind
    usages: Mapped[list[Usage]] = relationship(
        back_populates="product", lazy="selectin", order_by="Usage.resource_id"
    )

    def usage_of(self, resource: Resource) -> float:
        return sum(u.amount for u in self.usages if u.resource_id == resource.id)


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[float]


class Usage(Base):
    __tablename__ = "usages"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    amount: Mapped[float]
    product: Mapped[Product] = relationship(back_populates="usages")


KINDS = ("attribute", "relationship-sparse", "relationship-dense")
SPARSE_USES = 5  # resources per product in relationship-sparse


def make_data(n_products: int, n_resources: int, seed: int, kind: str):
    """``compile_solve.make_data`` (same generator and draws); relationship-sparse keeps
    ``SPARSE_USES`` random resources per product and sizes the capacities on what is left."""
    rng = np.random.default_rng(seed)
    profit = rng.uniform(5.0, 50.0, n_products)
    usage = rng.uniform(0.1, 5.0, (n_products, n_resources))
    if kind == "relationship-sparse":
        keep = np.zeros_like(usage, dtype=bool)
        pick = np.random.default_rng(seed + 1)
        for p in range(n_products):
            keep[p, pick.choice(n_resources, size=min(SPARSE_USES, n_resources), replace=False)] = True
        usage = np.where(keep, usage, 0.0)
    capacity = usage.sum(axis=0) * rng.uniform(0.05, 0.2, n_resources)
    return profit, usage, capacity


def fill(engine: Any, n_products: int, n_resources: int, seed: int, kind: str) -> None:
    profit, usage, capacity = make_data(n_products, n_resources, seed, kind)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            Resource.__table__.insert(),
            [{"id": r, "name": f"R{r}", "capacity": float(capacity[r])} for r in range(n_resources)],
        )
        conn.execute(
            Product.__table__.insert(),
            [
                {
                    "id": p,
                    "name": f"P{p}",
                    "profit": float(profit[p]),
                    "usage": [float(u) for u in usage[p]] if kind == "attribute" else None,
                }
                for p in range(n_products)
            ],
        )
        if kind != "attribute":
            conn.execute(
                Usage.__table__.insert(),
                [
                    {"product_id": p, "resource_id": r, "amount": float(usage[p, r])}
                    for p in range(n_products)
                    for r in range(n_resources)
                    if usage[p, r] != 0.0
                ],
            )


def orm_objects(size: tuple[int, int], kind: str) -> int:
    p, r = size
    links = {"attribute": 0, "relationship-sparse": min(SPARSE_USES, r) * p, "relationship-dense": p * r}
    return p + r + links[kind]


def build_model(session: Session, kind: str) -> LXModel:
    if kind == "relationship-dense":
        coefficient = lambda p, r: p.usages[r.id].amount  # dense, ordered by resource id
    elif kind == "relationship-sparse":
        coefficient = lambda p, r: p.usage_of(r)
    else:
        coefficient = lambda p, r: p.usage[r.id]
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .cost(lambda p: p.profit)
        .from_model(session)
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(production, coefficient))
        .le()
        .rhs(lambda r: r.capacity)
        .from_model(session)
        .indexed_by(lambda r: r.id)
    )
    return LXModel("production_planning").add_variable(production).add_constraint(capacity).maximize()


class QueryCounter:
    def __init__(self, engine: Any) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1


# -- measuring -------------------------------------------------------------------------------


def _clock(func) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result); a full collection first."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def objective(model: Any) -> float:
    solution = LXOptimizer().solve(model)
    if solution.status != "optimal":
        raise SystemExit(f"the model did not solve to optimality: {solution.status}")
    return float(solution.objective_value)


def measure(size: tuple[int, int], kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    n_products, n_resources = size
    engine = create_engine(f"sqlite:///{workdir / f'{kind}_{n_products}x{n_resources}.db'}")
    fill(engine, n_products, n_resources, args.seed, kind)
    counter = QueryCounter(engine)
    session = Session(engine)
    model = build_model(session, kind)
    t_compile, _, _ = _clock(model.to_canonical)  # under the live session, as the runner does
    original = objective(model)
    compile_queries = counter.count

    counter.count = 0
    times: dict[str, list[float]] = {k: [] for k in ("deepcopy", "dumps", "loads", "deepcopy_cpu")}
    data = b""
    deep = loaded = None
    for i in range(args.warmup + args.repeats):
        deep = loaded = None  # the previous copies go before the next is timed
        t_deep, c_deep, deep = _clock(lambda: copy.deepcopy(model))
        t_dumps, _, data = _clock(lambda: pickle.dumps(model, protocol=5))
        t_loads, _, loaded = _clock(lambda data=data: pickle.loads(data))
        if i >= args.warmup:
            times["deepcopy"].append(t_deep)
            times["deepcopy_cpu"].append(c_deep)
            times["dumps"].append(t_dumps)
            times["loads"].append(t_loads)
    copy_queries = counter.count
    session.close()
    engine.dispose()
    (workdir / f"{kind}_{n_products}x{n_resources}.db").unlink()  # the copies need no database
    checks = {"deepcopy": objective(deep), "unpickled": objective(loaded)}
    for how, value in checks.items():
        if abs(value - original) > REL_TOL * max(abs(original), 1.0):
            raise SystemExit(
                f"{size} {kind}: the {how} model solves to {value!r}, the original to {original!r}"
            )
    if copy_queries:
        raise SystemExit(f"{size} {kind}: {copy_queries} SQL statements ran while copying/pickling")
    return {
        "compile": t_compile,
        "compile_queries": compile_queries,
        **{k: statistics.median(v) for k, v in times.items()},
        "deepcopy_min": min(times["deepcopy"]),
        "size": len(data),
        "copy_queries": copy_queries,
        "objective": original,
        "objects": orm_objects(size, kind),
    }


def profile(size: tuple[int, int], kind: str, args: argparse.Namespace, workdir: Path) -> None:
    """cProfile of ``--repeats`` deepcopies of the compiled model (tottime and cumulative)."""
    n_products, n_resources = size
    engine = create_engine(f"sqlite:///{workdir / 'profile.db'}")
    fill(engine, n_products, n_resources, args.seed, kind)
    with Session(engine) as session:
        model = build_model(session, kind)
        model.to_canonical()
        copy.deepcopy(model)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeats):
            copy.deepcopy(model)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(30)
    print(out.getvalue())


# -- reporting -------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions() -> str:
    from importlib import metadata

    import lumix

    found = {"lumix (this repository)": lumix.__version__}
    for dist in ("sqlalchemy", "cloudpickle", "ortools", "numpy"):
        found[dist] = metadata.version(dist)
    found["python"] = platform.python_version()
    return ", ".join(f"{k} {v}" for k, v in found.items())


def nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        return str(os.cpu_count())


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def build_report(args: argparse.Namespace, measured: dict[tuple[str, str], dict[str, Any] | None]):
    table = [
        "| size (PxR) | usage read through | ORM objects | compile ms | deepcopy ms (CPU ms) | "
        "CPU µs / ORM object | pickle ms | pickle size | unpickle ms | SQL during copies | objective |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    all_met = True
    for (label, kind), row in measured.items():
        if row is None:
            objects = orm_objects(parse_size(label), kind)
            table.append(
                f"| {label} | {kind} | {objects:,} | skipped (over --max-objects "
                f"{args.max_objects:,}) | | | | | | | |"
            )
            continue
        table.append(
            f"| {label} | {kind} | {row['objects']:,} | {ms(row['compile'])} | "
            f"**{ms(row['deepcopy'])}** ({ms(row['deepcopy_cpu'])}) | "
            f"{row['deepcopy_cpu'] / row['objects'] * 1e6:.1f} | {ms(row['dumps'])} | "
            f"{row['size'] / 1e6:.2f} MB | {ms(row['loads'])} | {row['copy_queries']} | "
            f"{row['objective']:.6f} |"
        )
        if label == size_label(TARGET_SIZE):
            met = row["deepcopy"] < TARGET_DEEPCOPY_S
            if kind != "relationship-dense":
                all_met &= met
            verdicts.append(
                f"{kind} {ms(row['deepcopy'])} ms, CPU {ms(row['deepcopy_cpu'])} ms "
                f"({'met' if met else 'MISSED'})"
            )
    today = _dt.date.today().isoformat()
    sizes = " ".join(size_label(s) for s in args.sizes)
    kinds = " ".join(args.kinds)
    body = [
        SECTION,
        "",
        f"`python benchmarks/copy_pickle.py --sizes {sizes} --kinds {kinds} --repeats {args.repeats} "
        f"--max-objects {args.max_objects}` (warm-up {args.warmup}, seed {args.seed}), {today}, "
        f"{os.cpu_count()} cores (`nproc` {nproc()}), {cpu_model()}, load average "
        f"{load_average()} at the end; {versions()}.",
        "",
        "The production LP of `compile_solve` (same data, same objectives) read with SQLAlchemy "
        "from SQLite, `production` and `capacity` both `from_model(session)`; the two-argument "
        "coefficient reads the usage from the product: `attribute` = JSON column "
        "(`lambda p, r: p.usage[r.id]`), `relationship-sparse` = the `selectin` relationship "
        f"`Product.usages`, {SPARSE_USES} resources per product (`lambda p, r: p.usage_of(r)`), "
        "`relationship-dense` = the same relationship with every product using every resource "
        "(`lambda p, r: p.usages[r.id].amount`). Compiled once under the live session before "
        "measuring (as the runner does); then medians of the repeats, each after "
        "`gc.collect()`: `copy.deepcopy(model)` (wall, and CPU time of the process in brackets), "
        "`pickle.dumps(model)` (plain pickle, protocol 5; it deep-copies, then cloudpickles) "
        'and `pickle.loads`. "SQL during copies": statements a `before_cursor_execute` listener '
        "saw during all deepcopies, pickles and unpickles (the script fails unless 0). The "
        "deepcopy and the unpickled model solve to the original's objective after the database "
        "file is deleted (1e-9 relative, checked by the script). Wall times rise with the load "
        "of the machine (load average above); the CPU time of the process in brackets does not "
        "count time the process waited for a core.",
        "",
        *table,
        "",
        f"Target: deepcopy of the 500x50 ORM model < {TARGET_DEEPCOPY_S * 1e3:g} ms: "
        + (", ".join(verdicts) if verdicts else "500x50 not run")
        + ". The script's exit status counts `attribute` and `relationship-sparse`; "
        "`relationship-dense` (one mapped `Usage` per product and resource) is the stress case: "
        "every one of its 25,550 ORM objects becomes a real detached mapped instance (own "
        "`InstanceState`, identity key, loaded relationships), which costs a few microseconds "
        "each plus one young-generation collection of the new objects once the copy re-enables "
        "the garbage collector (`--profile` shows the split).",
        "",
    ]
    console = [f"copy_pickle ({today}, {nproc()} cores, {cpu_model()})", *table, "", *verdicts]
    return body, console, all_met


def write_section(path: Path, body: list[str]) -> None:
    """Replace this script's section of ``path`` (or append it), leaving the others alone."""
    lines = path.read_text().splitlines() if path.exists() else ["# Benchmark results", ""]
    start = next((i for i, line in enumerate(lines) if line.strip() == SECTION), None)
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
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[(500, 50), (5000, 50)])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max-objects",
        type=int,
        default=100_000,
        help="skip a size and kind with more ORM objects than this (default 100000)",
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    parser.add_argument("--profile", action="store_true", help="cProfile the deepcopy of the first size/kind")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lumix-copy-pickle-") as tmp:
        workdir = Path(tmp)
        if args.profile:
            profile(args.sizes[0], args.kinds[0], args, workdir)
            return 0
        measured: dict[tuple[str, str], dict[str, Any] | None] = {}
        for size in args.sizes:
            for kind in args.kinds:
                key = (size_label(size), kind)
                if orm_objects(size, kind) > args.max_objects:
                    measured[key] = None
                    continue
                row = measured[key] = measure(size, kind, args, workdir)
                print(
                    f"{key[0]} {kind}: deepcopy {ms(row['deepcopy'])} ms, pickle {ms(row['dumps'])} ms "
                    f"/ {row['size'] / 1e6:.2f} MB, unpickle {ms(row['loads'])} ms",
                    file=sys.stderr,
                )
    body, console, all_met = build_report(args, measured)
    print("\n".join(console))
    if not args.no_write:
        write_section(args.results, body)
        print(f"wrote the {SECTION} section of {args.results}")
    return 0 if all_met else 1


if __name__ == "__main__":
    # Run as the importable module ``copy_pickle``, as user code that ships models lives in a
    # module: cloudpickle copies classes defined in ``__main__`` by value, and a SQLAlchemy mapped
    # class cannot be copied by value ("cannot pickle 'weakref.ReferenceType' object").
    sys.path.insert(0, str(HERE))
    import copy_pickle

    sys.exit(copy_pickle.main())
