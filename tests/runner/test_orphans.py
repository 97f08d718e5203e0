"""A parent killed mid-sweep (SIGKILL, SIGTERM) leaves nothing behind: its loky workers notice
and exit within seconds, they remove the run's payload file and in-flight folder, and loky's
resource tracker then removes the run's semaphores and folders in ``/dev/shm``; what an older
killed run left there is removed by the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner import run_scenarios

from .conftest import Child, child_pids, journaled_names, wait_for

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]
SHM = Path("/dev/shm")

DRIVER = """
import sys, time
from tests.runner.conftest import production_model, tiny_products, tiny_resources
from runner import run_scenarios

def slow(k):
    def scenario(model):
        time.sleep(0.2)
    return scenario

model = production_model(tiny_products(), tiny_resources(), name="tiny")
run_scenarios(model, [(f"s{k}", slow(k)) for k in range(400)], n_jobs=2, backend="loky",
              store=sys.argv[1], batch_size=1, progress=False)
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped by init is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _shm_entries(pid: int) -> set[str]:
    """What a run of process ``pid`` made in /dev/shm: loky's semaphores, joblib's folders."""
    prefixes = (f"sem.loky-{pid}-", f"joblib_memmapping_folder_{pid}_")
    return {p.name for p in SHM.iterdir() if p.name.startswith(prefixes)}


@pytest.mark.skipif(not Path("/proc").is_dir() or not SHM.is_dir(), reason="needs Linux /proc and /dev/shm")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_parent_leaves_no_process_and_no_file(tmp_path, sig):
    journal = tmp_path / "journal.sqlite"
    temp = tmp_path / "tmp"
    temp.mkdir()
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    started = time.time()
    child = Child([sys.executable, str(script), str(journal)], cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for(
            lambda: len(journaled_names(journal)) >= 4,
            "4 results committed to the journal",
            child=child,
            seen=lambda: sorted(journaled_names(journal)),
        )
        helpers = child_pids(child.pid)
        # entries of an earlier process that had the same pid (pids are reused) are not this run's
        earlier = {e for e in _shm_entries(child.pid) if (SHM / e).stat().st_mtime < started}
        assert len(helpers) >= 3, helpers  # two workers and loky's resource tracker at least
        assert any(p.name.startswith("lumix-") for p in temp.iterdir())  # payload, in-flight folder
        os.kill(child.pid, sig)
        child.finish(timeout=60)
    finally:
        child.stop()
    wait_for(
        lambda: not any(_alive(p) for p in helpers),
        "every process the killed parent started to exit",
        timeout=60,
        seen=lambda: sorted(p for p in helpers if _alive(p)),
    )
    wait_for(
        lambda: not [p for p in temp.iterdir() if p.name.startswith("lumix-")],
        "the run's payload file and in-flight folder to be removed",
        timeout=30,
        seen=lambda: sorted(p.name for p in temp.iterdir()),
    )
    wait_for(
        lambda: not _shm_entries(child.pid) - earlier,
        "the run's /dev/shm entries to be removed",
        timeout=30,
        seen=lambda: sorted(_shm_entries(child.pid) - earlier),
    )


@pytest.mark.skipif(not SHM.is_dir(), reason="needs /dev/shm")
def test_the_next_run_removes_what_a_killed_run_left_in_shared_memory(tiny_model):
    """Entries of a process that is gone are removed by the next loky run; a live one's stay."""
    command = [sys.executable, "-c", "import os; print(os.getpid())"]
    dead = int(subprocess.run(command, capture_output=True, text=True).stdout)
    stale = [SHM / f"sem.loky-{dead}-lumixtest", SHM / f"joblib_memmapping_folder_{dead}_lumixtest_0"]
    live = SHM / f"sem.loky-{os.getpid()}-lumixtest"
    stale[0].write_bytes(b"")
    stale[1].mkdir()
    live.write_bytes(b"")
    try:
        results = run_scenarios(tiny_model, [], backend="loky", n_jobs=1, progress=False)
        assert results["baseline"].ok
        assert not any(p.exists() for p in stale)
        assert live.exists()
    finally:
        live.unlink(missing_ok=True)
        for p in stale:
            if p.is_dir():
                p.rmdir()
            else:
                p.unlink(missing_ok=True)
