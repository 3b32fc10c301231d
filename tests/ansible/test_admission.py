"""Check mode refuses what the cloud's admission refuses, with the CLI's message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.admission_cases import OUTSIDE, OUTSIDE_ERROR, OVERLAP_ERROR, OVERLAPPING, seed


@pytest.mark.parametrize(
    ("kind", "values", "error"), [("network", OVERLAPPING, OVERLAP_ERROR), ("instance", OUTSIDE, OUTSIDE_ERROR)]
)
def test_check_mode_refuses_what_admission_refuses(
    run_module: Callable[..., dict[str, Any]], tmp_path: Path, kind: str, values: dict, error: tuple[str, str]
) -> None:
    seed(tmp_path / "home", tmp_path / "deb.qcow2")
    result = run_module(kind, {"cloud": {"home": str(tmp_path / "home")}, **values}, check_mode=True)
    assert result["failed"] and result["msg"] == f"option {error[0]}: {error[1]}", result
