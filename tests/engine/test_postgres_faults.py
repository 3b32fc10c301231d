"""Applies whose PostgreSQL state database fails under them: a cut connection, a stopped server.

Each must end with a clear error or carry on, lose nothing, and the next run must converge.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

import iaas
from iaas.errors import StateError
from iaas.state.postgres import PostgresStore
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


def test_a_connection_killed_mid_apply_is_made_again_and_the_apply_finishes(home: Path, postgres_url: str) -> None:
    kills: list[int] = []
    done = threading.Event()

    def on_event(kind: str, address: str, info: dict[str, Any]) -> None:
        if kind == "done" and not done.is_set() and address.startswith("volume."):
            done.set()
            store = engine.store
            assert isinstance(store, PostgresStore)
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                row = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'iaas state t'"
                ).fetchone()
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", (row[0],))
            kills.append(row[0])

    with iaas.Engine.open("t", home=home, state=postgres_url, on_event=on_event) as engine:
        result = engine.apply(_stack())
        assert kills, "the connection was never killed"
        assert result.counts["create"] == 13
        assert len(engine.resources()) == 13
        assert engine.plan(_stack()).empty
        assert engine.history(1)[0].status == "succeeded"
    with iaas.Engine.open("t", home=home, state=postgres_url) as again:  # a new process's view
        assert again.plan(_stack()).empty


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
