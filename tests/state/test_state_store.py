"""The store contract, on every backend: reading, writing, serials, outputs, history, stacks, threads."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from iaas.errors import StateError
from iaas.state import ResourceRecord, StateStore, export_json, open_store

from .conftest import make_record


def test_store_fulfils_the_protocol(store: StateStore, location: str) -> None:
    assert isinstance(store, StateStore)
    assert store.stack == "web"
    assert store.location == location


def test_first_read_creates_an_empty_stack_with_a_lineage(store: StateStore) -> None:
    snapshot = store.read()
    assert snapshot.stack == "web"
    assert snapshot.serial == 0
    assert snapshot.resources == {}
    assert snapshot.outputs == {}
    assert uuid.UUID(hex=snapshot.lineage).version == 4
    assert store.read().lineage == snapshot.lineage


def test_lineage_survives_reopening(location: str) -> None:
    with open_store(location, "web") as first:
        lineage = first.read().lineage
    with open_store(location, "web") as second:
        assert second.read().lineage == lineage


def test_put_then_read_returns_the_record(store: StateStore) -> None:
    written = make_record(
        "network.web",
        inputs={"cidr": "10.0.0.0/24", "dhcp": True, "dns": ["1.1.1.1"]},
        dependencies=["project.p"],
        extra={"host": "h1"},
        status="tainted",
    )
    stored = store.put(written)
    assert stored.updated_at > 0
    assert written.updated_at == 0.0  # the caller's record is left alone
    snapshot = store.read()
    assert snapshot.resources == {"network.web": stored}
    assert snapshot.serial == 1


def test_put_replaces_an_existing_record(store: StateStore) -> None:
    store.put(make_record("volume.data", inputs={"size_gb": 10}))
    store.put(make_record("volume.data", inputs={"size_gb": 20}, id="vol-2"))
    got = store.get("volume.data")
    assert got is not None
    assert got.inputs == {"size_gb": 20}
    assert got.id == "vol-2"
    assert len(store.read().resources) == 1


def test_get_of_a_missing_address_is_none(store: StateStore) -> None:
    assert store.get("network.nowhere") is None


def test_every_write_bumps_the_serial(store: StateStore) -> None:
    store.put(make_record("network.a"))
    store.put_many([make_record("network.b"), make_record("network.c")])
    store.set_outputs({"ip": "10.0.0.5"})
    assert store.delete("network.a") is True
    assert store.read().serial == 4


def test_delete_of_a_missing_address_changes_nothing(store: StateStore) -> None:
    store.put(make_record("network.a"))
    assert store.delete("network.gone") is False
    snapshot = store.read()
    assert snapshot.serial == 1
    assert list(snapshot.resources) == ["network.a"]


def test_put_many_writes_all_records_in_one_serial(store: StateStore) -> None:
    records = [make_record(f"instance.vm{i}") for i in range(50)]
    assert store.put_many(records) == 50
    snapshot = store.read()
    assert sorted(snapshot.resources) == sorted(r.address for r in records)
    assert snapshot.serial == 1
    assert store.put_many([]) == 0
    assert store.read().serial == 1


def test_put_many_is_all_or_nothing(store: StateStore) -> None:
    bad = make_record("instance.bad", inputs={"when": object()})
    with pytest.raises(StateError, match=r"instance\.bad.*inputs"):
        store.put_many([make_record("instance.ok"), bad])
    assert store.read().resources == {}


def test_set_outputs_replaces_the_outputs(store: StateStore) -> None:
    store.set_outputs({"a": 1, "b": [1, 2]})
    store.set_outputs({"c": {"d": None}})
    assert store.read().outputs == {"c": {"d": None}}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inputs", {"x": float("nan")}, "inputs"),
        ("outputs", {"x": {1, 2}}, "outputs"),
        ("extra", [1], "extra must be a dict"),
        ("dependencies", ["network.a", 3], "dependencies"),
        ("id", 42, "id must be"),
    ],
)
def test_put_refuses_fields_that_are_not_json(store: StateStore, field: str, value: object, message: str) -> None:
    record = make_record("network.a")
    setattr(record, field, value)
    with pytest.raises(StateError, match=message):
        store.put(record)
    assert store.get("network.a") is None


def test_set_outputs_refuses_what_is_not_json(store: StateStore) -> None:
    with pytest.raises(StateError, match="outputs"):
        store.set_outputs({"x": b"bytes"})
    with pytest.raises(StateError, match="dict"):
        store.set_outputs(["x"])  # type: ignore[arg-type]


def test_stacks_in_one_database_are_independent(location: str) -> None:
    with open_store(location, "web") as web, open_store(location, "db") as db:
        web.put(make_record("network.web"))
        db.put(make_record("volume.data"))
        assert list(web.read().resources) == ["network.web"]
        assert list(db.read().resources) == ["volume.data"]
        assert web.read().lineage != db.read().lineage
        assert web.list_stacks() == ["db", "web"]


def test_history_records_operations_newest_first(store: StateStore) -> None:
    first = store.begin_apply("apply", "alice@h pid 1")
    store.end_apply(first, "succeeded", {"created": 3})
    second = store.begin_apply("destroy", "bob@h pid 2")
    entries = store.history()
    assert [e.id for e in entries] == [second, first]
    assert entries[0].status == "running"
    assert entries[0].finished_at is None
    assert entries[1].status == "succeeded"
    assert entries[1].summary == {"created": 3}
    assert entries[1].owner == "alice@h pid 1"
    assert entries[1].finished_at is not None and entries[1].finished_at >= entries[1].started_at
    assert len(store.history(limit=1)) == 1


def test_history_is_per_stack(location: str) -> None:
    with open_store(location, "web") as web, open_store(location, "db") as db:
        web.begin_apply("apply", "me")
        assert db.history() == []
        assert len(web.history()) == 1


def test_end_apply_checks_its_arguments(store: StateStore) -> None:
    apply_id = store.begin_apply("apply", "me")
    with pytest.raises(StateError, match="status"):
        store.end_apply(apply_id, "running", {})
    with pytest.raises(StateError, match="summary must be a dict"):
        store.end_apply(apply_id, "failed", ["x"])  # type: ignore[arg-type]
    with pytest.raises(StateError, match="no history entry 999"):
        store.end_apply(999, "failed", {})
    store.end_apply(apply_id, "failed", {"error": "boom"})
    with pytest.raises(StateError, match="already ended"):
        store.end_apply(apply_id, "succeeded", {})


def test_history_entries_of_another_stack_cannot_be_ended(location: str) -> None:
    with open_store(location, "web") as web, open_store(location, "db") as db:
        apply_id = web.begin_apply("apply", "me")
        with pytest.raises(StateError, match="no history entry"):
            db.end_apply(apply_id, "failed", {})


def test_push_replaces_the_state(store: StateStore) -> None:
    store.put(make_record("network.old"))
    pulled = store.read()
    pulled.resources = {"network.new": make_record("network.new")}
    pulled.outputs = {"x": 1}
    pulled.serial += 1
    pushed = store.push(pulled)
    assert list(pushed.resources) == ["network.new"]
    assert pushed.outputs == {"x": 1}
    assert pushed.serial == pulled.serial + 1
    assert store.read() == pushed


def test_push_refuses_another_lineage_an_older_serial_or_a_changed_same_serial(store: StateStore) -> None:
    store.put(make_record("network.a"))
    current = store.read()
    foreign = store.read()
    foreign.lineage = uuid.uuid4().hex
    with pytest.raises(StateError, match="lineage"):
        store.push(foreign)
    older = store.read()
    older.serial = 0
    with pytest.raises(StateError, match="newer"):
        store.push(older)
    edited = store.read()
    edited.outputs = {"changed": True}
    with pytest.raises(StateError, match="same serial"):
        store.push(edited)
    assert store.read() == current
    store.push(foreign, force=True)
    assert store.read().lineage == foreign.lineage


def test_push_into_a_new_stack_adopts_the_pushed_lineage(location: str) -> None:
    with open_store(location, "old") as old, open_store(location, "new") as new:
        old.put(make_record("network.a"))
        pulled = old.read()
        new.read()
        pushed = new.push(pulled)
        assert pushed.lineage == pulled.lineage
        assert pushed.resources == pulled.resources
        assert pushed.stack == "new"


def test_push_refuses_a_resource_filed_under_another_address(store: StateStore) -> None:
    snapshot = store.read()
    snapshot.resources = {"network.a": make_record("network.b")}
    with pytest.raises(StateError, match="under 'network.a' has the address 'network.b'"):
        store.push(snapshot, force=True)


def test_a_failed_first_write_leaves_no_half_made_stack(store: StateStore) -> None:
    with pytest.raises(StateError):
        store.put(make_record("network.a", inputs={"bad": object()}))
    with pytest.raises(StateError):
        store.put_many([make_record("network.a"), make_record("network.b", outputs={"x": {1}})])
    store.put(make_record("network.c"))
    snapshot = store.read()
    assert list(snapshot.resources) == ["network.c"]
    assert snapshot.serial == 1


def test_export_of_a_store_snapshot_imports_back(store: StateStore, location: str) -> None:
    from iaas.state import import_json

    store.put(make_record("network.a", extra={"deposed": [{"id": "x"}]}))
    store.set_outputs({"ip": "10.0.0.1"})
    snapshot = store.read()
    assert import_json(export_json(snapshot)) == snapshot


def test_closed_store_refuses_calls(location: str) -> None:
    closing = open_store(location, "web")
    closing.close()
    closing.close()  # a second close is harmless
    with pytest.raises(StateError, match="closed"):
        closing.read()


def test_stack_name_must_be_printable(location: str) -> None:
    for bad in ("", "  ", "a\nb"):
        with pytest.raises(StateError, match="stack name"):
            open_store(location, bad)


def test_open_store_accepts_paths_and_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///relative.db", "s") as relative:
        relative.put(make_record("network.a"))
    assert (tmp_path / "relative.db").exists()
    with open_store(f"sqlite:///{tmp_path}/absolute.db", "s") as absolute:
        assert absolute.location == f"{tmp_path}/absolute.db"
    with open_store(tmp_path / "relative.db", "s") as by_path:
        assert list(by_path.read().resources) == ["network.a"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://nohost.db", "invalid SQLite URL"),
        ("sqlite:///", "invalid SQLite URL"),
        ("s3://bucket/key", "unknown database scheme 's3'"),
        ("", "non-empty"),
    ],
)
def test_open_store_refuses_unknown_locations(url: str, message: str) -> None:
    with pytest.raises(StateError, match=message):
        open_store(url, "web")


def test_puts_from_eight_threads_all_land(store: StateStore) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(worker: int) -> None:
        try:
            start.wait()
            for i in range(25):
                store.put(make_record(f"instance.w{worker}-{i}", inputs={"worker": worker, "i": i}))
                if i % 5 == 0:
                    store.read()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    snapshot = store.read()
    assert len(snapshot.resources) == 200
    assert snapshot.serial == 200
    assert snapshot.resources["instance.w7-24"].inputs == {"worker": 7, "i": 24}


def test_stores_of_one_database_in_many_threads(location: str) -> None:
    open_store(location, "web").close()
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            with open_store(location, "web") as own:
                for i in range(10):
                    own.put(ResourceRecord(address=f"network.n{worker}-{i}", kind="network"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(location, "web") as check:
        assert check.read().serial == 80
