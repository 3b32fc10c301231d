"""``iaas plan`` refuses what the cloud's admission refuses, before anything is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.admission_cases import OUTSIDE, OUTSIDE_ERROR, OVERLAP_ERROR, OVERLAPPING, seed
from tests.cli.conftest import Runner


@pytest.mark.parametrize(
    ("kind", "values", "error"), [("network", OVERLAPPING, OVERLAP_ERROR), ("instance", OUTSIDE, OUTSIDE_ERROR)]
)
def test_plan_refuses_what_admission_refuses(
    iaas: Runner, home: Path, project: Path, kind: str, values: dict, error: tuple[str, str]
) -> None:
    seed(home, project / "deb.qcow2")
    body = "\n".join(f"      {k}: {v!r}" for k, v in values.items() if k != "name").replace("'", '"')
    (project / "stack.yaml").write_text(f"stack: mine\nresources:\n  {kind}:\n    {values['name']}:\n{body}\n")
    result = iaas("plan")
    assert result.code == 1 and f"Error: {kind}.{values['name']}.{error[0]}: {error[1]}" in result.err, result.err
