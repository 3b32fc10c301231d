"""Fixtures shared by every test directory: a PostgreSQL server for the session, a fresh database per test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.postgres_server import Server, running_server


@pytest.fixture(scope="session", autouse=True)
def _yaml_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Parsed stack files and cloud configs are kept in a folder of the session's, not in the user's cache."""
    os.environ["IAAS_CACHE_DIR"] = str(tmp_path_factory.mktemp("yaml-cache"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A private PostgreSQL 15 server (see tests/postgres_server.py); skipped only when not root and none can be had."""
    with running_server() as (server, why):
        if server is None:
            if os.geteuid() == 0:
                pytest.fail(why)
            pytest.skip(why)
        yield server


@pytest.fixture
def postgres_url(postgres_server: Server) -> Iterator[str]:
    """The URL of a new, empty database on the session's server, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(scope="module")
def private_postgres(postgres_server: Server) -> Iterator[Server]:
    """A server of the module's own, to stop and start at will (the session's server stays up for the others)."""
    if postgres_server.directory is None:
        pytest.skip("stopping a server needs one started by the tests (IAAS_TEST_DATABASE_URL is set)")
    with running_server() as (server, why):
        if server is None:
            pytest.fail(why)
        yield server


def _missing_debian_packages(script: str) -> list[str]:
    """The Debian packages that a project script (scripts/libvirtd-host.sh, scripts/postgres.sh) would install."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", script)
    found = re.search(r"^PACKAGES=\(([^)]*)\)", open(path, encoding="utf-8").read(), re.MULTILINE)
    if found is None or shutil.which("dpkg-query") is None:
        return []
    wanted = found.group(1).split()
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", *wanted],
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {line.split()[0] for line in done.stdout.splitlines() if line.endswith(" installed")}
    return [p for p in wanted if p not in installed]


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say up front what the session will install on this machine, before it spends minutes doing so."""
    lines = []
    for script, what in (("libvirtd-host.sh", "real-host tests"), ("postgres.sh", "PostgreSQL tests")):
        missing = _missing_debian_packages(script)
        if missing:
            lines.append(
                f"{what}: will install Debian packages on first use, with their dependencies (about a minute or"
                f" more; ./scripts/setup.sh --real-hosts --postgres installs them ahead): {' '.join(missing)}"
            )
    return lines
