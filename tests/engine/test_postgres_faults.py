"""Applies whose PostgreSQL database fails under them: a cut connection, a stopped server.

The database holds the stack's state and the cloud's inventory, each on its own connection; either may be cut.
Each must end with a clear error or carry on, lose nothing, and the next run must converge.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

import iaas
from iaas.cloud.store import Store
from iaas.cloud.store_backends import PostgresBackend
from iaas.errors import ApplyError, StateError
from tests.postgres_server import Server

from .conftest import PUBLIC_KEY


def _stack() -> iaas.Stack:
    stack = iaas.Stack("t")
    for n in range(4):
        stack.add(iaas.Network(name=f"n{n}", cidr=f"10.31.{n}.0/24"))
        stack.add(iaas.SecurityGroup(name=f"sg{n}", rules=[iaas.Rule(port_min=22 + n)]))
        stack.add(iaas.Volume(name=f"v{n}", size_gib=1))
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
    return stack


def _terminate(url: str, application: str) -> int:
    """End the session of the client named ``application`` from outside, as an administrator would."""
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(  # the newest: one just ended may still be listed
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s ORDER BY backend_start DESC LIMIT 1",
            (application,),
        ).fetchone()
        assert row is not None, f"no session of {application!r}"
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (row[0],))
    return int(row[0])


@pytest.mark.parametrize("victim", ["iaas state t", "iaas inventory"], ids=["state", "inventory"])
def test_a_connection_killed_mid_apply_is_made_again_and_the_apply_finishes(
    home: Path, postgres_url: str, victim: str
) -> None:
    kills: list[int] = []
    done = threading.Event()

    def on_event(kind: str, address: str, info: dict[str, Any]) -> None:
        if kind == "done" and not done.is_set() and address.startswith("volume."):
            done.set()
            kills.append(_terminate(postgres_url, victim))

    # One step at a time, so the kill falls between two writes (a commit cut in flight is another test's).
    with iaas.Engine.open("t", home=home, state=postgres_url, on_event=on_event, parallelism=1) as engine:
        assert engine.cloud.inventory.shared
        result = engine.apply(_stack())
        assert kills, "the connection was never killed"
        assert result.counts["create"] == 13
        assert len(engine.resources()) == 13
        assert engine.plan(_stack()).empty
        assert engine.history(1)[0].status == "succeeded"
    with iaas.Engine.open("t", home=home, state=postgres_url) as again:  # a new process's view
        assert again.plan(_stack()).empty
        assert len(again.cloud.inventory.list()) == 13


def _converged(engine: iaas.Engine) -> None:
    """One inventory record per resource of the state, no reservation left, one host object per record."""
    inventory = engine.cloud.inventory
    assert sorted(r.address or "" for r in inventory.list()) == sorted(engine.resources())
    assert inventory.reservations() == []
    on_host = {r.id for r in inventory.list() if r.kind in ("network", "volume")}
    managed = engine.cloud.hosts["default"].list_managed()
    assert len(managed) == len(on_host) == 8
    assert all(o.uuid in on_host or any(i in o.name for i in on_host) for o in managed)


def _apply_through_cuts(home: Path, url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Apply the stack one step at a time while writes are cut: each cut write runs again, and all converges."""
    with iaas.Engine.open("t", home=home, state=url, parallelism=1) as engine:
        with caplog.at_level(logging.WARNING, logger="iaas.cloud.store"):
            result = engine.apply(_stack())
        assert result.counts["create"] == 13
        assert engine.plan(_stack()).empty
        _converged(engine)
    again = [r for r in caplog.records if "running the transaction again" in r.getMessage()]
    assert again and all(r.name == "iaas.cloud.store" for r in again)


def test_an_inventory_connection_killed_inside_a_write_runs_that_write_again(
    home: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kills: list[int] = []
    confirm = Store.confirm

    def confirm_on_a_cut_connection(store: Store, owner: str) -> None:
        if not kills:  # inside the transaction that records the first object made
            kills.append(_terminate(postgres_url, "iaas inventory"))
        confirm(store, owner)

    monkeypatch.setattr(Store, "confirm", confirm_on_a_cut_connection)
    _apply_through_cuts(home, postgres_url, caplog)
    assert len(kills) == 1


def test_an_inventory_commit_whose_connection_breaks_is_settled_by_asking_the_server(
    home: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kills: list[int] = []
    commits: list[bool] = []
    end = PostgresBackend.end

    def commit_on_a_cut_connection(backend: PostgresBackend, commit: bool) -> None:
        if commit:
            commits.append(True)
            if len(commits) in (1, 3, 5):  # three transactions, each cut once (the 2nd, 4th, 6th run them again)
                kills.append(_terminate(postgres_url, "iaas inventory"))
        end(backend, commit)

    monkeypatch.setattr(PostgresBackend, "end", commit_on_a_cut_connection)
    _apply_through_cuts(home, postgres_url, caplog)
    assert len(kills) == 3


def test_an_inventory_write_whose_connection_breaks_twice_fails_clearly_and_the_rerun_converges(
    home: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kills: list[int] = []
    confirm = Store.confirm

    def confirm_on_a_cut_connection(store: Store, owner: str) -> None:
        if len(kills) < 2:  # the write and its second attempt
            kills.append(_terminate(postgres_url, "iaas inventory"))
        confirm(store, owner)

    monkeypatch.setattr(Store, "confirm", confirm_on_a_cut_connection)
    with iaas.Engine.open("t", home=home, state=postgres_url, parallelism=1) as engine:
        with pytest.raises(ApplyError) as failed:
            engine.apply(_stack())
        assert len(kills) == 2
        message = str(failed.value)
        assert "cloud inventory: database postgresql://" in message
        assert "the connection to the server was lost" in message
        monkeypatch.undo()
        engine.apply(_stack())
        assert engine.plan(_stack()).empty
        _converged(engine)


def test_a_server_stopped_before_a_plan_is_named_and_nothing_is_lost(home: Path, private_postgres: Server) -> None:
    url = private_postgres.create_database()
    with iaas.Engine.open("t", home=home, state=url) as engine:
        engine.apply(_stack())
        private_postgres.stop()
        try:
            with pytest.raises(StateError, match="not reachable .is it running"):
                engine.plan(_stack())
        finally:
            private_postgres.start()
        assert engine.plan(_stack()).empty
        assert len(engine.resources()) == 13


def test_a_missing_database_is_named_and_the_right_one_then_works(home: Path, postgres_url: str) -> None:
    missing = postgres_url.replace("@/", "@/nothere_", 1)
    with pytest.raises(StateError, match=r'database "nothere_\w+" does not exist; create it'):
        iaas.Engine.open("t", home=home, state=missing)
    with iaas.Engine.open("t", home=home, state=postgres_url) as engine:
        engine.apply(_stack())
        assert engine.plan(_stack()).empty


class _CutAfterTheBump:
    """A state connection whose session is ended from outside right after a write's last statement, before COMMIT."""

    def __init__(self, conn: Any, url: str, kills: list[int], bumps: list[int]) -> None:
        self._conn, self._url, self._kills, self._bumps = conn, url, kills, bumps

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def execute(self, sql: str, args: Any = None) -> Any:
        cursor = self._conn.execute(sql, args)
        if sql.startswith("UPDATE state_stacks SET serial"):
            self._bumps.append(1)
            if len(self._bumps) in (1, 3, 5):  # three writes, each cut once (the 2nd, 4th, 6th run them again)
                self._kills.append(_terminate(self._url, "iaas state t"))
        return cursor


def test_a_state_commit_cut_in_flight_is_settled_by_asking_the_server(
    home: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from iaas import db

    kills: list[int] = []
    bumps: list[int] = []
    connect = db.connect

    def cutting(url: Any, *, application: str = "iaas") -> Any:
        conn = connect(url, application=application)
        return _CutAfterTheBump(conn, postgres_url, kills, bumps) if application == "iaas state t" else conn

    monkeypatch.setattr(db, "connect", cutting)
    with iaas.Engine.open("t", home=home, state=postgres_url, parallelism=1) as engine:
        with caplog.at_level(logging.WARNING, logger="iaas.state.postgres"):
            result = engine.apply(_stack())
        assert len(kills) == 3 and result.counts["create"] == 13
        assert engine.plan(_stack()).empty
        _converged(engine)
    assert sum("connecting again" in r.getMessage() for r in caplog.records) >= 3
