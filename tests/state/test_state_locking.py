"""Stack locks: one holder across processes, waiting, stale locks, force-unlock."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from iaas.errors import LockError
from iaas.state import LockInfo, StateStore, default_owner, open_store
from iaas.state.holders import holder_is_dead, hostname

ROOT = Path(__file__).resolve().parents[2]
_SPAWN = multiprocessing.get_context("spawn")


def _hold_lock(path: str, owner: str, held: Any, release: Any) -> None:
    """In a child process: hold the lock of stack "web" until ``release`` is set."""
    with open_store(path, "web") as store, store.lock(owner, "apply"):
        held.set()
        release.wait(120)


def _lock_info(**overrides: Any) -> LockInfo:
    values: dict[str, Any] = {
        "stack": "web",
        "owner": "x",
        "operation": "apply",
        "acquired_at": time.time(),
        "pid": os.getpid(),
        "hostname": hostname(),
    }
    values.update(overrides)
    return LockInfo(**values)


def test_lock_is_recorded_while_held(store: StateStore) -> None:
    assert store.lock_info() is None
    with store.lock("alice@h pid 1", "apply") as info:
        assert info.owner == "alice@h pid 1"
        assert info.pid == os.getpid()
        assert info.hostname == hostname()
        assert store.lock_info() == info
    assert store.lock_info() is None


def test_lock_is_released_when_the_block_raises(store: StateStore) -> None:
    with pytest.raises(RuntimeError), store.lock("me", "apply"):
        raise RuntimeError("boom")
    assert store.lock_info() is None


def test_second_holder_in_the_same_process_is_refused(location: str) -> None:
    with open_store(location, "web") as first, open_store(location, "web") as second:
        with first.lock("alice@h pid 1", "apply"):
            with pytest.raises(LockError, match=r"locked by alice@h pid 1 \(apply\) since") as caught:
                with second.lock("bob", "destroy"):
                    pass
            assert caught.value.owner == "alice@h pid 1"
        with second.lock("bob", "destroy"):
            pass


def test_locks_of_different_stacks_do_not_conflict(location: str) -> None:
    with open_store(location, "web") as web, open_store(location, "db") as db:
        with web.lock("me", "apply"), db.lock("me", "apply"):
            assert web.lock_info() is not None and db.lock_info() is not None


def test_lock_held_by_another_process(location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(location, "web").close()
    held, release = _SPAWN.Event(), _SPAWN.Event()
    child = _SPAWN.Process(target=_hold_lock, args=(location, "carol@ci pid child", held, release))
    child.start()
    try:
        assert held.wait(60), "the child process did not take the lock"
        with open_store(location, "web") as store:
            with pytest.raises(LockError, match="locked by carol@ci pid child") as caught:
                with store.lock("me", "apply"):
                    pass
            assert caught.value.owner == "carol@ci pid child"
            assert store.lock_info().pid == child.pid  # type: ignore[union-attr]

            attempts: list[bool] = []
            try_acquire = store._try_acquire

            def observed(owner: str, operation: str) -> tuple[LockInfo, str | None]:
                info, token = try_acquire(owner, operation)
                attempts.append(token is not None)
                if token is None:
                    release.set()  # let the holder go once we have been turned away
                return info, token

            monkeypatch.setattr(store, "_try_acquire", observed)
            with store.lock("me", "apply", timeout=120) as info:
                assert info.owner == "me"
            assert attempts[0] is False and attempts[-1] is True
    finally:
        release.set()
        child.join(60)
    assert child.exitcode == 0


def test_waiting_runs_out_with_a_lock_error(store: StateStore, location: str) -> None:
    with open_store(location, "web") as other, other.lock("alice", "apply"):
        expected = r"alice \(apply\) since .* UTC; the holder is process \d+ on .*waiting 0.3s"
        with pytest.raises(LockError, match=expected):
            with store.lock("me", "apply", timeout=0.3):
                pass


_HOLDER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from iaas.state import open_store
    store = open_store(sys.argv[1], "web")
    with store.lock("dave@box pid doomed", "apply"):
        store.begin_apply("apply", "dave")
        print("locked", flush=True)
        time.sleep(600)
    """
)


def _start_holder(location: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER_SCRIPT, location], stdout=subprocess.PIPE, text=True, env=env
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


@pytest.mark.parametrize("reaped", [True, False], ids=["dead", "zombie"])
def test_lock_of_a_killed_process_is_taken_over(location: str, caplog: pytest.LogCaptureFixture, reaped: bool) -> None:
    holder = _start_holder(location)
    try:
        with open_store(location, "web") as store:
            with pytest.raises(LockError, match="dave@box pid doomed"):
                with store.lock("me", "apply"):
                    pass
            os.kill(holder.pid, signal.SIGKILL)
            if reaped:
                holder.wait(60)
            else:  # wait until it is a zombie, without reaping it
                while _proc_state(holder.pid) not in ("Z", None):
                    time.sleep(0.05)
            with caplog.at_level(logging.WARNING, logger="iaas.state"):
                with store.lock("me", "apply") as info:
                    assert info.owner == "me"
            assert any("taking over the lock of dave@box pid doomed" in r.getMessage() for r in caplog.records)
            assert store.history()[0].status == "interrupted"
    finally:
        holder.kill()
        holder.wait(60)
        holder.stdout.close()  # type: ignore[union-attr]


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2]


def test_a_lock_from_another_host_is_never_stale() -> None:
    assert not holder_is_dead(_lock_info(hostname="elsewhere.example", pid=2**22 + 12345))


def test_a_dead_pid_on_this_host_is_stale() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert holder_is_dead(_lock_info(pid=child.pid))
    assert not holder_is_dead(_lock_info(pid=os.getppid()))


def test_a_reused_pid_is_stale() -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to know when a process started")
    # Our parent started before this lock was "taken", so it is alive as far as
    # the lock knows; a lock taken before it started belongs to someone else.
    parent = os.getppid()
    assert not holder_is_dead(_lock_info(pid=parent, acquired_at=time.time()))
    assert holder_is_dead(_lock_info(pid=parent, acquired_at=1.0))


def test_a_lock_of_this_process_is_stale_only_if_taken_before_it_started() -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to know when a process started")
    assert not holder_is_dead(_lock_info())
    assert holder_is_dead(_lock_info(acquired_at=1.0))


def test_force_unlock_removes_any_holder(location: str, caplog: pytest.LogCaptureFixture) -> None:
    with open_store(location, "web") as holder, open_store(location, "web") as admin:
        assert admin.force_unlock() is None
        with caplog.at_level(logging.WARNING, logger="iaas.state"):
            with holder.lock("alice", "apply"):
                removed = admin.force_unlock()
                assert removed is not None and removed.owner == "alice"
                with admin.lock("bob", "apply"):
                    assert admin.lock_info().owner == "bob"  # type: ignore[union-attr]
        assert admin.lock_info() is None
        messages = [r.getMessage() for r in caplog.records]
        assert any("removed the lock of alice" in m for m in messages)
        assert any("already removed" in m for m in messages)


def test_close_releases_the_locks_the_store_holds(location: str) -> None:
    with open_store(location, "web") as watcher:
        holder = open_store(location, "web")
        context = holder.lock("alice", "apply")
        context.__enter__()
        assert watcher.lock_info() is not None
        holder.close()
        assert watcher.lock_info() is None


def test_default_owner_names_user_host_and_pid() -> None:
    owner = default_owner()
    assert owner.endswith(f"@{hostname()} pid {os.getpid()}")
