"""Where the inventory's tables live: a SQLite file or a PostgreSQL database.

:class:`iaas.cloud.store.Store` writes its SQL once, with ``?`` placeholders;
a backend is what differs between the two engines: how to connect, how a
write transaction keeps other writers out, how the schema's version is kept
and checked, how placeholders are spelled.

* SQLite: one file per cloud home (created 0600, WAL); ``BEGIN IMMEDIATE``
  takes the file's write lock; the version is in table ``schema_version``.
* PostgreSQL: a database a team shares; a transaction takes the transaction
  advisory lock of the inventory (``pg_advisory_xact_lock``), released at
  commit or rollback, or when the session dies; the version is that of the
  component ``inventory`` in table ``iaas_schema``.  A connection that broke
  (killed, server restarted) is made again before the next transaction or
  read; one that breaks inside a transaction fails that transaction, whose
  writes are then all lost, never half kept (a break during the commit
  itself is settled by asking the server, ``txid_status``, whether the
  transaction was kept).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from iaas import db
from iaas.cloud.store_schema import HOLDINGS_SINCE, MIGRATIONS, SCHEMA_VERSION
from iaas.errors import DatabaseError, StateError
from iaas.files import private_database

log = logging.getLogger(__name__)

#: The inventory's tables and versions, as the PostgreSQL migration runner takes them.
SCHEMA = db.Schema("inventory", MIGRATIONS)

Args = Sequence[Any]


class Backend(Protocol):
    """What the store needs of a database engine."""

    #: The database, for messages (a URL's password masked).
    location: str
    #: The version a database older than ``HOLDINGS_SINCE`` was upgraded from when opened (its holdings must be
    #: filled in), else None.
    migrated_from: int | None

    def execute(self, sql: str, args: Args = ()) -> Any:
        """Run one statement written with ``?`` placeholders; a cursor to fetch from."""

    def begin(self) -> None:
        """Start a transaction that no other writer runs beside."""

    def end(self, commit: bool) -> None:
        """Commit or roll back the transaction."""

    def version(self) -> int:
        """The schema version of the database (0: empty)."""

    def close(self) -> None:
        """Close the connection."""


class TransactionLost(StateError):
    """The connection broke inside a transaction, before its commit: nothing of it was kept, it may run again."""


def open_backend(location: str) -> Backend:
    """The backend of ``location``: ``:memory:``, a file path, ``sqlite:///path`` or ``postgresql://…``."""
    if location == ":memory:":
        return SQLiteBackend(location)
    try:
        url = db.parse_url(location)
    except DatabaseError as exc:
        raise StateError(f"cloud inventory: {exc}") from None
    if url.is_postgres:
        return PostgresBackend(url)
    assert url.path is not None
    return SQLiteBackend(url.path)


def _newer(location: str, found: int) -> StateError:
    return StateError(
        f"cloud inventory {location}: schema version {found} was written by a newer iaas "
        f"(this one knows up to {SCHEMA_VERSION}); upgrade iaas"
    )


class SQLiteBackend:
    """The inventory in a SQLite file (see the module docs)."""

    def __init__(self, path: str) -> None:
        self.location = path
        self.migrated_from: int | None = None
        try:
            if path != ":memory:":
                private_database(path)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"cloud inventory {path}: {exc}") from exc

    def execute(self, sql: str, args: Args = ()) -> sqlite3.Cursor:
        """Run one statement (see :class:`Backend`)."""
        try:
            return self._db.execute(sql, args)
        except sqlite3.OperationalError as exc:
            raise StateError(f"cloud inventory {self.location}: {exc}") from exc

    def begin(self) -> None:
        """Take the file's write lock at once (``BEGIN IMMEDIATE``)."""
        self.execute("BEGIN IMMEDIATE")

    def end(self, commit: bool) -> None:
        """Commit or roll back."""
        self.execute("COMMIT" if commit else "ROLLBACK")

    def version(self) -> int:
        """The schema version (1: the layout before versions were kept)."""
        has = self.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name IN ('schema_version', 'objects')"
        )
        tables = {r[0] for r in has.fetchall()}
        if "schema_version" in tables:
            return int(self.execute("SELECT version FROM schema_version").fetchone()[0])
        return 1 if "objects" in tables else 0

    def _migrate(self) -> None:
        self.begin()
        try:
            current = self._upgrade()
        except BaseException:
            self.end(commit=False)
            raise
        self.end(commit=True)
        if 0 < current < HOLDINGS_SINCE:
            self.migrated_from = current

    def _upgrade(self) -> int:
        current = self.version()
        if current > SCHEMA_VERSION:
            raise _newer(self.location, current)
        if current == SCHEMA_VERSION:
            return current
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                self.execute(statement)
        self.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        self.execute("DELETE FROM schema_version")
        self.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        return current

    def close(self) -> None:
        """Close the file."""
        self._db.close()


class PostgresBackend:
    """The inventory in a PostgreSQL database (see the module docs)."""

    def __init__(self, url: db.DatabaseURL) -> None:
        self._url = url
        self.location = url.display
        self.migrated_from: int | None = None
        self._conn: Any = None
        self._in_transaction = False
        self._lock_key = db.advisory_key("inventory", "writes")
        self._xid = 0  # the id of the running write transaction
        self._marks: dict[str, str] = {}
        with self._errors("opening"):
            found = db.current_version(self._connection(), SCHEMA.component)
            if found > SCHEMA_VERSION:
                raise _newer(self.location, found)
            found = db.migrate(self._connection(), SCHEMA, where=f"cloud inventory {self.location}")
        if 0 < found < HOLDINGS_SINCE:
            self.migrated_from = found

    @contextlib.contextmanager
    def _errors(self, action: str, *, keep_lost: bool = False) -> Iterator[None]:
        """Errors of the block as StateErrors; a lost connection is dropped (and kept as is with ``keep_lost``)."""
        try:
            with db.translate_errors(self._url, action):
                yield
        except db.ConnectionLost as exc:
            self._drop()
            if keep_lost:
                raise
            raise StateError(f"cloud inventory: {exc}") from None
        except DatabaseError as exc:
            if "newer iaas" in str(exc):
                raise StateError(str(exc)) from None
            raise StateError(f"cloud inventory: {exc}") from None

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._conn = db.connect(self._url, application="iaas inventory")
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        db.close_quietly(conn)

    def _sql(self, sql: str) -> str:
        marked = self._marks.get(sql)
        if marked is None:
            marked = self._marks[sql] = sql.replace("?", "%s")
        return marked

    def _run(self, action: str, sql: str, args: Args) -> Any:
        """Run a statement; outside a transaction, once more on a new connection when the old one broke."""
        for attempt in (1, 2):
            try:
                with self._errors(action, keep_lost=True):
                    return self._connection().execute(self._sql(sql), tuple(args) or None)
            except db.ConnectionLost as exc:
                if self._in_transaction:
                    self._in_transaction = False
                    raise TransactionLost(f"cloud inventory: {exc}") from None
                if attempt == 2:
                    raise StateError(f"cloud inventory: {exc}") from None
                log.warning("cloud inventory %s: %s; connecting again", self.location, exc)
        raise AssertionError("unreachable")

    def execute(self, sql: str, args: Args = ()) -> Any:
        """Run one statement (see :class:`Backend`)."""
        return self._run("a statement" if self._in_transaction else "reading", sql, args)

    def begin(self) -> None:
        """Start a transaction holding the inventory's advisory lock until it ends (on a new connection if need be)."""
        for attempt in (1, 2):
            self._run("starting a transaction", "BEGIN", ())
            self._in_transaction = True
            try:
                row = self._run(
                    "waiting for the inventory's lock",
                    "SELECT pg_advisory_xact_lock(?), txid_current()",
                    (self._lock_key,),
                ).fetchone()
                self._xid = int(row[1])
                return
            except TransactionLost as exc:  # nothing was done yet: start again on a new connection
                if attempt == 2:
                    raise StateError(str(exc)) from None
                log.warning("cloud inventory %s: %s; connecting again", self.location, exc)

    def end(self, commit: bool) -> None:
        """Commit (a connection lost now leaves unknown whether it was kept) or roll back."""
        if not self._in_transaction:  # the connection broke inside: the server rolled back already
            if commit:
                raise StateError(f"cloud inventory {self.location}: the transaction was lost with the connection")
            return
        self._in_transaction = False
        if not commit:
            with contextlib.suppress(StateError):
                with self._errors("rolling back"):
                    self._connection().execute("ROLLBACK")
            return
        try:
            with self._errors("committing", keep_lost=True):
                self._connection().execute("COMMIT")
        except db.ConnectionLost as exc:
            self._settle(exc)

    def _settle(self, lost: db.ConnectionLost) -> None:
        """Whether the transaction whose commit was cut was kept: return if it was; TransactionLost if not."""
        with self._errors("asking whether the interrupted commit was kept"):
            status = db.commit_status(lambda sql, args: self._connection().execute(sql, args), self._xid)
        if status == "committed":
            log.warning("cloud inventory %s: %s; the commit was kept", self.location, lost)
            return
        if status == "aborted":
            raise TransactionLost(f"cloud inventory: {lost}")
        raise StateError(f"cloud inventory: {lost}; the change may or may not have been saved")

    def version(self) -> int:
        """The version of the inventory's schema recorded in ``iaas_schema``."""
        with self._errors("reading the schema version"):
            return db.current_version(self._connection(), SCHEMA.component)

    def close(self) -> None:
        """Close the connection."""
        self._drop()
