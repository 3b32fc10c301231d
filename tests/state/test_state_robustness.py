"""Damaged, foreign, newer and unreachable databases give a StateError, never a raw sqlite3 error."""

from __future__ import annotations

import multiprocessing
import os
import random
import sqlite3
from pathlib import Path

import pytest

from iaas.errors import StateError
from iaas.state import open_store, sqlite_schema
from iaas.state.sqlite_schema import APPLICATION_ID, SCHEMA_VERSION

from .conftest import make_record


def _filled(db_path: Path, count: int = 2000) -> Path:
    with open_store(db_path, "web") as store:
        store.put_many(make_record(f"instance.vm{i:05d}", inputs={"pad": "x" * 200}) for i in range(count))
        store.begin_apply("apply", "me")
    assert not Path(f"{db_path}-wal").exists()  # closing folded the WAL into the file
    return db_path


def _open_and_read(db_path: Path) -> None:
    with open_store(db_path, "web") as store:
        store.read()
        store.history()


def _raw(db_path: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(sql, args)
    conn.close()


def test_random_bytes_are_not_a_database(db_path: Path) -> None:
    db_path.write_bytes(random.Random(1).randbytes(8192))
    with pytest.raises(StateError, match=rf"{db_path}: not a SQLite database"):
        open_store(db_path, "web")


def test_random_bytes_after_a_sqlite_header_are_corrupt(db_path: Path) -> None:
    db_path.write_bytes(b"SQLite format 3\x00" + random.Random(2).randbytes(8192))
    with pytest.raises(StateError, match=rf"{db_path}: .*(corrupt|truncated)"):
        _open_and_read(db_path)


def test_an_empty_file_becomes_a_new_database(db_path: Path) -> None:
    db_path.touch()
    with open_store(db_path, "web") as store:
        assert store.read().serial == 0


@pytest.mark.parametrize("keep", [0.5, 0.9], ids=["half", "most"])
def test_a_truncated_file_is_refused(db_path: Path, keep: float) -> None:
    _filled(db_path)
    size = db_path.stat().st_size
    os.truncate(db_path, int(size * keep))
    with pytest.raises(StateError, match=rf"{db_path}: truncated"):
        _open_and_read(db_path)


def test_a_file_cut_inside_its_header_is_refused(db_path: Path) -> None:
    _filled(db_path, 10)
    os.truncate(db_path, 60)
    with pytest.raises(StateError, match=rf"{db_path}: not a SQLite database"):
        open_store(db_path, "web")


def test_overwritten_pages_are_reported_as_corrupt(db_path: Path) -> None:
    _filled(db_path)
    size = db_path.stat().st_size
    with open(db_path, "r+b") as handle:
        noise = random.Random(3)
        for offset in range(4096 * 3, size - 4096, 4096 * 7):
            handle.seek(offset)
            handle.write(noise.randbytes(4096))
    with pytest.raises(StateError, match=rf"{db_path}: .*corrupt"):
        _open_and_read(db_path)


def test_a_newer_schema_version_is_refused(db_path: Path) -> None:
    _filled(db_path, 1)
    _raw(db_path, f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StateError, match=rf"{db_path}: has schema version {SCHEMA_VERSION + 5}, newer.*upgrade"):
        open_store(db_path, "web")


def test_a_database_of_another_application_is_refused(db_path: Path) -> None:
    _raw(db_path, "PRAGMA application_id = 1234")
    with pytest.raises(StateError, match="another application"):
        open_store(db_path, "web")


def test_a_foreign_sqlite_database_is_refused_and_left_alone(db_path: Path) -> None:
    _raw(db_path, "CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    with pytest.raises(StateError, match=rf"{db_path}: .*not iaas state.*photos"):
        open_store(db_path, "web")
    conn = sqlite3.connect(db_path)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    conn.close()
    assert tables == ["photos"]


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="is a directory"):
        open_store(tmp_path, "web")


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(StateError, match=rf"directory {tmp_path / 'absent'} does not exist"):
        open_store(tmp_path / "absent" / "state.db", "web")


def test_a_path_below_a_file_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("x")
    with pytest.raises(StateError, match=f"{plain} is not a directory"):
        open_store(plain / "state.db", "web")


@pytest.mark.parametrize(
    ("table", "column", "value", "call", "message"),
    [
        ("resources", "inputs", "{not json", "read", r"resource 'instance.vm00000': column inputs: .*does not parse"),
        ("resources", "extra", "[1, 2]", "read", r"resource 'instance.vm00000': column extra holds list"),
        ("resources", "dependencies", "{}", "get", r"resource 'instance.vm00000': column dependencies holds dict"),
        ("resources", "status", "melted", "read", r"resource 'instance.vm00000': invalid record: 'status'"),
        ("resources", "address", "instance/vm", "read", r"'instance/vm': invalid record: .* not instance.NAME"),
        ("resources", "kind", "instancf", "read", r"'instance.vm00000': invalid record: .* not instancf.NAME"),
        ("stacks", "outputs", "nope", "read", r"column outputs: .*does not parse"),
        ("applies", "summary", "{", "history", r"history entry 1: column summary: .*does not parse"),
    ],
)
def test_a_damaged_json_column_is_named(
    db_path: Path, table: str, column: str, value: str, call: str, message: str
) -> None:
    _filled(db_path, 1)
    _raw(db_path, f"UPDATE {table} SET {column} = ?", value)
    with open_store(db_path, "web") as store:
        with pytest.raises(StateError, match=rf"{db_path}, stack 'web'.*{message}"):
            if call == "get":
                store.get("instance.vm00000")
            else:
                getattr(store, call)()


def test_an_older_schema_is_migrated(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _filled(db_path, 3)
    step = ("ALTER TABLE resources ADD COLUMN note TEXT NOT NULL DEFAULT ''",)
    monkeypatch.setattr(sqlite_schema, "MIGRATIONS", {**sqlite_schema.MIGRATIONS, SCHEMA_VERSION + 1: step})
    monkeypatch.setattr(sqlite_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with open_store(db_path, "web") as store:
        assert len(store.read().resources) == 3
    conn = sqlite3.connect(db_path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    columns = [row[1] for row in conn.execute("PRAGMA table_info(resources)")]
    conn.close()
    assert (version, app_id) == (SCHEMA_VERSION + 1, APPLICATION_ID)
    assert "note" in columns


def test_a_failed_migration_leaves_the_database_as_it_was(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _filled(db_path, 3)
    step = ("ALTER TABLE resources ADD COLUMN note TEXT", "ALTER TABLE no_such_table ADD COLUMN x TEXT")
    monkeypatch.setattr(sqlite_schema, "MIGRATIONS", {**sqlite_schema.MIGRATIONS, SCHEMA_VERSION + 1: step})
    monkeypatch.setattr(sqlite_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StateError, match=rf"{db_path}: opening failed: no such table"):
        open_store(db_path, "web")
    monkeypatch.undo()
    with open_store(db_path, "web") as store:
        assert len(store.read().resources) == 3


def test_the_database_is_in_wal_mode_with_json_as_text(db_path: Path) -> None:
    _filled(db_path, 1)
    conn = sqlite3.connect(db_path)
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    kinds = conn.execute("SELECT typeof(inputs), typeof(outputs), typeof(extra) FROM resources").fetchone()
    conn.close()
    assert mode == "wal"
    assert kinds == ("text", "text", "text")


def _create_and_write(path: str, worker: int) -> None:
    with open_store(path, f"stack{worker % 2}") as store:
        store.put(make_record(f"network.n{worker}"))


def test_processes_creating_one_database_at_once_all_succeed(db_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_create_and_write, args=(str(db_path), w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    with open_store(db_path, "stack0") as zero, open_store(db_path, "stack1") as one:
        assert sorted(zero.read().resources) == ["network.n0", "network.n2"]
        assert sorted(one.read().resources) == ["network.n1", "network.n3"]
