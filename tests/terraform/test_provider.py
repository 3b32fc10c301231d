"""The protocol service in process: configuration, upgrades, and errors that become diagnostics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tf.gen import tfplugin_pb2 as pb

from iaas_terraform import codec
from iaas_terraform.objects import tf_object
from iaas_terraform.provider import Provider


def _configure(provider: Provider, **settings: str | None) -> pb.ConfigureProvider.Response:
    config = {"home": None, "cloud": None, "stack": None, **settings}
    return provider.ConfigureProvider(pb.ConfigureProvider.Request(config=codec.encode(config)), None)


def _plan(provider: Provider, kind: str, values: dict) -> pb.PlanResourceChange.Response:
    config = codec.encode(tf_object(kind, values, {}))
    return provider.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=f"iaas_{kind}", prior_state=codec.encode(None), proposed_new_state=config, config=config
        ),
        None,
    )


def test_cloud_config_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cloud = tmp_path / "cloud.yaml"
    cloud.write_text(json.dumps({"hosts": [{"name": "sim1", "uri": "test:///default"}], "home": str(tmp_path)}))
    provider = Provider()
    assert not _configure(provider, cloud=str(cloud), stack="web").diagnostics
    planned = codec.decode(_plan(provider, "network", {"name": "n", "cidr": "10.80.0.0/24"}).planned_state)
    assert planned["host"] == "sim1" and provider.settings.stack == "web"
    provider.close()

    monkeypatch.setenv("IAAS_CLOUD", str(tmp_path / "missing.yaml"))
    monkeypatch.setenv("IAAS_HOME", str(tmp_path / "home"))
    diags = _configure(Provider()).diagnostics
    assert [d.attribute.steps[0].attribute_name for d in diags] == ["cloud"]
    assert "no cloud config file" in diags[0].summary
    checked = Provider().ValidateProviderConfig(
        pb.ValidateProviderConfig.Request(
            config=codec.encode({"home": None, "cloud": str(tmp_path / "nope.yaml"), "stack": None})
        ),
        None,
    )
    assert [d.attribute.steps[0].attribute_name for d in checked.diagnostics] == ["cloud"]


def test_an_inline_cloud_config(tmp_path: Path) -> None:
    inline = json.dumps({"hosts": [{"name": "sim2", "uri": "test:///default"}], "home": str(tmp_path / "inline")})
    provider = Provider()
    assert not _configure(provider, cloud_config=inline).diagnostics
    planned = codec.decode(_plan(provider, "network", {"name": "n", "cidr": "10.81.0.0/24"}).planned_state)
    assert planned["host"] == "sim2"
    provider.close()
    diags = _configure(Provider(), cloud_config="hosts: 5").diagnostics
    assert [d.attribute.steps[0].attribute_name for d in diags] == ["cloud_config"]


def test_upgrade_fills_and_drops_attributes() -> None:
    raw = json.dumps({"name": "k", "public_key": "ssh-ed25519 AAAA", "id": "x", "old_attribute": 1}).encode()
    response = Provider().UpgradeResourceState(
        pb.UpgradeResourceState.Request(type_name="iaas_key_pair", version=0, raw_state=pb.RawState(json=raw)), None
    )
    assert codec.decode(response.upgraded_state) == {
        "name": "k",
        "public_key": "ssh-ed25519 AAAA",
        "id": "x",
        "fingerprint": None,
        "timeouts": None,  # the block every resource has
    }


def test_failures_are_diagnostics(tmp_path: Path) -> None:
    provider = Provider()
    _configure(provider, home=str(tmp_path))
    missing = provider.ImportResourceState(pb.ImportResourceState.Request(type_name="iaas_volume", id="nope"), None)
    assert not missing.imported_resources and "no volume named or with id 'nope'" in missing.diagnostics[0].summary
    unknown_type = provider.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name="iaas_frob", config=codec.encode({})), None
    )
    assert unknown_type.diagnostics[0].summary == "the iaas provider has no type 'iaas_frob'"
    prior = tf_object("volume", {"name": "v", "size_gib": 1}, {"id": "gone-id", "host": "default"})
    planned = {**prior, "size_gib": 2}
    failed = provider.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name="iaas_volume",
            prior_state=codec.encode(prior),
            planned_state=codec.encode(planned),
            config=codec.encode(planned),
        ),
        None,
    )
    assert failed.diagnostics and codec.decode(failed.new_state) == prior  # the object is as it was
    data = provider.ValidateDataResourceConfig(
        pb.ValidateDataResourceConfig.Request(type_name="iaas_image", config=codec.encode({"name": None, "id": None})),
        None,
    )
    assert data.diagnostics[0].attribute.steps[0].attribute_name == "name"
    provider.close()
