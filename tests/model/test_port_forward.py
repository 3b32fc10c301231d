"""Port forwards: a host address and port forwarded to an instance (iaas.model.port_forward)."""

from __future__ import annotations

from typing import Any

import pytest

from iaas.model import Instance, PortForward, Reference
from iaas.model.values import action_of, complete, diff, from_raw, inputs_of

from ._util import assert_valid, problems


def _fwd(**values: Any) -> dict[str, Any]:
    return from_raw(
        PortForward, {"name": "ssh", "instance": "${instance.vm}", "target_port": 22, "host_port": 2222, **values}
    )


def test_valid_port_forwards() -> None:
    assert_valid(PortForward, _fwd())
    assert_valid(PortForward, _fwd(host_address="192.0.2.10", protocol="udp", target_port=1, host_port=65535))
    assert_valid(PortForward, _fwd(host_address="0.0.0.0", project="${project.team}"))
    fwd = PortForward(
        name="web", instance=Instance(name="vm", image="i", flavor="m1.tiny"), target_port=80, host_port=8080
    )
    assert inputs_of(fwd)["instance"] == Reference("instance", "vm")
    assert_valid(PortForward, inputs_of(fwd))


@pytest.mark.parametrize("name", ["instance", "target_port", "host_port"])
def test_required_fields(name: str) -> None:
    values = {k: v for k, v in _fwd().items() if k != name}
    assert problems(PortForward, values) == {name: "is required"}


@pytest.mark.parametrize("name", ["target_port", "host_port"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "must be at least 1; got 0"),
        (65536, "must be at most 65535; got 65536"),
        ("22", "expected integer, got str '22'"),
        (False, "expected integer, got bool False"),
        ([22], "expected integer, got list [22]"),
    ],
)
def test_ports(name: str, value: Any, message: str) -> None:
    assert problems(PortForward, _fwd(**{name: value})) == {name: message}


@pytest.mark.parametrize("address", ["localhost", "300.1.1.1", "10.0.0.0/8", ""])
def test_host_address_is_an_ip_address(address: str) -> None:
    assert problems(PortForward, _fwd(host_address=address)) == {"host_address": f"invalid IP address {address!r}"}


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address, which the kernel never forwards to a guest"),
        ("127.0.1.1", "127.0.1.1 is a loopback address"),
        ("::", ":: is an IPv6 address: port forwards are IPv4 only"),
        ("::1", "::1 is an IPv6 address"),
    ],
)
def test_loopback_and_ipv6_host_addresses_are_refused(address: str, why: str) -> None:
    assert why in problems(PortForward, _fwd(host_address=address))["host_address"]


def test_protocol_choices() -> None:
    assert problems(PortForward, _fwd(protocol="icmp")) == {"protocol": "must be one of tcp, udp; got 'icmp'"}


def test_instance_must_be_an_instance() -> None:
    assert problems(PortForward, _fwd(instance="${network.web}")) == {
        "instance": "must refer to an instance, not to network.web"
    }


@pytest.mark.parametrize("name", ["id", "host", "target_address"])
def test_computed_fields_cannot_be_set(name: str) -> None:
    assert problems(PortForward, _fwd(**{name: "x"})) == {name: "is computed by the cloud and cannot be set"}


def test_complete_fills_address_and_protocol() -> None:
    filled = complete(PortForward, _fwd())
    assert (filled["host_address"], filled["protocol"], filled["project"]) == ("0.0.0.0", "tcp", None)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("instance", Reference("instance", "other")),
        ("target_port", 23),
        ("host_port", 2223),
        ("host_address", "192.0.2.9"),
        ("protocol", "udp"),
        ("project", "team"),
    ],
)
def test_every_change_replaces_the_forward(name: str, value: Any) -> None:
    old = complete(PortForward, _fwd())
    changes = diff(PortForward, old, {**old, name: value})
    assert [(c.field, c.update) for c in changes] == [(name, "replace")]
    assert action_of(changes) == "replace"
    assert not PortForward.updatable
