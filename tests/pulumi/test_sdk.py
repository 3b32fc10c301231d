"""The typed SDK under Pulumi's mocks: what a program sends, and the typed outputs it gets back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

import pulumi_iaas as iaas
from pulumi_iaas import outputs

CREATED: list[pulumi.runtime.MockResourceArgs] = []


class CloudMocks(pulumi.runtime.Mocks):
    """Answers like the provider: inputs come back with an id and the computed values."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        CREATED.append(args)
        state = dict(args.inputs)
        if args.typ == "iaas:index:Network":
            state.update(gateway="10.0.0.1", bridge="iaas-br0", host="default")
        if args.typ == "iaas:index:Instance":
            state.update(
                ipAddress="10.0.0.5",
                ipAddresses=["10.0.0.5"],
                macAddresses=["52:54:00:00:00:01"],
                vcpus=1,
                memoryMib=512,
            )
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        assert args.token == "iaas:index:getNetwork"
        return {"id": "net-1", "name": args.args["nameOrId"], "cidr": "10.9.0.0/24", "gateway": "10.9.0.1"}


@pytest.fixture(autouse=True)
def mocks() -> Iterator[None]:
    CREATED.clear()
    pulumi.runtime.set_mocks(CloudMocks(), project="proj", stack="dev", preview=False)
    yield


def resolved(output: pulumi.Output[Any]) -> Any:
    """The value of an output, once the mock engine has resolved it."""
    box: list[Any] = []
    output.apply(box.append)
    return box


@pulumi.runtime.test
def test_resources_send_camel_case_inputs_and_get_typed_outputs() -> Any:
    lan = iaas.Network("lan", cidr="10.0.0.0/24", dhcp_start="10.0.0.10", mtu=1400)
    vm = iaas.Instance(
        "vm",
        iaas.InstanceArgs(
            image="img-1",
            flavor="m1.tiny",
            max_memory_mib=2048,
            nics=[iaas.NicArgs(network=lan.id, fixed_ip="10.0.0.5")],
            user_data="#cloud-config\n",
        ),
    )

    def check(values: list[Any]) -> None:
        gateway, net_id, nics, ip, user_data, memory = values
        assert gateway == "10.0.0.1" and net_id == "lan-id"
        assert isinstance(nics[0], outputs.Nic) and nics[0].fixed_ip == "10.0.0.5" and nics[0].network == "lan-id"
        assert ip == "10.0.0.5" and user_data == "#cloud-config\n" and memory == 512
        sent = {a.typ: a.inputs for a in CREATED}
        assert sent["iaas:index:Network"] == {"cidr": "10.0.0.0/24", "dhcpStart": "10.0.0.10", "mtu": 1400}
        assert sent["iaas:index:Instance"]["maxMemoryMib"] == 2048
        assert sent["iaas:index:Instance"]["nics"] == [{"network": "lan-id", "fixedIp": "10.0.0.5"}]

    return pulumi.Output.all(lan.gateway, lan.id, vm.nics, vm.ip_address, vm.user_data, vm.memory_mib).apply(check)


def registrations(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[Any, Any]]:
    """(props, opts) of each resource type the program registers, as the SDK hands them to Pulumi."""
    seen: dict[str, tuple[Any, Any]] = {}
    original = pulumi.CustomResource.__init__

    def spy(self: Any, t: str, name: str, props: Any = None, opts: Any = None, *args: Any, **kwargs: Any) -> None:
        seen[t] = (props, opts)
        original(self, t, name, props, opts, *args, **kwargs)

    monkeypatch.setattr(pulumi.CustomResource, "__init__", spy)
    return seen


@pulumi.runtime.test
def test_user_data_is_sent_as_a_secret_input(monkeypatch: pytest.MonkeyPatch) -> Any:
    seen = registrations(monkeypatch)
    iaas.Instance("vm-secret", image="img", flavor="m1.tiny", user_data="secret stuff")
    sent = seen["iaas:index:Instance"][0].__dict__["user_data"]
    assert isinstance(sent, pulumi.Output)  # wrapped by the SDK, as generated SDKs wrap secret inputs

    async def secret() -> bool:
        return await sent.is_secret()

    return pulumi.Output.from_input(secret()).apply(lambda is_secret: assert_true(is_secret))


def assert_true(value: bool) -> None:
    assert value


def test_user_data_is_registered_as_a_secret_output(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = registrations(monkeypatch)
    iaas.Instance("vm", image="img", flavor="m1.tiny", user_data="secret stuff")
    iaas.Network("lan", cidr="10.0.0.0/24")
    assert seen["iaas:index:Instance"][1].additional_secret_outputs == ["userData"]
    assert not seen["iaas:index:Network"][1].additional_secret_outputs


def test_required_inputs_are_checked_in_the_program() -> None:
    with pytest.raises(TypeError, match="Missing required property 'cidr'"):
        iaas.Network("lan")
    with pytest.raises(TypeError, match="unknown argument"):
        iaas.Network("lan", cidr="10.0.0.0/24", colour="blue")  # type: ignore[call-overload]


@pulumi.runtime.test
def test_every_kind_and_nested_type_has_typed_classes() -> Any:
    project = iaas.Project("p", quota=iaas.QuotaArgs(instances=2))
    group = iaas.SecurityGroup("sg", rules=[iaas.RuleArgs(port_min=22, protocol="tcp")], project=project.id)
    others = [
        iaas.Image("img", source="/srv/base.qcow2"),
        iaas.Volume("v", size_gib=2),
        iaas.KeyPair("k", public_key="ssh-ed25519 AAAA k"),
        iaas.ServerGroup("g", policy="affinity"),
        iaas.PortForward("pf", instance="vm-id", target_port=22, host_port=2222),
    ]

    def check(values: list[Any]) -> None:
        quota, rules = values
        assert isinstance(quota, outputs.Quota) and quota.instances == 2
        assert isinstance(rules[0], outputs.Rule) and rules[0].port_min == 22
        assert {a.typ for a in CREATED} >= {
            "iaas:index:Project",
            "iaas:index:SecurityGroup",
            "iaas:index:Image",
            "iaas:index:Volume",
            "iaas:index:KeyPair",
            "iaas:index:ServerGroup",
            "iaas:index:PortForward",
        }

    return pulumi.Output.all(project.quota, group.rules, *[o.id for o in others]).apply(lambda v: check(v[:2]))


@pulumi.runtime.test
def test_lookup_function_returns_a_typed_result() -> Any:
    found = iaas.get_network_output(name_or_id="lan")

    def check(result: iaas.GetNetworkResult) -> None:
        assert result.id == "net-1" and result.cidr == "10.9.0.0/24" and result.gateway == "10.9.0.1"

    return found.apply(check)


@pulumi.runtime.test
def test_an_explicit_provider_takes_the_cloud_settings() -> Any:
    provider = iaas.Provider("cloud", home="/var/lib/iaas", cloud_config="hosts: []")
    iaas.Network("lan", cidr="10.0.0.0/24", opts=pulumi.ResourceOptions(provider=provider))

    def check(_: Any) -> None:
        sent = {a.typ: a.inputs for a in CREATED}
        assert sent["pulumi:providers:iaas"] == {"home": "/var/lib/iaas", "cloudConfig": "hosts: []"}

    return provider.urn.apply(check)
