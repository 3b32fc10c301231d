"""Fixtures: clouds of simulated hosts on libvirt's in-process test driver, inventories on each backend.

``database`` is where a test cloud keeps its inventory, on each backend in
turn: None (``cloud.db`` in its home, SQLite) or a fresh PostgreSQL
database; ``store`` an open inventory store on each backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from pytest_lazy_fixtures import lf

from iaas.cloud import Cloud, CloudConfig, HostConfig, Observed, OpContext
from iaas.cloud.store import Store
from iaas.drivers.libvirt import Host
from iaas.model import KINDS
from iaas.model.values import complete

MakeCloud = Callable[..., Cloud]


@pytest.fixture
def no_database() -> None:
    """No database given: the inventory is ``cloud.db`` in the cloud's home."""
    return None


@pytest.fixture(params=[lf("no_database"), lf("postgres_url")], ids=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> str | None:
    """Where a test cloud keeps its inventory, on each backend in turn (the cloud config's ``database``)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """An inventory store in a new SQLite file."""
    opened = Store(tmp_path / "cloud.db")
    yield opened
    opened.close()


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[Store]:
    """An inventory store in a new PostgreSQL database."""
    opened = Store(postgres_url)
    yield opened
    opened.close()


@pytest.fixture(params=[lf("sqlite_store"), lf("postgres_store")], ids=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Store:
    """An open inventory store, on each backend in turn."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A cloud of one simulated host, ``h1``, kept under tmp_path."""
    c = Cloud(CloudConfig(hosts=[HostConfig("h1", "test:///default")], home=str(tmp_path)))
    yield c
    c.close()


@pytest.fixture
def make_cloud(tmp_path: Path) -> Iterator[MakeCloud]:
    """Build a cloud of simulated hosts of given sizes.

    ``make_cloud({"h1": (cpus, memory_mib), ...}, scheduler="spread", cpu_ratio=1.0, ram_ratio=1.0,
    disk_gib=10240, disk_ratio=1.0, labels={"h1": {"zone": "a"}})``; each host is a simulated host of that
    size (the driver's ``sim_cpus`` and ``sim_memory_mib``; ``disk_gib`` is its ``sim_disk_gib``).
    """
    made: list[Cloud] = []

    def build(
        sizes: dict[str, tuple[int, int]],
        *,
        scheduler: str = "spread",
        cpu_ratio: float = 1.0,
        ram_ratio: float = 1.0,
        disk_gib: int = 10240,
        disk_ratio: float = 1.0,
        labels: dict[str, dict[str, str]] | None = None,
    ) -> Cloud:
        home = tmp_path / f"cloud{len(made)}"
        hosts = [
            HostConfig(
                name,
                "test:///default",
                cpu_ratio=cpu_ratio,
                ram_ratio=ram_ratio,
                sim_disk_gib=disk_gib,
                disk_ratio=disk_ratio,
                labels=(labels or {}).get(name, {}),
            )
            for name in sizes
        ]
        c = Cloud(CloudConfig(hosts=hosts, home=str(home), scheduler=scheduler))
        for name, (cpus, memory_mib) in sizes.items():
            c.hosts[name].close()
            c.hosts[name] = Host(name, "test:///default", sim_cpus=cpus, sim_memory_mib=memory_mib)
        made.append(c)
        return c

    yield build
    for c in made:
        c.close()


def new_op(address: str, *, stack: str = "s1", project: str | None = None) -> OpContext:
    """The context of a create: a fresh pending id, as the engine chooses one."""
    return OpContext(stack=stack, address=address, project=project, pending_id=str(uuid.uuid4()))


@pytest.fixture
def op() -> Callable[..., OpContext]:
    """``op(address, stack="s1", project=None)``: the context of a create, with a fresh pending id."""
    return new_op


@pytest.fixture
def create() -> Callable[..., dict[str, Any]]:
    """``create(cloud, kind, name, stack="s1", **inputs)``: create through the cloud's verb; the outputs."""

    def run(c: Cloud, kind: str, name: str, *, stack: str = "s1", **inputs: Any) -> dict[str, Any]:
        return c.create(kind, new_op(f"{kind}.{name}", stack=stack), {"name": name, **inputs}, {})

    return run


# ------------------------------------------------ libvirt-backed kinds (image, volume, network, instance)


@attrs.define
class Made:
    """One object created through the cloud: its create context, complete inputs and outputs."""

    kind: str
    ctx: OpContext
    inputs: dict[str, Any]
    outputs: dict[str, Any]

    @property
    def id(self) -> str:
        """The object's id."""
        return str(self.outputs["id"])


IMAGE_BYTES = b"QFI\xfb" + bytes(range(256)) * 16  # a small stand-in for an image file


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    """A small local image file (its content is ``IMAGE_BYTES``)."""
    path = tmp_path / "disk image.qcow2"
    path.write_bytes(IMAGE_BYTES)
    return path


@pytest.fixture
def make() -> Callable[..., Made]:
    """``make(cloud, kind, name, stack="s1", planned=None, **inputs)``: create with completed inputs."""

    def run(
        c: Cloud, kind: str, name: str, *, stack: str = "s1", planned: dict[str, Any] | None = None, **inputs: Any
    ) -> Made:
        ctx = new_op(f"{kind}.{name}", stack=stack)
        full = complete(KINDS[kind], {"name": name, **inputs})
        return Made(kind, ctx, full, c.create(kind, ctx, full, planned or {}))

    return run


@pytest.fixture
def two_hosts(tmp_path: Path) -> Iterator[Cloud]:
    """A cloud of two independent simulated hosts, ``h1`` and ``h2``."""
    hosts = [HostConfig("h1", "test:///default"), HostConfig("h2", "test:///default")]
    c = Cloud(CloudConfig(hosts=hosts, home=str(tmp_path / "two")))
    yield c
    c.close()


def drifted(observed: Observed, recorded: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The observed input fields that differ from the recorded inputs, as the engine's refresh compares them."""
    return {k: (recorded[k], v) for k, v in observed.inputs.items() if k in recorded and recorded[k] != v}


@pytest.fixture
def drift() -> Callable[[Observed, dict[str, Any]], dict[str, tuple[Any, Any]]]:
    """``drift(observed, recorded_inputs)``: the fields that differ (recorded, observed)."""
    return drifted
