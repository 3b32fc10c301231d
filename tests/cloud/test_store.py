"""The inventory store, on each backend: schema versions, migration of an older inventory, private files, dry runs."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import psycopg
import pytest

from iaas.cloud import Cloud, CloudConfig, HostConfig
from iaas.cloud.admission import Subject
from iaas.cloud.store import SCHEMA_VERSION, Holder, InventoryRecord, Store
from iaas.cloud.store_backends import PostgresBackend, TransactionLost
from iaas.db import ConnectionLost
from iaas.errors import ConflictError, StateError
from tests.cloud.conftest import new_op

#: The layout of cloud.db before the store kept a schema version.
OLD_LAYOUT = """
CREATE TABLE objects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, stack TEXT, address TEXT,
                      project TEXT, host TEXT, data TEXT NOT NULL);
CREATE INDEX objects_kind_name ON objects(kind, name);
"""


def _execute(location: str, statements: Sequence[tuple[str, tuple[Any, ...]]]) -> None:
    """Run ``statements`` (written with ``?``) in one transaction on the database at ``location``, outside iaas."""
    if location.startswith("postgresql://"):
        with psycopg.connect(location, autocommit=True) as conn, conn.transaction():
            for sql, args in statements:
                conn.execute(sql.replace("?", "%s"), args or None)
        return
    Path(location).parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(location) as db:
        for sql, args in statements:
            db.execute(sql, args)


def _old_inventory(location: str) -> None:
    """An inventory as an iaas before the store kept what objects hold wrote it (schema version 1)."""
    rows = [
        ("net-1", "network", "lan", {"name": "lan", "cidr": "10.9.0.0/24"}, "h1"),
        ("vol-1", "volume", "data", {"name": "data", "size_gib": 5}, "h1"),
        (
            "vm-1",
            "instance",
            "vm",
            {
                "name": "vm",
                "vcpus": 2,
                "memory_mib": 512,
                "root_disk_gib": 1,
                "volumes": ["vol-1"],
                "nics": [{"network": "net-1", "fixed_ip": "10.9.0.5"}],
            },
            "h1",
        ),
    ]
    statements: list[tuple[str, tuple[Any, ...]]] = [(sql, ()) for sql in OLD_LAYOUT.split(";") if sql.strip()]
    for id, kind, name, inputs, host in rows:
        data = json.dumps({"inputs": inputs, "outputs": {"id": id, "host": host}})
        statements.append(
            (
                "INSERT INTO objects VALUES (?,?,?,?,?,?,?,?)",
                (id, kind, name, "old", f"{kind}.{name}", None, host, data),
            )
        )
    if location.startswith("postgresql://"):  # versions are kept in iaas_schema there, from the first
        statements.append(
            ("CREATE TABLE iaas_schema (component TEXT PRIMARY KEY, version INTEGER, updated_at REAL)", ())
        )
        statements.append(("INSERT INTO iaas_schema VALUES ('inventory', 1, ?)", (time.time(),)))
    _execute(location, statements)


def _cloud(home: Path, database: str | None = None) -> Cloud:
    return Cloud(CloudConfig(hosts=[HostConfig("h1", "test:///default")], home=str(home), database=database))


def test_an_older_inventory_is_migrated_and_its_holdings_filled_in(tmp_path: Path, database: str | None) -> None:
    _old_inventory(database or str(tmp_path / "home" / "cloud.db"))
    cloud = _cloud(tmp_path / "home", database)
    try:
        assert cloud.inventory.version() == SCHEMA_VERSION
        assert [r.id for r in cloud.inventory.list("instance")] == ["vm-1"]
        with cloud.inventory.transaction():
            assert cloud.inventory.used("host:h1", "vcpus") == 2
            assert cloud.inventory.used("host:h1", "disk_gib") == 6
        other = Subject(
            "instance",
            "vm-2",
            "instance.other",
            "instance.other (stack new)",
            {
                "name": "other",
                "vcpus": 1,
                "memory_mib": 256,
                "volumes": ["vol-1"],
                "nics": [{"network": "lan", "fixed_ip": "10.9.0.5"}],
            },
            "h1",
        )
        with pytest.raises(ConflictError) as refused:
            cloud.admission.reserve(other)
        assert str(refused.value).splitlines() == [
            "instance.other.nics[0].fixed_ip: 10.9.0.5 is already given to instance.vm (stack old) "
            "on network network.lan (stack old)",
            "instance.other.volumes[0]: volume vol-1 is already attached to instance.vm (stack old)",
        ]
    finally:
        cloud.close()
    if database is None:
        assert (tmp_path / "home" / "cloud.db").stat().st_mode & 0o777 == 0o600


def test_an_inventory_of_a_newer_iaas_is_refused_and_left_alone(tmp_path: Path, database: str | None) -> None:
    location = database or str(tmp_path / "cloud.db")
    store = Store(location)
    with store.transaction():
        store.put(InventoryRecord("k-1", "key_pair", "k"))
    store.close()
    newer = SCHEMA_VERSION + 1
    if database is None:
        _execute(location, [("UPDATE schema_version SET version=?", (newer,))])
    else:
        _execute(location, [("UPDATE iaas_schema SET version=? WHERE component='inventory'", (newer,))])
    with pytest.raises(StateError, match=f"schema version {newer} was written by a newer iaas") as refused:
        Store(location)
    assert "upgrade iaas" in str(refused.value)
    _execute(location, [("UPDATE objects SET name=name", ())])  # the tables are still there


def test_a_dry_run_keeps_nothing(store: Store) -> None:
    with store.dry_run():
        assert store.claim("attachment", "vol-1", "vm-1", "instance.a") is None
        store.consume("vm-1", "project:p", "instances", 1)
    with store.transaction():
        assert store.claim("attachment", "vol-1", "vm-2", "instance.b") is None
        assert store.used("project:p", "instances") == 0


def test_the_claims_of_a_scope_are_listed_with_their_labels_and_dropped_one_by_one(store: Store) -> None:
    # the DHCP entries guests left to a network: held by the network, keyed by MAC, labelled with the guest
    with store.transaction():
        store.claim("dhcp-left/net-1", "52:54:00:00:00:02", "net-1", "vm-2")
        store.claim("dhcp-left/net-1", "52:54:00:00:00:01", "net-1", "vm-1")
        store.claim("dhcp-left/net-2", "52:54:00:00:00:03", "net-2", "vm-3")
    assert store.held_in("dhcp-left/net-1") == [("52:54:00:00:00:01", "vm-1"), ("52:54:00:00:00:02", "vm-2")]
    with store.transaction():
        store.unclaim("dhcp-left/net-1", "52:54:00:00:00:01")
        store.unclaim("dhcp-left/net-1", "52:54:00:00:00:09")  # none: nothing happens
    assert store.held_in("dhcp-left/net-1") == [("52:54:00:00:00:02", "vm-2")]
    with store.transaction():
        store.release("net-1")  # the network deleted
    assert (store.held_in("dhcp-left/net-1"), len(store.held_in("dhcp-left/net-2"))) == ([], 1)


def test_what_a_caller_keeps_about_writes_is_forgotten_exactly_when_they_are_rolled_back(store: Store) -> None:
    forgotten: list[str] = []
    with store.transaction():
        store.claim("fixed_ip", "n/10.0.0.2", "vm-1", "instance.a")
        store.on_rollback(lambda: forgotten.append("committed"))
    with pytest.raises(RuntimeError), store.transaction():
        store.claim("fixed_ip", "n/10.0.0.3", "vm-2", "instance.b")
        store.on_rollback(lambda: forgotten.append("raised"))
        raise RuntimeError("refused")
    with store.dry_run():
        store.on_rollback(lambda: forgotten.append("dry run"))
    with store.transaction():
        store.on_rollback(lambda: forgotten.append("outer, committed"))
        with store.dry_run():  # a savepoint: only what was written inside it is rolled back
            store.on_rollback(lambda: forgotten.append("inner dry run"))
    assert forgotten == ["raised", "dry run", "inner dry run"]
    assert store.claimed("vm-1", "fixed_ip") == ["n/10.0.0.2"] and store.claimed("vm-2", "fixed_ip") == []
    given_back = store.given_back
    with store.transaction():
        store.release_claims("vm-9", "fixed_ip", set())  # holds nothing: nothing is given back
        store.release("vm-9")
    assert store.given_back == given_back
    with store.transaction():
        store.release("vm-1")
    assert store.given_back == given_back + 1


def test_a_failed_create_releases_its_reservation(tmp_path: Path, database: str | None) -> None:
    cloud = _cloud(tmp_path / "home", database)
    try:
        project = {"name": "team", "quota": {"instances": 1}}
        team = cloud.create("project", new_op("project.team"), project, {})["id"]
        with pytest.raises(Exception, match="no image"):
            cloud.create(
                "instance",
                new_op("instance.vm"),
                {
                    "name": "vm",
                    "image": "nope",
                    "flavor": "m1.tiny",
                    "vcpus": 1,
                    "memory_mib": 512,
                    "root_disk_gib": 1,
                    "project": team,
                },
                {},
            )
        with cloud.inventory.transaction():
            assert cloud.inventory.used(f"project:{team}", "instances") == 0
        assert cloud.inventory.reservations() == []
    finally:
        cloud.close()


def test_a_reservation_left_by_an_interrupted_create_gives_way_to_the_retry(
    tmp_path: Path, database: str | None
) -> None:
    from iaas.cloud import PlannedItem
    from iaas.cloud.placement import check_plan

    cloud = _cloud(tmp_path / "home", database)
    try:
        volume = cloud.create("volume", new_op("volume.data"), {"name": "data", "size_gib": 1}, {})["id"]
        inputs = {"name": "vm", "vcpus": 1, "memory_mib": 256, "root_disk_gib": 1, "volumes": [volume]}
        crashed = Subject("instance", "id-1", "instance.vm", "instance.vm (stack s1)", inputs, "h1", "s1")
        cloud.admission.reserve(crashed)  # and the process dies before the instance is made
        item = PlannedItem("instance.vm", "instance", "create", None, inputs, None)
        assert check_plan(cloud, "s1", [item])[0] == []
        other_stack = Subject("instance", "id-2", "instance.vm", "instance.vm (stack s2)", inputs, "h1", "s2")
        with pytest.raises(ConflictError, match="already attached to instance.vm \\(stack s1\\)"):
            cloud.admission.reserve(other_stack)
        cloud.admission.reserve(attrs.evolve(crashed, owner="id-3"))  # the retry, with a new id
        assert [owner for owner, _, _ in cloud.inventory.reservations()] == ["id-3"]
    finally:
        cloud.close()


def test_an_inventory_is_copied_whole_once_and_never_over_other_holdings(tmp_path: Path, store: Store) -> None:
    source = Store(tmp_path / "home" / "cloud.db")
    with source.transaction():
        source.put(InventoryRecord("vm-1", "instance", "vm", "s1", "instance.vm", "p", "h1"))
        assert source.claim("attachment", "vol-1", "vm-1", "instance.vm (stack s1)") is None
        source.consume("vm-1", "project:p", "instances", 1)
        source.consume("vm-1", "host:h1", "vcpus", 2)
    rows = source.rows()
    source.close()
    with store.transaction():
        store.consume("vm-0", "host:h1", "vcpus", 1)  # what the destination held already
    assert store.take_rows(rows)[0]["objects"] == 1
    assert store.take_rows(rows)[0]["objects"] == 0  # again: nothing to add
    with store.transaction():
        assert store.used("host:h1", "vcpus") == 3
        assert store.used("project:p", "instances") == 1
        assert store.claim("attachment", "vol-1", "vm-2", "b") == Holder("vm-1", "instance.vm (stack s1)")
    clash = {
        **rows,
        "claims": [("attachment", "vol-1", "vm-9", "other")],
        "objects": [rows["objects"][0][:1] + ("x",) * 7],
    }
    added, conflicts = store.take_rows(clash)
    assert added == {} and conflicts == ["objects {'id': 'vm-1'}", "claims {'scope': 'attachment', 'key': 'vol-1'}"]


def test_a_commit_cut_in_flight_is_settled_by_the_server(
    postgres_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    backend = postgres_store._backend
    assert isinstance(backend, PostgresBackend)
    with postgres_store.transaction():
        postgres_store.put(InventoryRecord("k-1", "key_pair", "k"))
    backend._settle(ConnectionLost("cut while committing"))  # the server kept it: nothing to do again
    assert "the commit was kept" in caplog.text
    with pytest.raises(TransactionLost):  # one the server rolled back runs again
        with postgres_store.dry_run():
            postgres_store.put(InventoryRecord("k-2", "key_pair", "k2"))
            aborted = backend._xid
        backend._xid = aborted
        backend._settle(ConnectionLost("cut while committing"))


def test_records_read_ahead_come_from_one_query_and_a_write_forgets_them(store: Store) -> None:
    for i in range(3):
        store.put(InventoryRecord(f"id-{i}", "key_pair", f"k{i}", stack="s", data={"inputs": {"n": i}}))
    with store.read_ahead(["id-0", "id-1", "id-2", "gone"]):
        before = store.statements
        assert store.get("id-0") is not None and store.get("gone") is None
        assert store.statements == before  # answered from the read ahead
        store.put(InventoryRecord("id-1", "key_pair", "k1", stack="s", data={"inputs": {"n": 10}}))
        changed = store.get("id-1")
        assert changed is not None and changed.inputs == {"n": 10}  # not the record read before the write
    assert store.get("id-2") is not None and store.get_many(["id-0", "id-2", "gone"]).keys() == {"id-0", "id-2"}


def test_a_write_inside_a_nested_read_ahead_forgets_the_outer_one_too(sqlite_store: Store) -> None:
    sqlite_store.put(InventoryRecord("id-0", "key_pair", "k0", data={"inputs": {"n": 0}}))
    with sqlite_store.read_ahead(["id-0"]):
        with sqlite_store.read_ahead(["other"]):
            sqlite_store.put(InventoryRecord("id-0", "key_pair", "k0", data={"inputs": {"n": 1}}))
        found = sqlite_store.get("id-0")
        assert found is not None and found.inputs == {"n": 1}


def test_a_reservation_whose_create_never_ended_expires_after_an_hour(tmp_path: Path, database: str | None) -> None:
    from iaas.cloud import PlannedItem
    from iaas.cloud.admission import RESERVATION_EXPIRE
    from iaas.cloud.placement import check_plan

    home = tmp_path / "home"
    cloud = _cloud(home, database)
    try:
        volume = cloud.create("volume", new_op("volume.data"), {"name": "data", "size_gib": 1}, {})["id"]
        inputs = {"name": "vm", "vcpus": 1, "memory_mib": 256, "root_disk_gib": 1, "volumes": [volume]}
        crashed = Subject("instance", "id-1", "instance.vm", "instance.vm (stack s1)", inputs, "h1", "s1")
        cloud.admission.reserve(crashed)  # the process dies; stack s1 drops the instance and is never applied again
    finally:
        cloud.close()
    cloud = _cloud(home, database)  # a later process, before the hour is up: the holding stands
    try:
        item = PlannedItem("instance.vm", "instance", "create", None, inputs, None)
        assert "already attached" in check_plan(cloud, "s2", [item])[0][0].message
    finally:
        cloud.close()
    rewind = ("UPDATE reservations SET since=? WHERE owner=?", (time.time() - RESERVATION_EXPIRE - 1, "id-1"))
    _execute(database or str(home / "cloud.db"), [rewind])
    cloud = _cloud(home, database)  # an hour on: the next plan and the next create release it
    try:
        assert check_plan(cloud, "s2", [item])[0] == []
        assert cloud.inventory.reservations() == []
        cloud.admission.reserve(attrs.evolve(crashed, owner="id-2", stack="s2", label="instance.vm (stack s2)"))
        assert [owner for owner, _, _ in cloud.inventory.reservations()] == ["id-2"]
    finally:
        cloud.close()


def _network_left_at(home: Path, database: str | None, version: int, *changes: tuple[str, tuple[Any, ...]]) -> str:
    """Make a network, then mark the inventory as written at ``version`` after ``changes``; the network's id."""
    cloud = _cloud(home, database)
    try:
        made = cloud.create("network", new_op("network.web"), {"name": "web", "cidr": "10.8.0.0/24"}, {})["id"]
    finally:
        cloud.close()
    location = database or str(home / "cloud.db")
    mark = (
        (f"UPDATE iaas_schema SET version={version} WHERE component='inventory'", ())
        if location.startswith("postgresql://")
        else (f"UPDATE schema_version SET version={version}", ())
    )
    _execute(location, [*changes, mark])
    return str(made)


def test_names_of_an_inventory_written_before_names_were_held_are_claimed_on_open(
    tmp_path: Path, database: str | None
) -> None:
    home = tmp_path / "home"
    made = _network_left_at(home, database, 2, ("DELETE FROM claims WHERE scope LIKE 'name:%'", ()))  # as 2 left it
    cloud = _cloud(home, database)
    try:
        assert cloud.inventory.version() == SCHEMA_VERSION
        assert cloud.inventory.claimed(made, "name:network") == ["/web"]
        other = Subject("network", "net-2", "network.web", "network.web (stack two)", {"name": "web"}, None, "two")
        with pytest.raises(ConflictError, match="network name 'web' is already used"):
            cloud.admission.reserve(other)
    finally:
        cloud.close()


def test_an_inventory_that_already_holds_its_claims_is_upgraded_without_filling_them_in_again(
    tmp_path: Path, database: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    made = _network_left_at(home, database, 3)

    def refill(self: Cloud) -> None:
        raise AssertionError("an inventory of version 3 already holds its claims")

    monkeypatch.setattr(Cloud, "_backfill", refill)
    cloud = _cloud(home, database)  # filling in reads every host: the first command after an upgrade paid for it
    try:
        assert cloud.inventory.version() == SCHEMA_VERSION
        assert cloud.inventory.claimed(made, "name:network") == ["/web"]
    finally:
        cloud.close()


def _steps(store: Store, read: Callable[[], object]) -> int:
    """SQLite virtual-machine steps ``read`` takes on ``store`` (a cost that counts rows visited, never time)."""
    db = store._backend._db  # type: ignore[attr-defined]
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    db.set_progress_handler(tick, 1)
    try:
        read()
    finally:
        db.set_progress_handler(None, 1)
    return counted[0]


def test_the_keys_one_owner_holds_cost_the_same_however_many_others_hold(sqlite_store: Store) -> None:
    # A refresh asks, for each instance, which addresses it holds: a scan of the scope made that quadratic.
    costs = []
    for others in (10, 1000):
        with sqlite_store.transaction():
            for i in range(len(costs) * 10, others):
                assert sqlite_store.claim("fixed_ip", f"net/10.0.{i // 250}.{i % 250}", f"vm-{i}", f"vm {i}") is None
        costs.append(_steps(sqlite_store, lambda: sqlite_store.claimed("vm-3", "fixed_ip")))
    assert sqlite_store.claimed("vm-3", "fixed_ip") == ["net/10.0.0.3"]
    assert costs[1] <= costs[0] + 5, costs
