"""The cloud's own inventory: every object it manages, whichever stack made it.

Kinds that are not libvirt objects (projects, key pairs, security groups,
server groups, port forwards) live only here; libvirt-backed kinds are recorded
here too, so quotas count across stacks and nothing is unfindable.  SQLite,
one small transaction per change, safe to use from several threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import attrs

from iaas.errors import StateError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    stack TEXT,
    address TEXT,
    project TEXT,
    host TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_kind_name ON objects(kind, name);
CREATE INDEX IF NOT EXISTS objects_project ON objects(project);
CREATE INDEX IF NOT EXISTS objects_stack ON objects(stack);
"""


@attrs.define
class InventoryRecord:
    """One managed object."""

    id: str
    kind: str
    name: str
    stack: str | None = None
    address: str | None = None
    project: str | None = None
    host: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict)

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs recorded when the object was last created, changed or adopted."""
        return dict((self.data or {}).get("inputs") or {})

    @property
    def outputs(self) -> dict[str, Any]:
        """The outputs recorded when the object was last created, changed or adopted."""
        return dict((self.data or {}).get("outputs") or {})


class Inventory:
    """SQLite-backed record of managed objects (``:memory:`` for a throwaway cloud)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StateError(f"cloud inventory {self.path}: {exc}") from exc

    def _row(self, row: tuple[Any, ...]) -> InventoryRecord:
        return InventoryRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], data=json.loads(row[7]))

    def put(self, rec: InventoryRecord) -> None:
        """Insert or replace a record."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?,?,?)",
                (
                    rec.id,
                    rec.kind,
                    rec.name,
                    rec.stack,
                    rec.address,
                    rec.project,
                    rec.host,
                    json.dumps(rec.data, sort_keys=True),
                ),
            )

    def get(self, id: str) -> InventoryRecord | None:
        """The record with this id, or None."""
        with self._lock:
            row = self._db.execute("SELECT * FROM objects WHERE id=?", (id,)).fetchone()
        return self._row(row) if row else None

    def find(self, kind: str, name_or_id: str) -> InventoryRecord | None:
        """A record of ``kind`` by id or by name (the first if several share the name)."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM objects WHERE kind=? AND (id=? OR name=?) ORDER BY id=? DESC LIMIT 1",
                (kind, name_or_id, name_or_id, name_or_id),
            ).fetchone()
        return self._row(row) if row else None

    def release(self, id: str) -> None:
        """Clear the stack and address of a record (the object is left to no stack)."""
        with self._lock:
            self._db.execute("UPDATE objects SET stack=NULL, address=NULL WHERE id=?", (id,))

    def delete(self, id: str) -> None:
        """Remove a record; removing a missing one is not an error."""
        with self._lock:
            self._db.execute("DELETE FROM objects WHERE id=?", (id,))

    def list(
        self, kind: str | None = None, *, project: str | None = None, stack: str | None = None, host: str | None = None
    ) -> list[InventoryRecord]:
        """Records filtered by kind, project, stack and host."""
        where, args = [], []
        for col, val in (("kind", kind), ("project", project), ("stack", stack), ("host", host)):
            if val is not None:
                where.append(f"{col}=?")
                args.append(val)
        sql = "SELECT * FROM objects" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY kind, name"
        with self._lock:
            return [self._row(r) for r in self._db.execute(sql, args).fetchall()]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
