"""Hypothesis strategies for valid inputs of every kind (stack-file form, references as ``${...}``)."""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

from hypothesis import strategies as st

from iaas.model import FLAVORS

from ._util import wire_string

names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)


def ref(kind: str) -> st.SearchStrategy[str]:
    """``${kind.name}`` strings."""
    return names.map(lambda n: "${" + f"{kind}.{n}" + "}")


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


ipv4_networks = st.builds(
    lambda address, prefix: ipaddress.IPv4Network((address, prefix), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(8, 30),
)


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A network whose optional DHCP range lies inside its subnet, in order."""
    net = draw(ipv4_networks)
    usable = net.num_addresses - 3  # neither the network, the gateway nor the broadcast address
    values: dict[str, Any] = {
        "name": draw(names),
        "cidr": str(net),
        "mode": draw(_optional(st.sampled_from(["nat", "isolated", "routed"]))),
        "dhcp": draw(_optional(st.booleans())),
        "mtu": draw(_optional(st.integers(576, 9216))),
        "domain": draw(_optional(st.sampled_from(["example.test", "lan"]))),
    }
    if draw(st.booleans()):
        first, last = sorted(draw(st.lists(st.integers(0, usable - 1), min_size=2, max_size=2)))
        values["dhcp_start"] = str(net.network_address + 2 + first)
        values["dhcp_end"] = str(net.network_address + 2 + last)
    return _drop_none(values)


_ports = st.integers(1, 65535)


@st.composite
def rules(draw: st.DrawFn) -> dict[str, Any]:
    """A security-group rule: ordered ports for tcp/udp, none for icmp/any; one remote at most."""
    protocol = draw(st.sampled_from(["tcp", "udp", "icmp", "any", None]))
    rule: dict[str, Any] = {"protocol": protocol, "direction": draw(_optional(st.sampled_from(["ingress", "egress"])))}
    if protocol in ("tcp", "udp", None) and draw(st.booleans()):
        low, high = sorted(draw(st.lists(_ports, min_size=2, max_size=2)))
        rule["port_min"], rule["port_max"] = low, draw(st.sampled_from([high, None]))
    remote = draw(st.sampled_from(["cidr", "group", None]))
    if remote == "cidr":
        rule["remote_cidr"] = str(draw(ipv4_networks))
    elif remote == "group":
        rule["remote_group"] = draw(ref("security_group"))
    return _drop_none(rule)


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    """An instance sized by a flavor or by vcpus and memory, with ceilings not below the sizes."""
    values: dict[str, Any] = {"name": draw(names), "image": draw(ref("image"))}
    if draw(st.booleans()):
        values["flavor"] = draw(st.sampled_from(sorted(FLAVORS)))
        vcpus, memory, _ = FLAVORS[values["flavor"]]
    else:
        vcpus, memory = draw(st.integers(1, 64)), draw(st.integers(64, 65536))
        values.update(vcpus=vcpus, memory_mib=memory)
    if draw(st.booleans()):
        values["max_vcpus"] = draw(st.integers(vcpus, 256))
    if draw(st.booleans()):
        values["max_memory_mib"] = draw(st.integers(memory, 4 * 1024 * 1024))
    values["volumes"] = draw(st.lists(ref("volume"), unique=True, max_size=3))
    values["nics"] = draw(
        st.lists(
            st.fixed_dictionaries(
                {"network": ref("network")}, optional={"security_groups": st.lists(ref("security_group"), max_size=2)}
            ),
            max_size=3,
        )
    )
    values["power_state"] = draw(_optional(st.sampled_from(["running", "stopped"])))
    values["root_disk_gib"] = draw(_optional(st.integers(1, 65536)))
    return _drop_none(values)


def _key_line(data: bytes) -> str:
    blob = wire_string(b"ssh-ed25519") + wire_string(data)
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


VALID_INPUTS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "project": st.fixed_dictionaries(
        {"name": names},
        optional={
            "description": st.text(max_size=20),
            "quota": st.dictionaries(
                st.sampled_from(
                    [
                        "instances",
                        "vcpus",
                        "memory_mib",
                        "volumes",
                        "volume_gib",
                        "networks",
                        "port_forwards",
                        "floating_ips",
                    ]
                ),
                st.integers(-1, 10**6),
            ),
        },
    ),
    "image": st.fixed_dictionaries(
        {"name": names, "source": st.sampled_from(["/var/lib/images/a.qcow2", "file:///a.img", "https://x.test/a"])},
        optional={
            "format": st.sampled_from(["qcow2", "raw"]),
            "sha256": st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
        },
    ),
    "key_pair": st.fixed_dictionaries(
        {"name": names, "public_key": st.binary(min_size=32, max_size=32).map(_key_line)}
    ),
    "network": networks(),
    "security_group": st.fixed_dictionaries(
        {"name": names}, optional={"rules": st.lists(rules(), max_size=4), "project": ref("project")}
    ),
    "server_group": st.fixed_dictionaries(
        {"name": names, "policy": st.sampled_from(["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"])}
    ),
    "volume": st.fixed_dictionaries(
        {"name": names, "size_gib": st.integers(1, 65536)},
        optional={"image": ref("image"), "format": st.sampled_from(["qcow2", "raw"]), "host": names},
    ),
    "instance": instances(),
    "snapshot": st.fixed_dictionaries(
        {"name": names, "instance": ref("instance")},
        optional={"memory": st.booleans(), "description": st.text(max_size=40), "revert": st.integers(0, 1000)},
    ),
    "port_forward": st.fixed_dictionaries(
        {"name": names, "instance": ref("instance"), "target_port": _ports, "host_port": _ports},
        optional={
            "protocol": st.sampled_from(["tcp", "udp"]),
            "host_address": st.sampled_from(["0.0.0.0", "192.0.2.7"]),
        },
    ),
    "floating_ip": st.fixed_dictionaries(
        {"name": names},
        optional={"instance": ref("instance"), "ip_address": st.sampled_from(["192.0.2.17", "203.0.113.5"])},
    ),
}
