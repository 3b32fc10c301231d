"""User data at rest: files that hold it are private; it never shows in logs, errors or history rows."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import Runner

SECRET = "hunter2"


def test_user_data_is_kept_private(iaas: Runner, home: Path, project: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    applied = iaas("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    (project / "stack.yaml").write_text((project / "stack.yaml").read_text().replace("10.60.0.10", "10.99.0.10"))
    refused = iaas("apply", "--auto-approve")
    assert refused.code == 1 and "nics[0].fixed_ip" in refused.err
    for path in home.rglob("*.db*"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert SECRET not in caplog.text
    assert SECRET not in applied.out + applied.err + refused.out + refused.err
    with sqlite3.connect(home / "state.db") as db:
        rows = db.execute("SELECT * FROM applies").fetchall()
    assert rows and SECRET not in repr(rows)
