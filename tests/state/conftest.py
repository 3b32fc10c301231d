"""Fixtures for the state store tests: a database path, an open store, records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from iaas.state import ResourceRecord, SQLiteStore, open_store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a state database that does not exist yet."""
    return tmp_path / "state.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    """An open store for stack "web", closed after the test."""
    opened = open_store(db_path, "web")
    assert isinstance(opened, SQLiteStore)
    yield opened
    opened.close()


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
