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
