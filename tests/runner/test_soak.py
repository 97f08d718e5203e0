"""The fault-injection soak of ``benchmarks/soak.py`` (issue 9), with a small ``n``: 120
callable scenarios of the standard model on loky (2 workers, a journal), 5 % of them failing
(raise, ``os._exit``, SIGKILL, ``sys.exit``, ``KeyboardInterrupt``, a hang past ``timeout``),
the parent SIGKILLed at a third and at two thirds of the journal and resumed each time.

Checked by ``soak.check`` and ``soak._soak``: every innocent scenario's result once in the
journal and in the table, equal to a serial in-process solve; every faulty one reported with
its cause; nothing journaled solved again; every process started under the drivers gone
(counted). ``python benchmarks/soak.py --n 2000`` is the full run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(240),
    pytest.mark.skipif(not Path("/proc").is_dir() or sys.platform != "linux", reason="needs Linux /proc"),
]


def _load_soak():
    spec = importlib.util.spec_from_file_location("lumix_soak", ROOT / "benchmarks" / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


soak = _load_soak()


def test_the_plan_is_seeded_and_cycles_through_every_fault():
    planned = soak.plan(120, seed=0)
    assert planned == soak.plan(120, seed=0)
    assert planned != soak.plan(120, seed=1)
    faults = [p.fault for p in planned if p.fault]
    assert len(faults) == 6 and sorted(faults) == sorted(soak.FAULTS)


def test_check_reports_what_is_wrong():
    """The checker itself: a wrong objective, a missing or duplicated row, a wrong cause."""
    planned = [soak.Planned("s0", "r0", 0.5, None), soak.Planned("s1", "r1", 1.2, "exit")]
    reference = {"baseline": 10.0, "s0": 8.0}
    crashed = "the worker process died (EXIT(3)) in scenario 's1'"
    table = [
        ["baseline", "optimal", 10.0, None, 1],
        ["s0", "optimal", 8.0, None, 1],
        ["s1", "crashed", None, crashed, 1],
    ]
    rows = [
        ("baseline", "optimal", 10.0, None),
        ("s0", "optimal", 8.0, None),
        ("s1", "crashed", None, crashed),
    ]
    assert soak.check(planned, table, rows, reference) == ([], 2, 1)

    wrong = [*table[:1], ["s0", "optimal", 8.1, None, 1], ["s1", "error", None, "ValueError", 1]]
    violations, innocent, faulty = soak.check(planned, wrong, [*rows, rows[1]], reference)
    assert (innocent, faulty) == (1, 0)
    assert any("s0: 2 journal rows" in v for v in violations)
    assert any(v.startswith("s0: optimal 8.1") for v in violations)
    assert any(v.startswith("s1 (exit): error") for v in violations)


def test_soak_faults_and_two_parent_kills(tmp_path):
    report = soak.soak(n=120, seed=0, timeout=4.0, workdir=tmp_path, wait_s=150.0)
    text = report.text()
    assert report.violations == [], text
    assert report.faults == {kind: 1 for kind in soak.FAULTS}, text
    assert report.innocent_checked == 114 + 1 and report.faulty_checked == 6, text  # + baseline
    assert len(report.rows_at_kill) == 2 and report.rows_at_kill[0] < 121, text  # killed mid-run
    assert report.processes_seen >= 3 and report.processes_left == 0, text
