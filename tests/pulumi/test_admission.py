"""A Pulumi preview refuses what the cloud's admission refuses, with the CLI's message."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from tests.admission_cases import OUTSIDE, OUTSIDE_ERROR, OVERLAP_ERROR, OVERLAPPING, seed
from tests.pulumi.harness import Plugin
from tests.pulumi.test_check import wire


@pytest.mark.parametrize(
    ("kind", "values", "error"), [("network", OVERLAPPING, OVERLAP_ERROR), ("instance", OUTSIDE, OUTSIDE_ERROR)]
)
def test_preview_refuses_what_admission_refuses(
    tmp_path: Path, kind: str, values: dict, error: tuple[str, str]
) -> None:
    seed(tmp_path / "home", tmp_path / "deb.qcow2")
    plugin = Plugin(tmp_path)
    try:
        plugin.configure({"home": str(tmp_path / "home")})
        checked, failures = plugin.check(kind, str(values["name"]), wire(values))
        assert failures == []
        with pytest.raises(grpc.RpcError) as raised:
            plugin.create(kind, str(values["name"]), checked, preview=True)
    finally:
        plugin.close()
    assert f"{error[0]}: {error[1]}" in raised.value.details()
