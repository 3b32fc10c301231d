"""The house's static checks run with the tests, so a failing check fails CI as a failing test does.

Each check uses the tool and the configuration in pyproject.toml: ruff (lint and format) over the tree, mypy over
iaas/ and the providers (strict on the base parts: iaas.model, iaas.graph, iaas.state).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

CHECKS = {
    "ruff-check": ["ruff", "check", "--no-cache", "."],
    "ruff-format": ["ruff", "format", "--check", "--no-cache", "."],
    "mypy": ["mypy", "--cache-dir", "/dev/null"],
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_static_check_passes(name: str) -> None:
    command, *args = CHECKS[name]
    tool = BIN / command
    if not tool.exists():
        pytest.fail(f"{command} is not installed in {BIN}: run ./scripts/setup.sh")
    done = subprocess.run([str(tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{' '.join(CHECKS[name])} failed:\n{done.stdout}{done.stderr}"
