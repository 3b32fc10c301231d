"""The tables of the PostgreSQL state backend, version by version.

Every table's name starts with ``state_``, so the stack state can share one
database with the cloud's inventory.  JSON fields are kept as text, written
and read exactly as the SQLite backend does, so a record reads back equal.
"""

from __future__ import annotations

from iaas.db import Schema

SCHEMA = Schema(
    "state",
    {
        1: (
            """CREATE TABLE state_stacks (
                name TEXT PRIMARY KEY,
                lineage TEXT NOT NULL,
                serial BIGINT NOT NULL DEFAULT 0,
                outputs TEXT NOT NULL DEFAULT '{}',
                created_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE state_resources (
                stack TEXT NOT NULL REFERENCES state_stacks (name),
                address TEXT NOT NULL,
                kind TEXT NOT NULL,
                id TEXT,
                inputs TEXT NOT NULL,
                outputs TEXT NOT NULL,
                dependencies TEXT NOT NULL,
                status TEXT NOT NULL,
                extra TEXT NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (stack, address)
            )""",
            """CREATE TABLE state_locks (
                stack TEXT PRIMARY KEY REFERENCES state_stacks (name),
                owner TEXT NOT NULL,
                operation TEXT NOT NULL,
                acquired_at DOUBLE PRECISION NOT NULL,
                pid INTEGER NOT NULL,
                hostname TEXT NOT NULL,
                token TEXT NOT NULL,
                backend_pid INTEGER NOT NULL
            )""",
            """CREATE TABLE state_applies (
                id BIGSERIAL PRIMARY KEY,
                stack TEXT NOT NULL REFERENCES state_stacks (name),
                operation TEXT NOT NULL,
                owner TEXT NOT NULL,
                started_at DOUBLE PRECISION NOT NULL,
                finished_at DOUBLE PRECISION,
                status TEXT NOT NULL,
                summary TEXT NOT NULL DEFAULT '{}'
            )""",
            "CREATE INDEX state_applies_by_stack ON state_applies (stack, id)",
        ),
    },
)
