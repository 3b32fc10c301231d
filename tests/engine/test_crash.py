"""An apply killed (SIGKILL) at random points and run again always converges: no orphans, no duplicates.

A child process applies a stack of every kind and kills itself at a chosen call into the cloud or the state
(just before it, or just after it returned), so every window between a cloud change and its record is hit. The
next run must finish, leave a plan with no changes, and leave exactly one cloud object per recorded resource.
Every point runs on each state backend, SQLite and PostgreSQL: CRASH_POINTS points per backend, each about
4.5 s on a busy 2-core machine (one to three child processes); set IAAS_CRASH_POINTS to run fewer or more.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pytest_lazy_fixtures import lf

from iaas.cloud.inventory import Inventory
from iaas.drivers.libvirt.host import Host
from iaas.state import open_store

CHILD = Path(__file__).with_name("_crash_child.py")
#: Kill points per backend in a run of the suite.
CRASH_POINTS = int(os.environ.get("IAAS_CRASH_POINTS", "100"))
ROOT = Path(__file__).resolve().parents[2]


def run_child(
    home: Path, version: int, kill_at: int = 0, when: str = "before", state: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("IAAS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(CHILD), str(home), str(version), str(kill_at), when, *([state] if state else [])],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def check_converged(home: Path, state: str = "") -> None:
    with open_store(state or home / "state.db", "crash") as store:
        records = store.read().resources
    assert all(r.status == "ready" for r in records.values()), {a: r.status for a, r in records.items()}
    ids = {r.id: a for a, r in records.items()}
    assert len(ids) == len(records), "two records share an id"
    with Host("default", "test:///default", sim_store=str(home / "hosts" / "default.db")) as host:
        objects = host.list_managed()
    addresses = Counter(o.meta.address for o in objects if o.meta is not None)
    assert all(n == 1 for n in addresses.values()), f"duplicates: {addresses}"
    for obj in objects:
        if obj.meta is not None:
            assert obj.meta.stack == "crash"
            assert records.get(obj.meta.address) is not None, f"orphan {obj.type} {obj.name}"
            assert records[obj.meta.address].id == obj.uuid, f"stale {obj.type} {obj.name} for {obj.meta.address}"
        else:
            assert any(i and i in obj.name for i in ids), f"orphan {obj.type} {obj.name}"
    inventory = Inventory(state or home / "cloud.db")  # a PostgreSQL state holds the cloud's inventory too
    try:
        records_of = [rec.id for rec in inventory.list()]
    finally:
        inventory.close()
    inv = Counter(i for i in records_of if "/" not in i)  # "<id>/seed": an instance's own side record
    assert set(inv) == set(ids), f"inventory {sorted(inv)} vs state {sorted(ids)}"
    assert {i.split("/")[0] for i in records_of} == set(ids)
    assert all(n == 1 for n in inv.values())


@pytest.fixture
def sqlite_state() -> str:
    """The default: state.db in the home."""
    return ""


@pytest.fixture(params=[lf("sqlite_state"), lf("postgres_url")], ids=["sqlite", "postgres"])
def state(request: pytest.FixtureRequest) -> str:
    """Where the children keep the stack's state: each backend in turn."""
    return str(request.param)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "img.qcow2").write_bytes(b"QFI\xfb" + bytes(2044))
    return tmp_path


def test_full_runs_converge_and_count_probe_points(workdir: Path, state: str) -> None:
    home = workdir / "home"
    for version in (1, 2, 2):
        proc = run_child(home, version, state=state)
        assert proc.returncode == 0, proc.stderr
        check_converged(home, state)


@pytest.fixture(scope="module")
def probe_counts(tmp_path_factory: pytest.TempPathFactory) -> dict[int, int]:
    """How many probe calls an uninterrupted run makes: creating version 1, and changing it to version 2."""
    base = tmp_path_factory.mktemp("count")
    (base / "img.qcow2").write_bytes(b"QFI\xfb" + bytes(2044))
    counts = {}
    for version in (1, 2):
        proc = run_child(base / "home", version)
        assert proc.returncode == 0, proc.stderr
        counts[version] = int(proc.stdout.strip())
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(CRASH_POINTS))
def test_killed_apply_converges(workdir: Path, seed: int, probe_counts: dict[int, int], state: str) -> None:
    rng = random.Random(seed)
    home = workdir / "home"
    version = 1
    if seed % 2:  # half the runs are killed while changing an existing stack
        assert run_child(home, 1, state=state).returncode == 0
        version = 2
    kill_at = rng.randint(1, probe_counts[version])
    when = rng.choice(["before", "after"])
    first = run_child(home, version, kill_at, when, state)
    if first.returncode == 0:  # parallel runs may make a call or two fewer than the counted run
        assert int(first.stdout.strip().splitlines()[-1]) < kill_at, first.stdout
    else:
        assert first.returncode == -9, f"the child was meant to die at call {kill_at}: {first.stderr[-2000:]}"
    second = run_child(home, version, state=state)
    assert second.returncode == 0, f"kill at call {kill_at} ({when}): {second.stderr[-3000:]}"
    check_converged(home, state)
