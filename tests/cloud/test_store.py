"""The inventory store: schema versions, migration of an older cloud.db, private files, dry runs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import attrs
import pytest

from iaas.cloud import Cloud, CloudConfig, HostConfig
from iaas.cloud.admission import Subject
from iaas.cloud.store import SCHEMA_VERSION, Store
from iaas.errors import ConflictError, StateError
from tests.cloud.conftest import new_op

#: The layout of cloud.db before the store kept a schema version.
OLD_LAYOUT = """
CREATE TABLE objects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, stack TEXT, address TEXT,
                      project TEXT, host TEXT, data TEXT NOT NULL);
CREATE INDEX objects_kind_name ON objects(kind, name);
"""


def _old_cloud_db(path: Path) -> None:
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
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        db.executescript(OLD_LAYOUT)
        for id, kind, name, inputs, host in rows:
            data = json.dumps({"inputs": inputs, "outputs": {"id": id, "host": host}})
            db.execute(
                "INSERT INTO objects VALUES (?,?,?,?,?,?,?,?)",
                (id, kind, name, "old", f"{kind}.{name}", None, host, data),
            )


def _cloud(home: Path) -> Cloud:
    return Cloud(CloudConfig(hosts=[HostConfig("h1", "test:///default")], home=str(home)))


def test_an_older_cloud_db_is_migrated_and_its_holdings_filled_in(tmp_path: Path) -> None:
    _old_cloud_db(tmp_path / "home" / "cloud.db")
    cloud = _cloud(tmp_path / "home")
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
    assert (tmp_path / "home" / "cloud.db").stat().st_mode & 0o777 == 0o600


def test_a_cloud_db_of_a_newer_iaas_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cloud.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StateError, match=f"schema version {SCHEMA_VERSION + 1} was written by a newer iaas"):
        Store(path)


def test_a_dry_run_keeps_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "cloud.db")
    with store.dry_run():
        assert store.claim("attachment", "vol-1", "vm-1", "instance.a") is None
        store.consume("vm-1", "project:p", "instances", 1)
    with store.transaction():
        assert store.claim("attachment", "vol-1", "vm-2", "instance.b") is None
        assert store.used("project:p", "instances") == 0
    store.close()


def test_a_failed_create_releases_its_reservation(tmp_path: Path) -> None:
    cloud = _cloud(tmp_path / "home")
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


def test_a_reservation_left_by_an_interrupted_create_gives_way_to_the_retry(tmp_path: Path) -> None:
    from iaas.cloud import PlannedItem
    from iaas.cloud.placement import check_plan

    cloud = _cloud(tmp_path / "home")
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
