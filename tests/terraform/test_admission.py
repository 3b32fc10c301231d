"""``terraform plan`` (PlanResourceChange) refuses what the cloud's admission refuses, with the CLI's message."""

from __future__ import annotations

from pathlib import Path

import pytest
from tf.gen import tfplugin_pb2 as pb

from iaas_terraform import codec
from iaas_terraform.objects import tf_object
from iaas_terraform.provider import Provider
from tests.admission_cases import OUTSIDE, OUTSIDE_ERROR, OVERLAP_ERROR, OVERLAPPING, seed


@pytest.mark.parametrize(
    ("kind", "values", "error"), [("network", OVERLAPPING, OVERLAP_ERROR), ("instance", OUTSIDE, OUTSIDE_ERROR)]
)
def test_plan_refuses_what_admission_refuses(tmp_path: Path, kind: str, values: dict, error: tuple[str, str]) -> None:
    seed(tmp_path / "home", tmp_path / "deb.qcow2")
    provider = Provider()
    settings = {"home": str(tmp_path / "home"), "cloud": None, "stack": "mine"}
    assert not provider.ConfigureProvider(pb.ConfigureProvider.Request(config=codec.encode(settings)), None).diagnostics
    config = codec.encode(tf_object(kind, values, {}))
    response = provider.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=f"iaas_{kind}", prior_state=codec.encode(None), proposed_new_state=config, config=config
        ),
        None,
    )
    provider.close()
    assert [d.summary for d in response.diagnostics] == [f"{error[0]}: {error[1]}"]
