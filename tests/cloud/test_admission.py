"""Admission under concurrency: processes racing on one cloud never pass a limit only some may pass.

Every race runs on each inventory backend: ``cloud.db`` in the shared home, and a PostgreSQL database.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from iaas import Cloud
from iaas.model import KINDS
from iaas.model.values import complete
from iaas.resources import Session
from tests.cloud._race_child import create_instance

RACERS = 8


def _config(database: str | None, cpus: int = 64, cpu_ratio: float = 4.0) -> dict[str, Any]:
    hosts = [{"name": "h1", "uri": "test:///default", "sim_cpus": cpus, "cpu_ratio": cpu_ratio}]
    return {"hosts": hosts, **({"database": database} if database else {})}


def _prepare(config: dict[str, Any], home: Path, image_file: Path, **quota: int) -> dict[str, str]:
    """An image, a network, a volume and a project with ``quota``, made by the stack ``base``; their ids."""
    cloud = Cloud.open(config, home=home)
    try:
        session = Session(cloud, "base")

        def make(kind: str, name: str, **inputs: Any) -> str:
            full = complete(KINDS[kind], {"name": name, **inputs})
            return session.create(kind, f"{kind}.{name}", full).id

        return {
            "image": make("image", "deb", source=str(image_file)),
            "network": make("network", "lan", cidr="10.50.0.0/24"),
            "volume": make("volume", "data", size_gib=1),
            "project": make("project", "team", quota={"instances": -1, "vcpus": -1, "memory_mib": -1, **quota}),
        }
    finally:
        cloud.close()


def _race(config: dict[str, Any], home: Path, inputs: list[dict[str, Any]]) -> list[str]:
    """Each input created by its own process (stack ``s<i>``) at the same moment; the outcomes in order."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(len(inputs))
        with ctx.Pool(len(inputs)) as pool:
            jobs = [
                pool.apply_async(create_instance, (config, str(home), f"s{i}", one, barrier))
                for i, one in enumerate(inputs)
            ]
            return [job.get(timeout=300) for job in jobs]


def _instances(config: dict[str, Any], home: Path) -> list[str]:
    cloud = Cloud.open(config, home=home)
    try:
        return [r.stack or "" for r in cloud.inventory.list("instance")]
    finally:
        cloud.close()


@pytest.mark.slow
def test_racing_creates_pass_a_quota_exactly_as_often_as_it_allows(
    tmp_path: Path, image_file: Path, database: str | None
) -> None:
    config, home, quota = _config(database), tmp_path / "home", 3
    ids = _prepare(config, home, image_file, instances=quota)
    vm = {"image": ids["image"], "flavor": "m1.tiny", "project": ids["project"]}
    outcomes = _race(config, home, [vm] * RACERS)
    assert outcomes.count("created") == quota
    refused = [o for o in outcomes if o != "created"]
    assert len(refused) == RACERS - quota
    assert all(
        o.startswith("QuotaError: instance.vm.project: project team: quota instances=3 exceeded") for o in refused
    )
    assert len(_instances(config, home)) == quota


@pytest.mark.slow
def test_racing_creates_never_overcommit_a_host(tmp_path: Path, image_file: Path, database: str | None) -> None:
    config, home = _config(database, cpus=2, cpu_ratio=2.0), tmp_path / "home"  # 4 vCPUs after overcommit
    ids = _prepare(config, home, image_file)
    vm = {"image": ids["image"], "vcpus": 1, "memory_mib": 256, "root_disk_gib": 1, "project": ids["project"]}
    outcomes = _race(config, home, [vm] * RACERS)
    assert outcomes.count("created") == 4, " | ".join(outcomes)
    assert all(
        o.startswith("CapacityError: instance.vm.host: host h1: needs 1 vCPUs, 0 free")
        for o in outcomes
        if o != "created"
    )
    cloud = Cloud.open(config, home=home)
    try:
        with cloud.inventory.transaction():
            assert cloud.inventory.used("host:h1", "vcpus") == 4
    finally:
        cloud.close()


@pytest.mark.slow
@pytest.mark.parametrize("what", ["fixed_ip", "volume"])
def test_two_stacks_racing_for_one_thing_one_wins(
    tmp_path: Path, image_file: Path, what: str, database: str | None
) -> None:
    config, home = _config(database), tmp_path / "home"
    ids = _prepare(config, home, image_file)
    vm: dict[str, Any] = {"image": ids["image"], "flavor": "m1.tiny"}
    if what == "fixed_ip":
        vm["nics"] = [{"network": ids["network"], "fixed_ip": "10.50.0.7"}]
        lost = r"ConflictError: instance.vm.nics[0].fixed_ip: 10.50.0.7 is already given to instance.vm (stack s"
    else:
        vm["volumes"] = [ids["volume"]]
        lost = (
            f"ConflictError: instance.vm.volumes[0]: volume {ids['volume']} is already attached to instance.vm (stack s"
        )
    outcomes = _race(config, home, [vm, vm])
    assert sorted(o == "created" for o in outcomes) == [False, True]
    assert next(o for o in outcomes if o != "created").startswith(lost)


@pytest.mark.slow
def test_racing_dhcp_nics_never_get_the_same_address(tmp_path: Path, image_file: Path, database: str | None) -> None:
    config, home = _config(database), tmp_path / "home"
    ids = _prepare(config, home, image_file)
    vm = {"image": ids["image"], "flavor": "m1.tiny", "nics": [{"network": ids["network"]}]}
    outcomes = _race(config, home, [vm] * 4)
    assert outcomes == ["created"] * 4, " | ".join(outcomes)
    cloud = Cloud.open(config, home=home)
    try:
        given = [cloud.inventory.claimed(r.id, "fixed_ip") for r in cloud.inventory.list("instance")]
        assert sorted(k for keys in given for k in keys) == [f"{ids['network']}/10.50.0.{n}" for n in range(2, 6)]
    finally:
        cloud.close()


class _RowsRead:
    """Rows the inventory store fetches, counted while installed on its statements."""

    def __init__(self, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        sql = store._sql

        def counted(*args: Any) -> Any:
            return _CountingCursor(sql(*args), self)

        monkeypatch.setattr(store, "_sql", counted)


class _CountingCursor:
    def __init__(self, cursor: Any, rows: _RowsRead) -> None:
        self._cursor, self._rows = cursor, rows

    def fetchone(self) -> Any:
        row = self._cursor.fetchone()
        self._rows.count += row is not None
        return row

    def fetchall(self) -> list[Any]:
        rows = self._cursor.fetchall()
        self._rows.count += len(rows)
        return list(rows)

    def __iter__(self) -> Any:
        return iter(self.fetchall())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _statements_per_create(cloud: Cloud, make: Any, env: dict[str, Any], existing: int, start: int) -> int:
    for i in range(start, existing):
        make(cloud, "instance", f"old{i}", image=env["image"], flavor="m1.tiny", nics=[{"network": env["net"]}])
    volume = make(cloud, "volume", f"v{existing}", size_gib=1).id
    before, rows_before = cloud.inventory.statements, env["rows"].count
    make(
        cloud,
        "instance",
        f"new{existing}",
        image=env["image"],
        flavor="m1.tiny",
        volumes=[volume],
        nics=[
            {"network": env["net"], "fixed_ip": f"10.60.{existing // 250}.{existing % 250 + 2}"},
            {"network": env["net"]},
        ],
    )
    env["rows_read"] = env["rows"].count - rows_before
    return cloud.inventory.statements - before


def test_the_inventory_work_of_a_create_does_not_grow_with_the_cloud(
    tmp_path: Path, make: Any, image_file: Path, database: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # statements, and the rows they read: the address a NIC gets must not cost a read of every address given
    cloud = Cloud.open(_config(database), home=tmp_path / "home")
    try:
        _check_constant_work(cloud, make, image_file, _RowsRead(cloud.inventory, monkeypatch))
    finally:
        cloud.close()


def _check_constant_work(cloud: Cloud, make: Any, image_file: Path, rows: _RowsRead) -> None:
    env = {
        "image": make(cloud, "image", "deb", source=str(image_file)).id,
        "net": make(cloud, "network", "lan", cidr="10.60.0.0/16", dhcp_start="10.60.128.1").id,  # above fixed IPs
        "rows": rows,
    }
    small = _statements_per_create(cloud, make, env, 10, 0)
    small_rows = env["rows_read"]
    large = _statements_per_create(cloud, make, env, 200, 10)
    assert 0 < small == large
    assert 0 < small_rows == env["rows_read"]
