"""A private PostgreSQL server for the tests, started by scripts/postgres.sh, and a fresh database per test.

The server runs for the whole session (as the ``postgres`` user when the tests
run as root), listening only on a Unix socket in its own directory, and the
script installs PostgreSQL 15 first when it is missing.  When the tests do
not run as root and no server can be had, the tests that need one are
skipped; as root (as in CI) a server that cannot start fails them.  Set
IAAS_TEST_DATABASE_URL to use a server of your own instead (its user needs
the right to create databases).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "postgres.sh"
_numbers = itertools.count(1)


@attrs.define
class Server:
    """A running PostgreSQL server the tests may create databases on."""

    url: str  # of its maintenance database
    directory: Path | None = None  # when started by the tests

    def url_of(self, database: str) -> str:
        """The URL of ``database`` on this server."""
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + database))

    def admin(self) -> contextlib.AbstractContextManager:  # type: ignore[type-arg]
        """An autocommit connection to the maintenance database."""
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def create_database(self) -> str:
        """Create an empty database; return its URL."""
        name = f"t{os.getpid()}_{next(_numbers)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" STRATEGY FILE_COPY')  # faster than WAL_LOG here
        return self.url_of(name)

    def drop_database(self, url: str) -> None:
        """Drop the database at ``url``, ending its sessions."""
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def script(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """Run scripts/postgres.sh on this server's directory."""
        assert self.directory is not None, "the server was not started by the tests"
        return subprocess.run(
            [str(SCRIPT), argv[0], str(self.directory), *argv[1:]], capture_output=True, text=True, check=False
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` as a crash would)."""
        done = self.script("stop", mode)
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        """Start the server again after :meth:`stop`."""
        done = self.script("start", *SETTINGS)
        assert done.returncode == 0, done.stderr


#: Settings of the test server: durability against a crash of the machine is not needed.
SETTINGS = ("fsync=off", "full_page_writes=off", "max_connections=200")


def start_server() -> tuple[Server | None, str]:
    """Start a server for the session; return it, or None and why not."""
    given = os.environ.get("IAAS_TEST_DATABASE_URL")
    if given:
        return Server(url=given), ""
    directory = Path(tempfile.mkdtemp(prefix="iaas-pg-", dir="/tmp"))
    done = subprocess.run(
        [str(SCRIPT), "start", str(directory), *SETTINGS], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        return None, f"scripts/postgres.sh could not start a server: {done.stderr.strip()[-800:]}"
    return Server(url=done.stdout.strip(), directory=directory), ""


@contextlib.contextmanager
def running_server() -> Iterator[tuple[Server | None, str]]:
    """A server for the duration of the block, stopped and removed after it."""
    server, why = start_server()
    try:
        yield server, why
    finally:
        if server is not None and server.directory is not None:
            server.script("stop", "immediate")
            shutil.rmtree(server.directory, ignore_errors=True)
