"""A team's PostgreSQL database as the state: chosen by --state, IAAS_DATABASE_URL or the cloud config, shared by
operators with separate homes, and filled from an existing SQLite home by ``iaas state migrate``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iaas.cli import main
from iaas.state import ResourceRecord, open_store

from .conftest import ADDRESSES, Result, Runner, subprocess_env
from .test_lock import HOLDER


def _run(home: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> Result:
    capsys.readouterr()
    code = main([*args, "--home", str(home)])
    out = capsys.readouterr()
    return Result(code, out.out, out.err)


def test_two_homes_sharing_one_url_see_one_state_and_one_lock(
    project: Path,
    tmp_path: Path,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    assert _run(alice, "apply", "--auto-approve", "--state", postgres_url, capsys=capsys).code == 0
    monkeypatch.setenv("IAAS_DATABASE_URL", postgres_url)
    listed = _run(bob, "state", "list", capsys=capsys)
    assert listed.out.split() == ADDRESSES
    assert "apply" in _run(bob, "state", "history", capsys=capsys).out
    assert not (bob / "state.db").exists()
    # Bob's home has its own simulated host, so he plans from the recorded state alone.
    assert _run(bob, "plan", "--no-refresh", "--detailed-exitcode", capsys=capsys).code == 0

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, postgres_url, "t"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        refused = _run(alice, "apply", "--auto-approve", capsys=capsys)
        assert refused.code == 1
        assert "locked by holder@test pid 1 (apply)" in refused.err
    finally:
        holder.kill()
        holder.wait()
    # The holder died: its lock went with its connection.
    assert _run(alice, "apply", "--auto-approve", "--lock-timeout", "30", capsys=capsys).code == 0


def test_state_migrate_moves_a_sqlite_home_into_postgres(
    applied: Runner, home: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(home / "state.db", "t") as local:
        before = local.read()
    moved = applied("state", "migrate", "--to", postgres_url)
    assert moved.code == 0, moved.err
    assert "t: 4 resource(s) copied" in moved.out
    assert "cloud inventory: 5 object(s), 0 of them already there" in moved.out
    with open_store(postgres_url, "t") as shared:
        after = shared.read()
    assert after.lineage == before.lineage
    assert after.resources == before.resources and after.outputs == before.outputs
    again = applied("state", "migrate", "--to", postgres_url).out
    assert "t: 4 resource(s) already there" in again
    assert "cloud inventory: 5 object(s), 5 of them already there" in again
    monkeypatch.setenv("IAAS_DATABASE_URL", postgres_url)
    assert applied("plan", "--detailed-exitcode").code == 0
    assert applied("state", "list").out.split() == ADDRESSES


def test_state_migrate_refuses_to_overwrite_another_state(applied: Runner, postgres_url: str) -> None:
    with open_store(postgres_url, "t") as shared:
        shared.put(ResourceRecord(address="network.other", kind="network", id="n-1"))
    refused = applied("state", "migrate", "--to", postgres_url)
    assert refused.code == 1
    assert "already holds another state" in refused.err
    with open_store(postgres_url, "t") as shared:
        assert list(shared.read().resources) == ["network.other"]


def test_state_migrate_needs_a_source_and_a_target(iaas: Runner, postgres_url: str) -> None:
    assert "--to URL" in iaas("state", "migrate").err
    missing = iaas("state", "migrate", "--to", postgres_url)
    assert missing.code == 1 and "does not exist; nothing to move" in missing.err


def test_the_cloud_config_names_the_database(iaas: Runner, project: Path, home: Path, postgres_url: str) -> None:
    config = project / "cloud.yaml"
    config.write_text(f"home: {home}\ndatabase: '{postgres_url}'\n")
    assert iaas("apply", "--auto-approve", "--cloud", str(config)).code == 0
    assert not (home / "state.db").exists()
    with open_store(postgres_url, "t") as shared:
        assert sorted(shared.read().resources) == ADDRESSES


def test_a_malformed_database_in_the_cloud_config_names_the_field(iaas: Runner, project: Path) -> None:
    config = project / "cloud.yaml"
    config.write_text("database: 'postgresql://u:Secret7@db:port/x'\n")
    result = iaas("plan", "--cloud", str(config))
    assert result.code == 1
    assert "database: " in result.err and "malformed database URL" in result.err
    assert "Secret7" not in result.err
