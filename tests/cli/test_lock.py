"""A stack locked by another process: the command fails at once, or waits with ``--lock-timeout``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from iaas.cli import main
from iaas.state import LockInfo
from iaas.state.sqlite import SQLiteStore

from .conftest import Runner, subprocess_env

HOLDER = """\
import sys
from iaas.state import open_store

store = open_store(sys.argv[1], sys.argv[2])
with store.lock("holder@test pid 1", "apply"):
    print("held", flush=True)
    sys.stdin.readline()
"""


class LockHolder:
    """Another process that holds a stack's lock until :meth:`release`."""

    def __init__(self, state: Path, stack: str):
        state.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(state), stack],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline() == "held\n"

    def release(self) -> None:
        """Let the holder leave its lock and exit."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.close()
        assert self.proc.wait() == 0


@pytest.fixture
def holder(applied: Runner, home: Path) -> Iterator[LockHolder]:
    """The test stack, applied, then locked by another process."""
    held = LockHolder(home / "state.db", "t")
    yield held
    if held.proc.poll() is None:
        held.release()


@pytest.mark.parametrize(
    "command",
    [
        ["plan"],
        ["apply", "--auto-approve"],
        ["destroy", "--auto-approve"],
        ["refresh"],
        ["taint", "network.lan"],
        ["state", "rm", "network.lan"],
    ],
)
def test_a_locked_stack_fails_at_once(applied: Runner, holder: LockHolder, command: list[str]) -> None:
    result = applied(*command)
    assert result.code == 1
    assert "Error: stack 't' is locked by holder@test pid 1 (apply)" in result.err
    assert "Traceback" not in result.err
    assert len(applied("state", "list").out.split()) == 4  # reading needs no lock; nothing changed


def test_lock_timeout_waits_for_the_holder(
    applied: Runner, holder: LockHolder, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = threading.Event()
    try_acquire = SQLiteStore._try_acquire

    def watched(self: SQLiteStore, owner: str, operation: str) -> tuple[LockInfo, str | None]:
        info, token = try_acquire(self, owner, operation)
        if token is None:  # the command found the lock taken: it is waiting now
            waiting.set()
        return info, token

    monkeypatch.setattr(SQLiteStore, "_try_acquire", watched)
    codes: list[int] = []
    command = threading.Thread(
        target=lambda: codes.append(main(["taint", "network.lan", "--lock-timeout", "600", "--home", str(home)]))
    )
    command.start()
    assert waiting.wait(600)
    holder.release()
    command.join()
    assert codes == [0]
    assert "network.lan  (tainted)" in applied("state", "list").out


def test_state_unlock_removes_the_lock(applied: Runner, holder: LockHolder) -> None:
    result = applied("state", "unlock")
    assert result.code == 0
    assert "Removed the lock of holder@test pid 1." in result.out
    assert applied("taint", "network.lan").code == 0
    assert applied("state", "unlock").out == "The stack was not locked.\n"


def test_the_lock_error_names_a_command_that_exists(applied: Runner, holder: LockHolder) -> None:
    result = applied("plan")
    assert "force-unlock" in result.err  # the hint the message gives
    unlock = applied("force-unlock")
    assert unlock.code == 0
    assert "Removed the lock of holder@test pid 1." in unlock.out


SUSPENDED = """\
import os, signal, sys
from iaas.state import open_store

store = open_store(sys.argv[1], sys.argv[2])
with store.lock("holder@test pid 1", "apply"):
    with store._transaction("writing a step"):
        print("in a transaction", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)  # as Ctrl-Z does to an apply
"""


@pytest.fixture
def suspended(applied: Runner, home: Path) -> Iterator[int]:
    """The test stack, applied; then another process holds its lock and is stopped inside a write transaction."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SUSPENDED, str(home / "state.db"), "t"],
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "in a transaction\n"
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)
    yield proc.pid
    os.kill(proc.pid, signal.SIGCONT)
    assert proc.wait(timeout=60) == 0


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"], ["taint", "network.lan"]])
def test_a_suspended_holder_is_named_within_the_lock_timeout(
    applied: Runner, suspended: int, command: list[str]
) -> None:
    result = applied(*command, "--lock-timeout", "0.5")
    assert result.code == 1
    assert "busy" not in result.err, result.err
    assert "stack 't' is locked by holder@test pid 1 (apply)" in result.err
    assert f"Process {suspended} is stopped" in result.err and f"kill -CONT {suspended}" in result.err
    assert "gave up after waiting 0.5s" in result.err
    assert len(applied("state", "list").out.split()) == 4  # reading is not blocked


def test_another_stack_of_the_file_waits_only_the_lock_timeout(applied: Runner, suspended: int) -> None:
    result = applied("taint", "network.lan", "--stack", "other", "--lock-timeout", "0.5")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "30s" not in result.err, result.err
    assert "is busy" in result.err and "stack 't'" in result.err
    assert f"Process {suspended} is stopped" in result.err
