"""Fixtures of the runner tests: a small production-planning LP built from plain dataclasses.

The model (``production_model``)::

    maximize    sum_p profit[p] * production[p]
    capacity[r]:  sum_p usage(p, r) * production[p] <= capacity[r]      for every resource r
    0 <= production[p] <= max_units[p]

``usage(p, r)`` is the two-argument coefficient ``lambda p, r: p.usage[r.name]``; columns are
``production[<product id>]`` and rows ``capacity[<resource name>]``.

Why every instance solves: ``production = 0`` is feasible whenever every capacity is >= 0, and
the bounds ``max_units`` keep the LP bounded, so the optimum exists and is unique in value.

The tiny instance (``tiny_products`` / ``tiny_resources``) is worked out by hand::

    maximize 3 x0 + 2 x1
    assembly:  x0 +   x1 <= 12
    paint:   2 x0 +   x1 <= 30
    0 <= x0, x1 <= 10

x0 is the better product per unit of assembly (3 > 2) so it goes to its bound 10, x1 takes the
rest of assembly: x1 = 2. Paint uses 22 <= 30 (slack). Optimum 34 at (10, 2); shadow prices:
assembly 2 (one more hour makes one more x1), paint 0; reduced costs: x0 3 - 2 = 1, x1 0.

Worked scenarios of the tiny instance (used by the tests):

- assembly + 4 (16):             x0 = 10, x1 = 6             -> 42
- assembly * 0.5 (6):            x0 = 6,  x1 = 0             -> 18
- assembly set 25:               both at their bound 10      -> 50 (paint 30 <= 30 still holds)
- paint set 20:                  corner of both rows: x0 + x1 = 12, 2 x0 + x1 = 20
                                 -> x0 = 8, x1 = 4           -> 32
- x0 <= 4:                       x0 = 4, x1 = 8              -> 28
- profit of x1 set 5:            x1 first: x1 = 10, x0 = 2   -> 56
- assembly capacity -1:          no x >= 0 fits              -> infeasible

The standard instance (``standard_products`` / ``standard_resources``, 30 x 6) is random but
seeded, so its optimum is whatever the LP says; the tests compare paths with each other.
"""

from __future__ import annotations

import contextlib
import copy
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable

TINY_OPTIMUM = 34.0
REL = 1e-9


@dataclass
class PlanProduct:
    id: int
    name: str
    profit: float
    usage: dict[str, float] = field(default_factory=dict)
    max_units: float = 10.0


@dataclass
class PlanResource:
    name: str
    capacity: float


def tiny_products() -> list[PlanProduct]:
    return [
        PlanProduct(0, "tables", 3.0, {"assembly": 1.0, "paint": 2.0}, 10.0),
        PlanProduct(1, "chairs", 2.0, {"assembly": 1.0, "paint": 1.0}, 10.0),
    ]


def tiny_resources() -> list[PlanResource]:
    return [PlanResource("assembly", 12.0), PlanResource("paint", 30.0)]


def standard_products(n: int = 30, resources: int = 6, seed: int = 11) -> list[PlanProduct]:
    """``n`` products using every one of ``resources`` resources ``r0..``; seeded data."""
    rng = random.Random(seed)
    return [
        PlanProduct(
            i,
            f"p{i}",
            round(rng.uniform(5.0, 20.0), 2),
            {f"r{k}": round(rng.uniform(0.5, 3.0), 2) for k in range(resources)},
            round(rng.uniform(20.0, 60.0), 1),
        )
        for i in range(n)
    ]


def standard_resources(n: int = 6, seed: int = 12) -> list[PlanResource]:
    """Capacities small enough that several resources bind at the optimum."""
    rng = random.Random(seed)
    return [PlanResource(f"r{k}", round(rng.uniform(300.0, 600.0), 1)) for k in range(n)]


def production_model(
    products: list[PlanProduct], resources: list[PlanResource], name: str = "production"
) -> LXModel:
    """The LP above; ``production[p.id]`` and ``capacity[r.name]``."""
    x = (
        LXVariable[PlanProduct, float]("production")
        .continuous()
        .bounds(lower=0, upper=lambda p: p.max_units)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(lambda p: p.profit)
    )
    capacity = (
        LXConstraint[PlanResource]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage[r.name]))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    return LXModel(name).add_variable(x).add_constraint(capacity).maximize()


def serial_objective(model: LXModel, modify=None) -> float | None:
    """The independent reference path: ``copy.deepcopy``, modify the copy, solve it alone."""
    copied = copy.deepcopy(model)
    if modify is not None:
        returned = modify(copied)
        if isinstance(returned, LXModel):
            copied = returned
    return LXOptimizer().solve(copied).objective_value


def close(a: float | None, b: float | None, rel: float = REL) -> bool:
    """Equal to ``rel`` relative (absolute near zero); ``None`` only equals ``None``."""
    if a is None or b is None:
        return a is b
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@pytest.fixture
def tiny_model() -> LXModel:
    return production_model(tiny_products(), tiny_resources(), name="tiny")


@pytest.fixture
def standard_model() -> LXModel:
    return production_model(standard_products(), standard_resources())


# -- waiting for real conditions ------------------------------------------------------------------
#
# Tests must pass on a busy machine too: they wait for a condition the program under test really
# reaches (rows committed in its journal, a process gone), polled under a generous deadline that
# fails with what was awaited and what was seen, never for a sleep or a file's mere existence.

WAIT_S = 120.0
T = TypeVar("T")


class Child:
    """A subprocess (text mode) whose stdout and stderr are drained by threads, so that a full
    pipe never blocks it and its output so far can be shown while it still runs."""

    def __init__(self, args: list[str], **popen: Any) -> None:
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
        self._group = bool(popen.get("start_new_session"))
        self._out: list[str] = []
        self._err: list[str] = []
        self._readers = [
            threading.Thread(target=self._drain, args=(stream, sink), daemon=True)
            for stream, sink in ((self.proc.stdout, self._out), (self.proc.stderr, self._err))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(stream: Any, sink: list[str]) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in stream:
                sink.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def exited(self) -> int | None:
        """The exit status, or ``None`` while it runs."""
        return self.proc.poll()

    def tail(self, chars: int = 3000) -> str:
        return (
            f"--- child stdout (tail) ---\n{''.join(self._out)[-chars:]}"
            f"\n--- child stderr (tail) ---\n{''.join(self._err)[-chars:]}"
        )

    def finish(self, timeout: float = WAIT_S) -> tuple[int, str, str]:
        """Wait for the exit and the end of its output: ``(returncode, stdout, stderr)``; fails
        with the output tail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        try:
            returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the child did not exit within {timeout:.0f} s\n{self.tail()}") from None
        for reader in self._readers:  # EOF once every process holding the pipes is gone
            reader.join(max(0.0, deadline - time.monotonic()))
        if any(reader.is_alive() for reader in self._readers):
            raise AssertionError(
                f"the child exited ({returncode}) but its output pipes stayed open {timeout:.0f} s "
                f"(processes it started still run?)\n{self.tail()}"
            )
        return returncode, "".join(self._out), "".join(self._err)

    def stop(self) -> None:
        """SIGKILL it (its whole process group if it leads one) and reap it; for ``finally``."""
        if self._group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=WAIT_S)
        for reader in self._readers:
            reader.join(5)


def wait_for(
    condition: Callable[[], T],
    what: str,
    *,
    timeout: float = WAIT_S,
    child: Child | None = None,
    seen: Callable[[], object] | None = None,
    interval: float = 0.05,
) -> T:
    """Poll ``condition()`` until it returns something truthy, and return that.

    Fails (``AssertionError``) after ``timeout`` s, or as soon as ``child`` exits, saying what was
    awaited, what was seen last (``seen()``, by default the condition's value) and the child's
    output tail."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        why = None
        if child is not None and child.exited() is not None:
            why = f"the child exited ({child.exited()})"
        elif time.monotonic() > deadline:
            why = f"{timeout:g} s passed"
        if why is not None:
            last = seen() if seen is not None else value
            raise AssertionError(
                f"waited for {what}, but {why}; last seen: {last!r}" + (f"\n{child.tail()}" if child else "")
            )
        time.sleep(interval)


#: A SQLite journal's rows while a run writes it: the results table and the rows the run has
#: appended to the log (merged into the results table when the journal is closed).
JOURNALED = (
    "(SELECT name, status, scenario_key FROM lumix_scenario_results "
    "UNION ALL SELECT name, status, scenario_key FROM lumix_scenario_log)"
)


def _read_journal(path: str | Path, query: str) -> list[tuple] | None:
    """Rows of ``query`` on the SQLite journal at ``path``, or ``None`` while there is nothing to
    read yet: no file (``mode=rw`` never creates it, which would race the program creating it),
    no table yet, or the database busy."""
    uri = Path(path).resolve().as_uri() + "?mode=rw"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as db:
            return db.execute(query).fetchall()
    except sqlite3.DatabaseError:  # OperationalError: unable to open, no such table, locked
        return None


def journal_count(path: str | Path) -> int:
    """Rows in the SQLite journal at ``path`` so far; 0 while it (or its table) does not exist yet."""
    rows = _read_journal(path, f"SELECT COUNT(*) FROM {JOURNALED}")
    return rows[0][0] if rows else 0


def journaled_names(path: str | Path) -> set[str]:
    """Names of the scenarios with a result in the SQLite journal at ``path`` so far (not
    those an interrupted run journaled as ``cancelled``); empty while it (or its table) does
    not exist yet."""
    query = f"SELECT name FROM {JOURNALED} WHERE status != 'cancelled'"
    return {name for (name,) in _read_journal(path, query) or []}


def write_atomically(path: str | Path, text: str) -> None:
    """A marker another process reads: complete or absent, never half written."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def journal_writers(pid: int) -> set[int]:
    """Pids of ``pid``'s journal writer processes (``runner.journal_writer``)."""
    found = set()
    for child in child_pids(pid):
        try:
            if b"journal_writer.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except OSError:
            continue
    return found


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie has)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def child_pids(pid: int) -> set[int]:
    """Pids of ``pid``'s children (Linux ``/proc``)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found
