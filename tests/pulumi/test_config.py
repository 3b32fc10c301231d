"""Provider configuration: the cloud by file or inline, IAAS_HOME and IAAS_CLOUD, and CheckConfig failures."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest
from pulumi.runtime import proto

from tests.pulumi.harness import Plugin, plain, struct, urn


def provider_check(plugin: Plugin, news: dict[str, str]) -> list[tuple[str, str]]:
    r = plugin.stub.CheckConfig(
        proto.CheckRequest(urn="urn:pulumi:dev::p::pulumi:providers:iaas::default", news=struct(news))
    )
    return [(f.property, f.reason) for f in r.failures]


def make_network(plugin: Plugin) -> dict[str, object]:
    inputs, _ = plugin.check("network", "lan", {"name": "lan", "cidr": "10.40.0.0/24"})
    _, props = plugin.create("network", "lan", inputs)
    return props


def test_check_config_names_the_bad_setting(plugin: Plugin, tmp_path: Path) -> None:
    assert provider_check(plugin, {"home": str(tmp_path)}) == []
    assert [p for p, _ in provider_check(plugin, {"cloudConfig": "hosts: 5"})] == ["cloudConfig"]
    assert [p for p, _ in provider_check(plugin, {"cloudConfig": "hosts: [{name: h1}]"})] == ["cloudConfig"]
    assert [p for p, _ in provider_check(plugin, {"cloudConfig": "{not yaml"})] == ["cloudConfig"]
    assert [p for p, _ in provider_check(plugin, {"cloud": str(tmp_path / "missing.yaml")})] == ["cloud"]
    both = provider_check(plugin, {"cloud": "a.yaml", "cloudConfig": "hosts: []"})
    assert both == [("cloudConfig", "set either a cloud config file or an inline cloud config, not both")]


def test_iaas_home_from_the_environment(tmp_path: Path) -> None:
    running = Plugin(tmp_path, env={"IAAS_HOME": str(tmp_path / "from-env")})
    try:
        running.configure()
        assert make_network(running)["host"] == "default"
        assert (tmp_path / "from-env" / "cloud.db").is_file()
    finally:
        running.close()


def test_home_setting_beats_the_environment(tmp_path: Path) -> None:
    running = Plugin(tmp_path, env={"IAAS_HOME": str(tmp_path / "from-env")})
    try:
        running.configure(variables={"iaas:config:home": str(tmp_path / "from-config")})
        make_network(running)
        assert (tmp_path / "from-config" / "cloud.db").is_file() and not (tmp_path / "from-env").exists()
    finally:
        running.close()


def test_cloud_file_from_iaas_cloud(tmp_path: Path) -> None:
    cloud = tmp_path / "cloud.yaml"
    cloud.write_text(json.dumps({"hosts": [{"name": "h1", "uri": "test:///default"}], "home": str(tmp_path / "c")}))
    running = Plugin(tmp_path, env={"IAAS_CLOUD": str(cloud)})
    try:
        running.configure()
        assert make_network(running)["host"] == "h1"
        assert (tmp_path / "c" / "cloud.db").is_file()
    finally:
        running.close()


def test_inline_cloud_config(tmp_path: Path) -> None:
    running = Plugin(tmp_path)
    try:
        config = {
            "hosts": [{"name": "a", "uri": "test:///default"}, {"name": "b", "uri": "test:///default"}],
            "home": str(tmp_path / "inline"),
        }
        running.configure({"cloudConfig": json.dumps(config)})
        props = make_network(running)
        assert props["host"] in ("a", "b") and (tmp_path / "inline" / "cloud.db").is_file()
        r = running.stub.Invoke(proto.InvokeRequest(tok="iaas:index:getNetwork", args=struct({"nameOrId": "lan"})))
        found = plain(getattr(r, "return"))
        assert found["cidr"] == "10.40.0.0/24" and found["id"] and found["gateway"] == "10.40.0.1"
        r = running.stub.Invoke(proto.InvokeRequest(tok="iaas:index:getNetwork", args=struct({"nameOrId": "nope"})))
        assert [f.property for f in r.failures] == ["nameOrId"]
    finally:
        running.close()


def test_objects_are_labelled_with_the_pulumi_stack(plugin: Plugin) -> None:
    from iaas.cloud import Cloud

    inputs, _ = plugin.check("server_group", "g", {"policy": "affinity"})
    id, _ = (
        plugin.stub.Create(
            proto.CreateRequest(urn=urn("server_group", "g", stack="prod", project="web"), properties=struct(inputs))
        ).id,
        None,
    )
    cloud = Cloud.open(None, home=plugin.home / ".iaas")  # type: ignore[attr-defined]
    try:
        records = {r.id: r for r in cloud.managed_objects()}
        assert records[id].stack == "pulumi.web.prod" and records[id].address == "server_group.g"
    finally:
        cloud.close()


def test_an_unknown_setting_is_an_error(plugin: Plugin) -> None:
    [(prop, reason)] = provider_check(plugin, {"hom": "/tmp/x"})
    assert prop == "hom" and "unknown setting iaas:hom" in reason and "iaas:home" in reason
    assert provider_check(plugin, {"home": "/tmp/x", "version": "0.1.0"}) == []


def test_configure_refuses_an_unknown_setting(tmp_path: Path) -> None:
    running = Plugin(tmp_path)
    try:
        with pytest.raises(grpc.RpcError, match="unknown setting iaas:hom"):
            running.configure(variables={"iaas:config:hom": str(tmp_path)})
    finally:
        running.close()
