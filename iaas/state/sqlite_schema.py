"""Opening, checking and migrating an SQLite state database.

The database carries an application id (so a foreign SQLite file is told
apart from an iaas one) and a schema version in ``PRAGMA user_version``.
Opening a database from an older version upgrades it in one transaction;
one from a newer version is refused, as are files that are not SQLite, are
truncated, or cannot be read.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from iaas.errors import StateError
from iaas.files import private_database

#: Marks a SQLite file as an iaas state database ("iaas" in ASCII).
APPLICATION_ID = 0x69616173
#: The schema version this code writes; older databases are migrated to it.
SCHEMA_VERSION = 1
#: WAL pages after which a commit folds the WAL back into the database file.
#: WAL pages after which a commit folds the WAL back into the database (SQLite's
#: default).  The engine also calls :meth:`SQLiteStore.checkpoint` at the end of
#: every apply, so each apply pays for what it wrote, and a one-resource change
#: writes a few pages to the WAL and the same few pages to the database.
CHECKPOINT_PAGES = 4000
#: Bytes per database page for new state files.
PAGE_SIZE = 1024
#: Bytes the WAL file is cut back to after a bulk write has grown it.
WAL_SIZE_LIMIT = 1 << 20
#: Seconds a connection waits for another process's write transaction.
BUSY_TIMEOUT = 30.0

#: What to do about a damaged state file, said with every error that finds one.
DAMAGED_HINT = (
    "Restore the file from a backup; or move it aside, then adopt what the cloud holds for the stack "
    "into a new state with 'iaas state recover'"
)

#: Statements that bring a database from ``version - 1`` to ``version``.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE stacks (
            name TEXT PRIMARY KEY,
            lineage TEXT NOT NULL,
            serial INTEGER NOT NULL DEFAULT 0,
            outputs TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        )""",
        """CREATE TABLE resources (
            stack TEXT NOT NULL,
            address TEXT NOT NULL,
            kind TEXT NOT NULL,
            id TEXT,
            inputs TEXT NOT NULL,
            outputs TEXT NOT NULL,
            dependencies TEXT NOT NULL,
            status TEXT NOT NULL,
            extra TEXT NOT NULL,
            updated_at REAL NOT NULL,
            UNIQUE (stack, address)
        )""",
        """CREATE TABLE locks (
            stack TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            operation TEXT NOT NULL,
            acquired_at REAL NOT NULL,
            pid INTEGER NOT NULL,
            hostname TEXT NOT NULL,
            token TEXT NOT NULL
        )""",
        """CREATE TABLE applies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            stack TEXT NOT NULL,
            operation TEXT NOT NULL,
            owner TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            status TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX applies_by_stack ON applies (stack, id)",
    ),
}

_HEADER = b"SQLite format 3\x00"


class DatabaseBusy(StateError):
    """Another connection kept the database's write lock for longer than this one would wait."""


@contextlib.contextmanager
def translate_errors(path: str, action: str) -> Iterator[None]:
    """Turn any sqlite3 error inside the block into a StateError naming ``path``."""
    try:
        yield
    except sqlite3.Error as exc:
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
            raise DatabaseBusy(
                f"state database {path}: {action} failed: the database is busy: another process is "
                f"writing to it and did not finish in time ({text})"
            ) from exc
        raise StateError(f"state database {path}: {action} failed: {_explain(exc)}") from exc
    except UnicodeDecodeError as exc:  # SQLite's own message quoting damaged text, which Python cannot decode
        raise StateError(
            f"state database {path}: {action} failed: the file is corrupt (text stored in it is not valid "
            f"UTF-8: {exc.object[max(0, exc.start - 20) : exc.end + 20]!r}). {DAMAGED_HINT}"
        ) from exc


@contextlib.contextmanager
def busy_wait(conn: sqlite3.Connection, seconds: float) -> Iterator[None]:
    """Within the block, wait at most ``seconds`` for another connection's write lock."""
    conn.execute(f"PRAGMA busy_timeout={max(1, int(seconds * 1000))}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text or "malformed" in text or "Could not decode to UTF-8" in text:
        return f"the file is corrupt or not a SQLite database ({text}). {DAMAGED_HINT}"
    if "unable to open" in text or "readonly" in text:
        return f"the file cannot be opened for writing ({text})"
    return text


def check_file(path: str, *, settle: float = 1.0) -> None:
    """Refuse, before SQLite sees it, a path that cannot hold a state database.

    A file another process is creating this very moment may not hold its
    header yet: a bad header is looked at again for up to ``settle`` seconds
    before the file is called corrupt.
    """
    deadline = time.monotonic() + settle
    while True:
        try:
            _check_file(path)
            return
        except StateError as exc:
            if "unexpected file header" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _check_file(path: str) -> None:
    target = Path(path)
    try:
        if target.is_dir():
            raise StateError(f"state database {path}: is a directory, not a file")
        if not target.exists():
            _check_parent(path, target.parent)
            return
        with open(target, "rb") as handle:
            header = handle.read(100)
        size = target.stat().st_size
    except OSError as exc:
        raise StateError(f"state database {path}: cannot be read: {exc.strerror or exc}") from exc
    if size == 0:
        return
    if len(header) < 100 or not header.startswith(_HEADER):
        raise StateError(f"state database {path}: not a SQLite database (unexpected file header)")
    _check_length(path, header, size)


def _check_parent(path: str, parent: Path) -> None:
    if parent.exists() and not parent.is_dir():
        raise StateError(f"state database {path}: {parent} is not a directory")
    if not parent.is_dir():
        raise StateError(f"state database {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StateError(f"state database {path}: directory {parent} is not writable")


def _check_length(path: str, header: bytes, size: int) -> None:
    """Refuse a file shorter than its own header says, unless a WAL may explain it."""
    wal = Path(path + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96]
    if header_valid and pages and size < pages * page_size:
        raise StateError(
            f"state database {path}: truncated: the header counts {pages * page_size} bytes but the file has {size}"
        )


def connect(path: str) -> sqlite3.Connection:
    """Open ``path`` as a state database, creating or migrating its schema."""
    check_file(path)
    with translate_errors(path, "opening"):
        if path != ":memory:":
            private_database(path)  # it holds every resource's inputs, user data included
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
    try:
        with translate_errors(path, "opening"):
            _configure(conn)
            ensure_schema(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode=WAL``, tried again while another process holds the new file: SQLite answers that
    pragma "database is locked" at once, without waiting, when several processes create one database together."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure(conn: sqlite3.Connection) -> None:
    # Small pages: a change rewrites whole pages (in the WAL, then in the file), so the cost of changing
    # one resource follows the page size. Takes effect when the file is created (before WAL mode).
    conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
    _switch_to_wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
    conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")


def ensure_schema(conn: sqlite3.Connection, path: str) -> None:
    """Check the database's identity and version; create or migrate its schema."""
    version = _identify(conn, path)
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _identify(conn, path)  # another process may have just done it
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target]:
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _identify(conn: sqlite3.Connection, path: str) -> int:
    """Return the schema version of an iaas database; refuse anything else."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id not in (0, APPLICATION_ID):
        raise StateError(
            f"state database {path}: is a SQLite database of another application "
            f"(application id {app_id:#x}), not iaas state"
        )
    if app_id == 0:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if tables:
            raise StateError(
                f"state database {path}: is a SQLite database but not iaas state "
                f"(it holds tables: {', '.join(sorted(tables)[:5])})"
            )
        return 0
    if version > SCHEMA_VERSION:
        raise StateError(
            f"state database {path}: has schema version {version}, newer than this "
            f"iaas supports ({SCHEMA_VERSION}); upgrade iaas to use it"
        )
    if version < 1:
        raise StateError(f"state database {path}: has an invalid schema version {version}")
    return version
