"""Fault-injection soak of ``run_scenarios`` (issue 9): faults in 5 % of a sweep, the parent
SIGKILLed twice and resumed.

    .venv/bin/python benchmarks/soak.py [--n 2000] [--seed 0] [--fault-rate 0.05] [--timeout 4]

A driver script (a temporary file, run with ``sys.executable``, ``PYTHONPATH`` = the repository
root, in a session of its own) sweeps ``n`` callable scenarios of the standard production model
of ``tests/runner/conftest.py`` with ``backend="loky", n_jobs=2, batch_size=4, retries=0`` and a
SQLite journal. Each scenario scales one resource's right-hand side by a seeded factor; a seeded
``fault_rate`` of them fail instead, cycling through the kinds of ``FAULTS``: raise
``ValueError``, ``os._exit(3)``, SIGKILL itself, ``sys.exit(4)``, raise ``KeyboardInterrupt``,
hang (``time.sleep(3600)``, stopped by ``timeout``).

The soak starts the driver, SIGKILLs it (the driver alone, as a crashed parent: its workers must
exit on their own) once a third of the rows are journaled, waits for every process it started
to be gone, starts it again (a resume), SIGKILLs it at two thirds, waits again, and runs it to
the end. Then it checks (``check``):

- the final table has every scenario, in input order;
- every innocent scenario (and the baseline) is ``optimal`` with the objective of a serial
  in-process solve of the same change (``copy.deepcopy`` + ``LXOptimizer().solve``, 1e-9
  relative), and has exactly one row in the journal, equal to the table;
- every faulty scenario has the status and cause of its kind (``EXPECTED``), in the table and
  in its one journal row;
- no process is left behind: every process seen under any of the drivers (sampled every 0.1 s
  while each ran) is gone within 30 s of the last driver's exit.

The scenarios read the counter file's path from the environment (not captured: the journal
keys a callable by its code, captured values and the globals it reads, so the resumed call must
be the same call). Innocent scenarios append their name to the counter at each execution; a
result computed by a worker but not journaled when its parent was killed legitimately runs
again, so executions are only reported, "exactly once" is about results.

The test ``tests/runner/test_soak.py`` runs ``soak(n=120)``; exit status 1 here on any violation.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.runner.conftest import (  # noqa: E402  (the repository root is on sys.path now)
    Child,
    close,
    journal_count,
    production_model,
    standard_products,
    standard_resources,
    wait_for,
)

FAULTS = ("raise", "exit", "sigkill", "sysexit", "interrupt", "hang")
# kind -> (status, text its error must contain)
EXPECTED = {
    "raise": ("error", "ValueError: soak fault"),
    "exit": ("crashed", "worker process died"),
    "sigkill": ("crashed", "worker process died"),
    "sysexit": ("error", "SystemExit: 4"),
    "interrupt": ("error", "KeyboardInterrupt"),
    "hang": ("timeout", "timeout"),
}
EXPECTED_DETAIL = {"exit": "EXIT(3)", "sigkill": "SIGKILL"}
TABLE = "lumix_scenario_results"


@dataclass(frozen=True)
class Planned:
    name: str
    resource: str
    factor: float
    fault: str | None  # one of FAULTS, or None: innocent


def plan(n: int, seed: int, fault_rate: float = 0.05) -> list[Planned]:
    """The sweep: ``n`` scenarios ``s0000..``, each scaling one resource by a seeded factor;
    ``round(n * fault_rate)`` of them (seeded positions) faulty, kinds cycling through FAULTS."""
    rng = random.Random(seed)
    resources = [r.name for r in standard_resources()]
    changes = [(rng.choice(resources), round(rng.uniform(0.5, 1.5), 4)) for _ in range(n)]
    faulty = sorted(rng.sample(range(n), round(n * fault_rate)))
    kinds = {index: FAULTS[k % len(FAULTS)] for k, index in enumerate(faulty)}
    return [
        Planned(f"s{i:04d}", resource, factor, kinds.get(i)) for i, (resource, factor) in enumerate(changes)
    ]


def change(model: Any, resource: str, factor: float) -> None:
    """The change of an innocent scenario: ``capacity[resource]``'s right-hand side * factor."""
    con = model.get_constraint("capacity")
    rhs = con.rhs_func
    con.rhs(lambda r: rhs(r) * factor if r.name == resource else rhs(r))


def model() -> Any:
    return production_model(standard_products(), standard_resources())


DRIVER = textwrap.dedent(
    """
    import json, os, signal, sys, time
    from benchmarks.soak import change, model, plan
    from runner import run_scenarios

    store, out, n, seed, rate, timeout = sys.argv[1:]

    def scenario(name, resource, factor, fault):
        def apply(m):
            if fault == "raise":
                raise ValueError("soak fault")
            if fault == "exit":
                os._exit(3)
            if fault == "sigkill":
                os.kill(os.getpid(), signal.SIGKILL)
            if fault == "sysexit":
                sys.exit(4)
            if fault == "interrupt":
                raise KeyboardInterrupt
            if fault == "hang":
                time.sleep(3600)
            # read from the environment: the same call when resumed with another counter
            with open(os.environ["SOAK_COUNTER"], "a") as fh:
                fh.write(name + "\\n")
            change(m, resource, factor)
        return apply

    scenarios = [(p.name, scenario(p.name, p.resource, p.factor, p.fault))
                 for p in plan(int(n), int(seed), float(rate))]
    results = run_scenarios(model(), scenarios, backend="loky", n_jobs=2, batch_size=4,
                            timeout=float(timeout), retries=0, store=store, progress=False)
    table = [[name, str(r.status), r.objective_value, r.error, r.attempts]
             for name, r in results.items()]
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(table, fh)
    os.replace(tmp, out)
    """
)


# -- processes ------------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state is [0], ppid [1]...)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(pid: int) -> set[tuple[int, str]]:
    """``(pid, start time)`` of every live process under ``pid`` (the start time tells a reused
    pid apart)."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(int(entry.name))
        if fields is None:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19]
    found: set[tuple[int, str]] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add((child, starts[child]))
            todo.append(child)
    return found


def alive(process: tuple[int, str]) -> bool:
    """Still running (a zombie is not), and the same process (same start time)."""
    fields = _stat(process[0])
    return fields is not None and fields[19] == process[1] and fields[0] not in ("Z", "X")


class Sampler:
    """Records every process under ``pid`` every 0.1 s while it runs (workers that loky replaces
    after a crash or a timeout come and go between two kills)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seen: set[tuple[int, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.1)

    def sample(self) -> set[tuple[int, str]]:
        self.seen |= descendants(self.pid)
        return self.seen

    def stop(self) -> set[tuple[int, str]]:
        self._stop.set()
        self._thread.join()
        return self.seen


# -- the soak -------------------------------------------------------------------------------------


@dataclass
class Report:
    n: int
    seed: int
    faults: dict[str, int]
    phases: dict[str, float] = field(default_factory=dict)
    rows_at_kill: list[int] = field(default_factory=list)
    processes_seen: int = 0
    processes_left: int = 0
    innocent_checked: int = 0
    faulty_checked: int = 0
    executions: int = 0
    reexecuted: int = 0
    violations: list[str] = field(default_factory=list)

    def text(self) -> str:
        faults = ", ".join(f"{k} {v}" for k, v in self.faults.items())
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items())
        lines = [
            f"scenarios: {self.n} (+ baseline), seed {self.seed}",
            f"faults: {sum(self.faults.values())} ({faults})",
            f"parent SIGKILLed at {' and '.join(map(str, self.rows_at_kill))} journal rows, resumed twice",
            f"innocent results checked (optimal, = serial 1e-9, one journal row): {self.innocent_checked}",
            f"faulty scenarios reported with their cause: {self.faulty_checked}",
            f"innocent executions: {self.executions} ({self.reexecuted} ran again after a kill)",
            f"time per phase: {phases}",
            f"processes seen under the drivers: {self.processes_seen}, left behind: {self.processes_left}",
            f"violations: {len(self.violations)}",
            *(f"  - {v}" for v in self.violations[:50]),
        ]
        return "\n".join(lines)


def _journal(path: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(f"SELECT name, status, objective_value, error FROM {TABLE}").fetchall()


def references(planned: list[Planned]) -> dict[str, float | None]:
    """The serial path: a deep copy of the model, the same change, solved alone in this process."""
    from lumix import LXOptimizer

    base = model()
    found = {"baseline": LXOptimizer().solve(copy.deepcopy(base)).objective_value}
    for p in planned:
        if p.fault is None:
            copied = copy.deepcopy(base)
            change(copied, p.resource, p.factor)
            found[p.name] = LXOptimizer().solve(copied).objective_value
    return found


def check(
    planned: list[Planned], table: list[list], rows: list[tuple], reference: dict
) -> tuple[list[str], int, int]:
    """Violations of the final table and journal; and how many innocent / faulty were checked."""
    violations: list[str] = []
    expected_names = ["baseline", *(p.name for p in planned)]
    if [r[0] for r in table] != expected_names:
        missing = set(expected_names) - {r[0] for r in table}
        violations.append(
            f"the table's names are not the scenarios in order (missing: {sorted(missing)[:10]})"
        )
    per_name = Counter(r[0] for r in rows)
    for name in expected_names:
        if per_name[name] != 1:
            violations.append(f"{name}: {per_name[name]} journal rows, expected 1")
    for extra in set(per_name) - set(expected_names):
        violations.append(f"{extra}: in the journal but not a scenario")
    journal = {r[0]: r for r in rows}
    results = {r[0]: r for r in table}
    faults = {p.name: p.fault for p in planned}
    innocent = faulty = 0
    for name in expected_names:
        if name not in results:
            continue
        _, status, objective, error, attempts = results[name]
        fault = faults.get(name)
        if fault is None:
            ok = status == "optimal" and close(objective, reference[name])
            if not ok:
                violations.append(f"{name}: {status} {objective!r}, serial {reference[name]!r} ({error})")
            elif name in journal and (journal[name][1] != status or not close(journal[name][2], objective)):
                violations.append(f"{name}: journal row {journal[name][1:3]} differs from the table")
            else:
                innocent += 1
            continue
        want, cause = EXPECTED[fault]
        detail = EXPECTED_DETAIL.get(fault, "")
        text = error or ""
        if status != want or cause not in text or detail not in text:
            violations.append(
                f"{name} ({fault}): {status}, error {text[:200]!r}; expected {want} with {cause!r}"
            )
        elif name in journal and (journal[name][1] != status or journal[name][3] != error):
            violations.append(
                f"{name} ({fault}): journal row {journal[name][1]} {journal[name][3]!r} differs"
            )
        else:
            faulty += 1
    return violations, innocent, faulty


def soak(
    n: int = 2000,
    seed: int = 0,
    *,
    fault_rate: float = 0.05,
    timeout: float = 4.0,
    workdir: str | Path | None = None,
    wait_s: float = 600.0,
    log: Callable[[str], None] = lambda _: None,
) -> Report:
    """Run the soak (see the module's docstring) in ``workdir`` (a temporary folder by default)."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="lumix-soak-"))
        return _soak(n, seed, fault_rate, timeout, Path(workdir), wait_s, log)


def _soak(n: int, seed: int, fault_rate: float, timeout: float, work: Path, wait_s: float, log) -> Report:
    planned = plan(n, seed, fault_rate)
    report = Report(n, seed, dict(Counter(p.fault for p in planned if p.fault)))
    total = n + 1  # and the baseline
    script, store, out = work / "driver.py", work / "journal.sqlite", work / "table.json"
    script.write_text(DRIVER)
    args = [
        sys.executable,
        str(script),
        str(store),
        str(out),
        str(n),
        str(seed),
        str(fault_rate),
        str(timeout),
    ]
    seen: set[tuple[int, str]] = set()
    counters: list[Path] = []

    def start(phase: int) -> tuple[Child, Sampler]:
        counter = work / f"ran-{phase}.txt"
        counters.append(counter)
        env = {**os.environ, "SOAK_COUNTER": str(counter)}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        child = Child(args, cwd=ROOT, env=env, start_new_session=True)
        return child, Sampler(child.pid)

    def gone(processes: set[tuple[int, str]], what: str) -> None:
        try:
            wait_for(
                lambda: not any(alive(p) for p in processes),
                what,
                timeout=30,
                seen=lambda: sorted(p[0] for p in processes if alive(p)),
            )
        except AssertionError as exc:
            report.violations.append(str(exc).splitlines()[0])

    children: list[Child] = []
    solved: list[set[str]] = []  # innocent results journaled when each driver was killed
    try:
        for phase, fraction in enumerate((1 / 3, 2 / 3), start=1):
            began = time.monotonic()
            child, sampler = start(phase)
            children.append(child)
            target = max(1, int(total * fraction))
            wait_for(
                lambda target=target: journal_count(store) >= target,
                f"{target} rows journaled",
                timeout=wait_s,
                child=child,
                seen=lambda: f"{journal_count(store)} rows",
            )
            sampler.sample()
            os.kill(child.pid, signal.SIGKILL)
            child.proc.wait(timeout=60)
            seen |= sampler.stop()
            report.rows_at_kill.append(journal_count(store))
            solved.append({name for name, status, *_ in _journal(store) if status == "optimal"})
            log(f"phase {phase}: killed at {report.rows_at_kill[-1]} rows, {len(seen)} processes seen")
            gone(sampler.seen, f"the processes of the driver killed in phase {phase} to exit")
            report.phases[f"run {phase} (killed)"] = time.monotonic() - began
        began = time.monotonic()
        child, sampler = start(3)
        children.append(child)
        code, _, err = child.finish(timeout=wait_s)
        seen |= sampler.stop()
        report.phases["run 3 (to the end)"] = time.monotonic() - began
        if code != 0:
            report.violations.append(f"the last run exited {code}: {err[-2000:]}")
            return report
        began = time.monotonic()
        gone(seen, "every process started under the drivers to exit")
        report.processes_seen = len(seen)
        report.processes_left = sum(alive(p) for p in seen)
        report.phases["processes gone"] = time.monotonic() - began
    finally:
        for child in children:  # only on a failure: the group of a driver still running
            if child.exited() is None:
                child.stop()

    began = time.monotonic()
    reference = references(planned)
    report.phases["serial references"] = time.monotonic() - began
    table = json.loads(out.read_text())
    violations, report.innocent_checked, report.faulty_checked = check(
        planned, table, _journal(store), reference
    )
    report.violations += violations
    executions = [name for counter in counters if counter.exists() for name in counter.read_text().split()]
    for phase, done in enumerate(solved, start=2):  # a journaled result is not solved again
        counter = work / f"ran-{phase}.txt"
        again = done & set(counter.read_text().split()) if counter.exists() else set()
        if again:
            report.violations.append(f"run {phase} ran again what was journaled before: {sorted(again)[:10]}")
    report.executions = len(executions)
    report.reexecuted = sum(k - 1 for k in Counter(executions).values())
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=4.0, help="seconds per scenario")
    ns = parser.parse_args(argv)
    report = soak(ns.n, ns.seed, fault_rate=ns.fault_rate, timeout=ns.timeout, log=print)
    print(report.text())
    return 1 if report.violations or report.processes_left else 0


if __name__ == "__main__":
    sys.exit(main())
