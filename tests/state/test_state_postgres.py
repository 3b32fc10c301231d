"""What only the PostgreSQL backend has to face: connections cut or refused, servers away, newer schemas.

The errors on opening are those of the stack state and of the cloud's inventory alike (``opener``).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from iaas.cloud.store import Store
from iaas.errors import LockError, StateError
from iaas.state import open_store
from iaas.state.postgres import PostgresStore
from tests.postgres_server import Server

from .conftest import make_record


def _kill_sessions_of(url: str, store: PostgresStore) -> int:
    """End the store's database session from outside, as an administrator or a failing network would."""
    pid = store._conn.info.backend_pid
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
    return pid


def test_a_killed_connection_is_made_again_and_the_write_lands(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with open_store(postgres_url, "web") as store:
        assert isinstance(store, PostgresStore)
        store.put(make_record("network.a"))
        _kill_sessions_of(postgres_url, store)
        with caplog.at_level(logging.WARNING, logger="iaas.state"):
            store.put(make_record("network.b"))
        assert sorted(store.read().resources) == ["network.a", "network.b"]
        assert store.read().serial == 2
    assert any("connection to the server was lost" in r.getMessage() for r in caplog.records)


def test_a_write_whose_commit_was_cut_after_the_server_kept_it_is_done(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from iaas.db import ConnectionLost

    with open_store(postgres_url, "web") as store:
        assert isinstance(store, PostgresStore)
        store.put(make_record("network.a"))  # kept by the server; suppose its answer was lost
        _kill_sessions_of(postgres_url, store)
        with caplog.at_level(logging.WARNING, logger="iaas.state"):
            assert store._settled("writing network.a", ConnectionLost("cut while committing"))
        assert store._xid is not None  # kept: not run again
        assert sorted(store.read().resources) == ["network.a"] and store.read().serial == 1
    assert any("the commit was kept" in r.getMessage() for r in caplog.records)


def test_a_lock_held_over_a_killed_connection_is_taken_back(postgres_url: str) -> None:
    with open_store(postgres_url, "web") as store, open_store(postgres_url, "web") as other:
        assert isinstance(store, PostgresStore)
        with store.lock("alice", "apply"):
            _kill_sessions_of(postgres_url, store)
            store.put(make_record("network.a"))  # reconnects and holds the lock again
            with pytest.raises(LockError, match="locked by alice"):
                with other.lock("bob", "apply"):
                    pass
        assert other.lock_info() is None
        with other.lock("bob", "apply"):
            pass


def test_a_lock_taken_by_another_while_disconnected_stops_the_writer(postgres_url: str) -> None:
    with open_store(postgres_url, "web") as store, open_store(postgres_url, "web") as other:
        assert isinstance(store, PostgresStore)
        with store.lock("alice", "apply"):
            _kill_sessions_of(postgres_url, store)
            with other.lock("bob", "apply"):  # the lock died with alice's session
                with pytest.raises(LockError, match="lock was lost with the connection"):
                    store.put(make_record("network.a"))
                assert other.lock_info().owner == "bob"  # type: ignore[union-attr]
        assert store.get("network.a") is None


@pytest.fixture(params=["state", "inventory"])
def opener(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """Open a database as the stack state does, or as the cloud's inventory does."""
    if request.param == "state":
        return lambda url: open_store(url, "web")
    return Store


def _replace(url: str, **parts: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(**parts))


def test_a_wrong_password_is_a_state_error_without_the_password(
    postgres_url: str, opener: Callable[[str], Any]
) -> None:
    parts = urllib.parse.urlsplit(postgres_url)
    query = "&".join(p for p in parts.query.split("&") if not p.startswith("passfile="))
    url = _replace(postgres_url, netloc=f"iaas:Wr0ng-Secret@{parts.hostname or ''}", query=query)
    with pytest.raises(StateError, match="refused the login") as caught:
        opener(url)
    assert "Wr0ng-Secret" not in str(caught.value)


def test_a_missing_database_is_a_state_error(postgres_url: str, opener: Callable[[str], Any]) -> None:
    with pytest.raises(StateError, match='database "absent" does not exist'):
        opener(_replace(postgres_url, path="/absent"))


def test_a_server_that_is_down_is_a_state_error(tmp_path: Path, opener: Callable[[str], Any]) -> None:
    with pytest.raises(StateError, match="not reachable") as caught:
        opener(f"postgresql://iaas:Secret9@/iaas?host={tmp_path}")
    assert "Secret9" not in str(caught.value)


def test_a_malformed_url_is_a_state_error_without_the_password(opener: Callable[[str], Any]) -> None:
    with pytest.raises(StateError, match="malformed database URL") as caught:
        opener("postgresql://iaas:Secret9@db:notaport/iaas")
    assert "Secret9" not in str(caught.value)


def test_a_state_schema_of_a_newer_iaas_is_refused_and_left_alone(postgres_url: str) -> None:
    with open_store(postgres_url, "web") as store:
        store.put(make_record("network.a"))
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE iaas_schema SET version = 99 WHERE component = 'state'")
    with pytest.raises(StateError, match="state schema is at version 99, written by a newer iaas"):
        open_store(postgres_url, "web")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM state_resources").fetchone()[0] == 1


def test_a_stopped_server_is_named_and_the_store_goes_on_once_it_is_back(private_postgres: Server) -> None:
    url = private_postgres.create_database()
    with open_store(url, "web") as store:
        store.put(make_record("network.a"))
        private_postgres.stop("immediate")
        with pytest.raises(StateError, match="not reachable .is it running"):
            store.put(make_record("network.b"))
        private_postgres.start()
        store.put(make_record("network.b"))
        assert sorted(store.read().resources) == ["network.a", "network.b"]
