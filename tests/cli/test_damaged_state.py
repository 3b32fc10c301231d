"""A damaged state file gives a clear error naming the file, never a traceback, never a hang."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iaas.cli import main

from .conftest import Runner

#: A case that takes this long is a hang (a generous bound: a plan takes well under a second).
HANG_SECONDS = 60


@pytest.fixture
def pristine(applied: Runner, home: Path) -> Path:
    """A copy of the applied stack's state, folded into one file (no WAL)."""
    conn = sqlite3.connect(home / "state.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    copy = home.parent / "pristine.db"
    shutil.copy(home / "state.db", copy)
    return copy


def _restore(pristine: Path, home: Path) -> Path:
    for path in home.glob("state.db*"):
        path.unlink()
    shutil.copy(pristine, home / "state.db")
    return home / "state.db"


class Hang(Exception):
    """A case ran longer than :data:`HANG_SECONDS`."""


@pytest.fixture
def bounded() -> Iterator[None]:
    def alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer within {HANG_SECONDS}s")

    old = signal.signal(signal.SIGALRM, alarm)
    yield
    signal.signal(signal.SIGALRM, old)


def _plan_is_clean(home: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``iaas plan``: it succeeds or gives an error about the state, never a traceback; its stderr."""
    capsys.readouterr()
    signal.alarm(HANG_SECONDS)
    try:
        code = main(["plan", "--home", str(home)])
    finally:
        signal.alarm(0)
    captured = capsys.readouterr()
    assert code in (0, 1), captured
    if code == 1:
        assert "Error: " in captured.err and "Traceback" not in captured.err
        assert "state" in captured.err, captured.err
    return captured.err


def _write_raw(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE sqlite_master SET name = CAST(X'ff' AS TEXT) WHERE name = 'resources'",
        "UPDATE sqlite_master SET sql = CAST(X'435245415445205441424c4520ff' AS TEXT) WHERE name = 'resources'",
        "UPDATE stacks SET outputs = CAST(X'7bff7d' AS TEXT)",
        "UPDATE resources SET inputs = CAST(X'7bff7d' AS TEXT)",
    ],
)
def test_invalid_utf8_in_the_state(
    pristine: Path, home: Path, capsys: pytest.CaptureFixture[str], bounded: None, statement: str
) -> None:
    _write_raw(_restore(pristine, home), statement)
    err = _plan_is_clean(home, capsys)
    assert str(home / "state.db") in err and "corrupt" in err and "iaas state recover" in err


#: Columns of the state whose values a "cell" damage flips bits in.
CELLS = [("resources", c) for c in ("address", "kind", "id", "inputs", "outputs", "dependencies", "status", "extra")]
CELLS += [("stacks", c) for c in ("name", "lineage", "serial", "outputs")]


def _flip_cell(path: Path, table: str, column: str, row: float, where: float, mask: int) -> None:
    conn = sqlite3.connect(path)
    rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
    rowid = rowids[min(int(len(rowids) * row), len(rowids) - 1)]
    value = conn.execute(f"SELECT CAST({column} AS BLOB) FROM {table} WHERE rowid = ?", (rowid,)).fetchone()[0]
    data = bytearray(value or b"?")
    data[min(int(len(data) * where), len(data) - 1)] ^= mask
    try:
        conn.execute(f"UPDATE {table} SET {column} = CAST(? AS TEXT) WHERE rowid = ?", (bytes(data), rowid))
        conn.commit()
    except sqlite3.IntegrityError:
        pass  # the flip made a duplicate key: SQLite itself refuses it
    conn.close()


damage = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("garbage"), st.tuples(st.integers(0, 64), st.binary(min_size=1, max_size=4096))),
    st.tuples(
        st.just("cell"),
        st.tuples(st.sampled_from(CELLS), st.floats(0, 1), st.floats(0, 1), st.integers(1, 255)),
    ),
)


def _damage(path: Path, how: tuple) -> None:
    data = bytearray(path.read_bytes())
    kind, arg = how
    if kind == "truncate":
        data = data[: int(len(data) * arg)]
    elif kind == "cell":
        (table, column), row, where, mask = arg
        _flip_cell(path, table, column, row, where, mask)
        return
    elif kind == "flip":
        for where, mask in arg:
            i = min(int(len(data) * where), len(data) - 1)
            data[i] ^= mask
    else:
        page, junk = arg
        start = min(page * 4096, len(data))
        data[start : start + len(junk)] = junk
    path.write_bytes(bytes(data))


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("IAAS_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(how=damage)
def test_plan_on_a_damaged_state_never_gives_a_traceback(
    pristine: Path, home: Path, capsys: pytest.CaptureFixture[str], bounded: None, how: tuple
) -> None:
    _damage(_restore(pristine, home), how)
    _plan_is_clean(home, capsys)
