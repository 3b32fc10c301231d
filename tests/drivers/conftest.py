"""Fixtures: simulated libvirt hosts on the in-process test driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iaas.drivers.libvirt import Host


@pytest.fixture
def plain_host() -> Iterator[Host]:
    """A simulated host that lives in memory only."""
    host = Host("sim-a", "test:///default")
    yield host
    host.close()


@pytest.fixture
def stored_host(tmp_path: Path) -> Iterator[Host]:
    """A simulated host whose objects are kept in a sim store under tmp_path."""
    host = Host("sim-b", "test:///default", sim_store=tmp_path / "sim.db")
    yield host
    host.close()


@pytest.fixture(params=["plain", "stored"])
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Host]:
    """Each test runs on a plain and on a stored simulated host."""
    store = tmp_path / "sim.db" if request.param == "stored" else None
    host = Host(f"sim-{request.param}", "test:///default", sim_store=store)
    yield host
    host.close()
