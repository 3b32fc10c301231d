"""Fixtures shared by every test directory: a PostgreSQL server for the session, a fresh database per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres_server import Server, running_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A private PostgreSQL 15 server (see tests/postgres_server.py); skipped only when not root and none can be had."""
    with running_server() as (server, why):
        if server is None:
            if os.geteuid() == 0:
                pytest.fail(why)
            pytest.skip(why)
        yield server


@pytest.fixture
def postgres_url(postgres_server: Server) -> Iterator[str]:
    """The URL of a new, empty database on the session's server, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(scope="module")
def private_postgres(postgres_server: Server) -> Iterator[Server]:
    """A server of the module's own, to stop and start at will (the session's server stays up for the others)."""
    if postgres_server.directory is None:
        pytest.skip("stopping a server needs one started by the tests (IAAS_TEST_DATABASE_URL is set)")
    with running_server() as (server, why):
        if server is None:
            pytest.fail(why)
        yield server
