"""Fixtures for the state store tests: every store test runs on each backend, SQLite and PostgreSQL.

``store`` is an open store of stack "web" on one backend, ``location`` the
path or URL of its database (to open more stores on it).  ``db_path`` is a
SQLite file for the tests of the SQLite backend alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_lazy_fixtures import lf

from iaas.state import ResourceRecord, SQLiteStore, StateStore, open_store
from iaas.state.postgres import PostgresStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a state database that does not exist yet."""
    return tmp_path / "state.db"


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[SQLiteStore]:
    """An open SQLite store for stack "web", closed after the test."""
    opened = open_store(db_path, "web")
    assert isinstance(opened, SQLiteStore)
    yield opened
    opened.close()


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[PostgresStore]:
    """An open PostgreSQL store for stack "web" in a fresh database, closed after the test."""
    opened = open_store(postgres_url, "web")
    assert isinstance(opened, PostgresStore)
    yield opened
    opened.close()


@pytest.fixture(params=[lf("sqlite_store"), lf("postgres_store")], ids=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> StateStore:
    """An open store for stack "web", on each backend in turn."""
    return request.param


@pytest.fixture
def location(store: StateStore, request: pytest.FixtureRequest) -> str:
    """The path or URL of ``store``'s database."""
    if isinstance(store, SQLiteStore):
        return str(request.getfixturevalue("db_path"))
    return str(request.getfixturevalue("postgres_url"))


def make_record(address: str, **fields: Any) -> ResourceRecord:
    """A resource record with plausible contents; ``fields`` override them."""
    kind = address.split(".", 1)[0]
    values: dict[str, Any] = {
        "address": address,
        "kind": kind,
        "id": f"{kind}-{address.split('.', 1)[-1]}",
        "inputs": {"name": address, "size": 1},
        "outputs": {"state": "active"},
        "dependencies": [],
    }
    values.update(fields)
    return ResourceRecord(**values)


@pytest.fixture
def record() -> Callable[..., ResourceRecord]:
    """The record factory :func:`make_record`."""
    return make_record
