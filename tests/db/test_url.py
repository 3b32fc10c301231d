"""Database locations: SQLite paths and URLs, PostgreSQL URLs, and messages that never show a password."""

from __future__ import annotations

import pytest

from iaas.db import parse_url
from iaas.db.url import mask_password, redact
from iaas.errors import DatabaseError


@pytest.mark.parametrize(
    ("location", "path"),
    [("state.db", "state.db"), ("/var/lib/iaas/state.db", "/var/lib/iaas/state.db"), ("sqlite:///rel.db", "rel.db")],
)
def test_sqlite_locations(location: str, path: str) -> None:
    url = parse_url(location)
    assert (url.dialect, url.path, url.is_postgres) == ("sqlite", path, False)


@pytest.mark.parametrize(
    "location",
    [
        "postgresql://alice:s3cret@db.example:5433/iaas",
        "postgres://alice:s3cret@db.example/iaas",
        "postgresql+psycopg://alice:s3cret@db.example/iaas",
        "postgresql://alice@/iaas?host=/run/pg&password=s3cret",
    ],
)
def test_postgres_urls_are_shown_without_their_password(location: str) -> None:
    url = parse_url(location)
    assert url.is_postgres
    assert url.conninfo is not None and url.conninfo.startswith("postgresql://")
    assert "s3cret" not in url.display and "***" in url.display
    assert "s3cret" not in repr(url)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("postgresql://alice:s3cret@db.example:port/iaas", "malformed database URL"),
        ("postgresql://alice:s3cret@db.example:99999/iaas", "out of range"),
        ("postgresql://alice:s3cret@/iaas", "no host"),
        ("postgresql://alice:s3cret@[::1/iaas", "malformed database URL"),
        ("postgresql://alice:s3cret@db/iaas?host=a&host=b", "given twice"),
        ("mysql://alice:s3cret@db/iaas", "unknown database scheme 'mysql'"),
        ("sqlite://x.db", "invalid SQLite URL"),
        ("", "non-empty"),
    ],
)
def test_malformed_locations_are_named_without_the_password(location: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message) as caught:
        parse_url(location)
    assert "s3cret" not in str(caught.value)


def test_redact_masks_raw_and_encoded_passwords() -> None:
    url = "postgresql://bob:p%40ss@h/db"
    assert mask_password(url) == "postgresql://bob:***@h/db"
    text = f"failed for {url}: token p%40ss, password p@ss"
    assert redact(text, url, "p@ss") == "failed for postgresql://bob:***@h/db: token ***, password ***"
