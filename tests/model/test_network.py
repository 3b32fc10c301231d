"""Networks: subnet, DHCP range, MTU, IPv6 and how changes apply (iaas.model.network)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iaas.model import UNKNOWN, Network, Reference
from iaas.model.subnets import subnet_of
from iaas.model.values import action_of, complete, diff, inputs_of

from ._strategies import ipv4_networks
from ._util import assert_invalid, assert_valid, problems


def _net(**values: object) -> dict[str, object]:
    return {"name": "web", "cidr": "10.0.0.0/24", **values}


def test_valid_networks() -> None:
    assert_valid(Network, _net())
    for mode in ("nat", "isolated", "routed"):
        assert_valid(Network, _net(mode=mode))
    assert_valid(Network, _net(dhcp=False, domain="lan", mtu=1500, host="node1"))
    assert_valid(Network, _net(dhcp_start="10.0.0.2", dhcp_end="10.0.0.254"))
    assert_valid(Network, _net(dhcp_start="10.0.0.100", dhcp_end="10.0.0.100"))


def test_cidr_is_required() -> None:
    assert problems(Network, {"name": "web"}) == {"cidr": "is required"}


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("10.0.0.1/24", "invalid IPv4 CIDR '10.0.0.1/24': 10.0.0.1/24 has host bits set"),
        ("10.0.0.0/31", "prefix length /31 of '10.0.0.0/31' is outside /8 to /30"),
        ("10.0.0.0/32", "prefix length /32 of '10.0.0.0/32' is outside /8 to /30"),
        ("10.0.0.0/7", "prefix length /7 of '10.0.0.0/7' is outside /8 to /30"),
        ("0.0.0.0/0", "prefix length /0 of '0.0.0.0/0' is outside /8 to /30"),
        ("fd00::/64", "invalid IPv4 CIDR 'fd00::/64'"),
        ("10.0.0.0/33", "invalid IPv4 CIDR '10.0.0.0/33'"),
        ("web", "invalid IPv4 CIDR 'web'"),
    ],
)
def test_bad_cidrs(cidr: str, message: str) -> None:
    assert_invalid(Network, _net(cidr=cidr), "cidr", message)


def test_a_bad_cidr_is_reported_alone() -> None:
    assert set(problems(Network, _net(cidr="nope", dhcp_start="10.9.9.9"))) == {"cidr"}


def test_mode_choices() -> None:
    assert problems(Network, _net(mode="flat")) == {
        "mode": "must be one of nat, isolated, routed, bridge, macvtap; got 'flat'"
    }


def test_a_provider_network_names_what_it_sits_on() -> None:
    assert problems(Network, _net(mode="bridge")) == {
        "bridge": "a network of mode bridge needs the name of the host's bridge"
    }
    assert problems(Network, _net(mode="macvtap")) == {
        "interface": "a network of mode macvtap needs the name of the host's interface"
    }
    assert problems(Network, _net(mode="bridge", bridge="br0")) == {}
    assert problems(Network, _net(mode="macvtap", interface="eth1")) == {}
    assert problems(Network, _net(interface="eth1")) == {
        "interface": "set only with mode macvtap (this network's mode is nat)"
    }
    assert problems(Network, _net(mode="macvtap", interface="eth1", bridge="br0")) == {
        "bridge": "a network of mode macvtap has no bridge: its guests sit on `interface`"
    }


def test_dhcp_is_a_boolean() -> None:
    assert problems(Network, _net(dhcp=1)) == {"dhcp": "expected boolean, got int 1"}
    assert problems(Network, _net(dhcp="yes")) == {"dhcp": "expected boolean, got str 'yes'"}


@pytest.mark.parametrize("key", ["dhcp_start", "dhcp_end"])
def test_dhcp_bounds_are_addresses(key: str) -> None:
    assert problems(Network, _net(**{key: "10.0.0"})) == {key: "invalid IPv4 address '10.0.0'"}
    assert problems(Network, _net(**{key: "fd00::5"})) == {key: "invalid IPv4 address 'fd00::5'"}


@pytest.mark.parametrize(
    ("key", "address"),
    [
        ("dhcp_start", "10.0.1.5"),
        ("dhcp_start", "10.0.0.0"),
        ("dhcp_start", "10.0.0.1"),
        ("dhcp_end", "10.0.0.255"),
        ("dhcp_end", "192.168.0.9"),
    ],
)
def test_the_dhcp_range_lies_inside_the_subnet(key: str, address: str) -> None:
    assert problems(Network, _net(**{key: address})) == {
        key: f"{address} is not a usable address of 10.0.0.0/24 (the gateway is 10.0.0.1)"
    }


def test_the_dhcp_range_is_ordered() -> None:
    assert problems(Network, _net(dhcp_start="10.0.0.200", dhcp_end="10.0.0.100")) == {
        "dhcp_end": "DHCP range ends (10.0.0.100) before it starts (10.0.0.200)"
    }


def test_a_dhcp_range_known_only_after_apply_is_left_alone() -> None:
    assert_valid(Network, _net(dhcp_start=UNKNOWN, dhcp_end=Reference("network", "other", "gateway")))
    assert_valid(Network, _net(cidr=UNKNOWN, dhcp_start="10.0.0.5"))


@pytest.mark.parametrize(
    ("mtu", "message"),
    [
        (575, "must be at least 576; got 575"),
        (9217, "must be at most 9216; got 9217"),
        ("1500", "expected integer, got str '1500'"),
    ],
)
def test_mtu_bounds(mtu: object, message: str) -> None:
    assert problems(Network, _net(mtu=mtu)) == {"mtu": message}
    assert_valid(Network, _net(mtu=576))
    assert_valid(Network, _net(mtu=9216))


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("f000::/4", "prefix length /4 of 'f000::/4' is too short"),
        ("fd00::1/64", "invalid IPv6 CIDR 'fd00::1/64'"),
        ("10.0.0.0/24", "invalid IPv6 CIDR '10.0.0.0/24'"),
    ],
)
def test_bad_ipv6_cidrs(cidr: str, message: str) -> None:
    assert_invalid(Network, _net(ipv6_cidr=cidr), "ipv6_cidr", message)


def test_an_ipv6_subnet_is_refused_at_validate_naming_the_field() -> None:
    assert_invalid(
        Network,
        _net(ipv6_cidr="fd00:1::/64"),
        "ipv6_cidr",
        "IPv6 subnets are not supported yet (networks are IPv4 only): remove ipv6_cidr",
    )


@pytest.mark.parametrize("domain", ["example.com", "lab", "a-1.internal", "x." * 60 + "org", "web.example.com."])
def test_dns_domains(domain: str) -> None:
    assert_valid(Network, _net(domain=domain))


@pytest.mark.parametrize(
    "domain", ["my lab", "-lab", "lab-", "a..b", "caf\u00e9.fr", "x" * 64, "x." * 130 + "org", "", "lab;reboot"]
)
def test_a_bad_dns_domain_is_refused_naming_the_field(domain: str) -> None:
    assert_invalid(Network, _net(domain=domain), "domain", f"invalid DNS domain {domain!r}")


@pytest.mark.parametrize("name", ["id", "gateway"])
def test_computed_fields_cannot_be_set(name: str) -> None:
    assert problems(Network, _net(**{name: "x"})) == {name: "is computed by the cloud and cannot be set"}


def test_project_reference() -> None:
    assert inputs_of(Network(name="web", cidr="10.0.0.0/24", project="${project.team}"))["project"] == Reference(
        "project", "team"
    )
    assert problems(Network, _net(project=Reference("volume", "v"))) == {
        "project": "must refer to a project, not to volume.v"
    }


def test_complete_fills_mode_and_dhcp() -> None:
    filled = complete(Network, _net())
    assert filled["mode"] == "nat" and filled["dhcp"] is True
    assert filled["dhcp_start"] is None and filled["mtu"] is None


@pytest.mark.parametrize(
    ("name", "value", "update"),
    [
        ("dhcp", False, "offline"),
        ("dhcp_start", "10.0.0.50", "live"),
        ("dhcp_end", "10.0.0.60", "live"),
        ("dns_hosts", {"db": "10.0.0.5"}, "live"),
        ("domain", "lan", "offline"),
        ("mtu", 9000, "offline"),
        ("cidr", "10.0.1.0/24", "replace"),
        ("mode", "isolated", "replace"),
        ("ipv6_cidr", "fd00::/64", "replace"),
        ("project", "team", "replace"),
        ("host", "node2", "replace"),
        ("name", "web2", "replace"),
    ],
)
def test_update_class_of_every_field(name: str, value: object, update: str) -> None:
    old = complete(Network, _net())
    changes = diff(Network, old, {**old, name: value})
    assert [(c.field, c.update) for c in changes] == [(name, update)]
    assert action_of(changes) == ("replace" if update == "replace" else "update")


def test_subnet_of() -> None:
    assert subnet_of({"cidr": "10.0.0.0/24"}) == ipaddress.IPv4Network("10.0.0.0/24")
    assert subnet_of({"cidr": Reference("network", "x", "cidr")}) is None
    assert subnet_of({"cidr": "10.0.0.1/24"}) is None
    assert subnet_of({}) is None


# ---------------------------------------------------------------- properties


@given(ipv4_networks)
def test_every_network_from_slash_8_to_slash_30_is_a_valid_cidr(net: ipaddress.IPv4Network) -> None:
    assert_valid(Network, _net(cidr=str(net)))
    assert subnet_of({"cidr": str(net)}) == net


@given(ipv4_networks, st.integers(1, 2**32 - 1))
def test_host_bits_are_refused(net: ipaddress.IPv4Network, noise: int) -> None:
    host_bits = noise & int(net.hostmask)
    if host_bits:
        text = f"{ipaddress.IPv4Address(int(net.network_address) | host_bits)}/{net.prefixlen}"
        assert_invalid(Network, _net(cidr=text), "cidr", "has host bits set")


@given(st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 31, 32]))
def test_prefixes_outside_8_to_30_are_refused(address: int, prefix: int) -> None:
    net = ipaddress.IPv4Network((address, prefix), strict=False)
    assert "cidr" in problems(Network, _net(cidr=str(net)))


@given(ipv4_networks.filter(lambda n: n.prefixlen >= 16), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_a_dhcp_range_is_valid_exactly_when_both_ends_are_usable_and_ordered(
    net: ipaddress.IPv4Network, a: int, b: int
) -> None:
    # Draw the ends near the subnet so that both inside and outside cases are common.
    span = net.num_addresses + 4
    start = ipaddress.IPv4Address((int(net.network_address) - 2 + a % span) % 2**32)
    end = ipaddress.IPv4Address((int(net.network_address) - 2 + b % span) % 2**32)

    def usable(addr: ipaddress.IPv4Address) -> bool:
        return addr in net and addr not in (net.network_address, net.network_address + 1, net.broadcast_address)

    found = problems(Network, _net(cidr=str(net), dhcp_start=str(start), dhcp_end=str(end)))
    assert ("dhcp_start" in found) == (not usable(start))
    assert ("dhcp_end" in found) == (not usable(end) or end < start)


def test_dns_hosts_name_hosts_by_addresses_and_only_on_networks_iaas_serves() -> None:
    assert problems(Network, _net(dns_hosts={"db": "10.0.0.5", "db.lan": "10.0.0.5"})) == {}
    assert problems(Network, _net(dns_hosts={"-db": "10.0.0.5"})) == {
        "dns_hosts": "invalid host name '-db': use letters, digits and '-' in labels separated by '.'"
    }
    assert problems(Network, _net(dns_hosts={"db": "10.0.0"})) == {"dns_hosts": "db: invalid IPv4 address '10.0.0'"}
    lan = _net(mode="bridge", bridge="br0", dns_hosts={"db": "10.0.0.5"})
    assert problems(Network, lan) == {
        "dns_hosts": "a network of mode bridge is the LAN's: its DNS is not served by iaas"
    }
