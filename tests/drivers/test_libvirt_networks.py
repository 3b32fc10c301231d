"""Network primitives on simulated hosts (in memory and with a sim store)."""

from __future__ import annotations

import pytest

from iaas.drivers.libvirt import DhcpHost, Host, Meta, NetworkSpec, networks, readback
from tests.drivers._libvirt_helpers import META, UUID1, net_spec, reopened


def test_define_starts_and_autostarts(host: Host) -> None:
    info = host.define_network(net_spec(uuid=UUID1, dns_domain="web.test", mtu=1450), META)
    assert info.active and info.autostart
    assert info.uuid == UUID1 and info.name == "web-net"
    assert info.meta == META
    assert info.spec == net_spec(uuid=UUID1, dns_domain="web.test", mtu=1450)


def test_define_is_idempotent(host: Host) -> None:
    first = host.define_network(net_spec(), META)
    again = host.define_network(net_spec(), META)
    assert again == first


def test_get_by_uuid_or_name(host: Host) -> None:
    info = host.define_network(net_spec(), META)
    assert host.get_network(info.uuid) == info
    assert host.get_network("web-net") == info
    assert host.get_network("other") is None


def test_generated_uuid_and_bridge_are_kept(host: Host) -> None:
    info = host.define_network(net_spec(bridge="virbr42"), META)
    assert info.bridge == "virbr42"
    assert len(info.uuid) == 36


def test_delete_is_idempotent(host: Host) -> None:
    info = host.define_network(net_spec(), META)
    host.delete_network(info.uuid)
    assert host.get_network(info.uuid) is None
    host.delete_network(info.uuid)
    host.delete_network("never-was")


def test_redefine_changes_in_place(host: Host) -> None:
    info = host.define_network(net_spec(uuid=UUID1), META)
    changed = net_spec(uuid=UUID1, ipv4_address="10.20.0.1", dhcp_start="10.20.0.10", dhcp_end="10.20.0.20")
    meta = Meta(stack="web", address="network.moved", project="demo")
    after = host.redefine_network(changed, meta)
    assert after.uuid == info.uuid and after.active
    assert after.spec == changed and after.meta == meta


def test_dhcp_host_add_modify_delete(host: Host) -> None:
    host.define_network(net_spec(), META)
    mac = "52:54:00:12:34:56"
    info = host.update_dhcp_host("web-net", "add", mac.upper(), "10.10.0.5", "app")
    assert info.spec.dhcp_hosts == (DhcpHost(mac, "10.10.0.5", "app"),)
    info = host.update_dhcp_host("web-net", "modify", mac, "10.10.0.6", "app")
    assert info.spec.dhcp_hosts == (DhcpHost(mac, "10.10.0.6", "app"),)
    info = host.update_dhcp_host("web-net", "delete", mac, "10.10.0.6")
    assert info.spec.dhcp_hosts == ()


def test_dhcp_host_updates_are_idempotent(host: Host) -> None:
    host.define_network(net_spec(), META)
    mac = "52:54:00:12:34:56"
    host.update_dhcp_host("web-net", "add", mac, "10.10.0.5", "app")
    again = host.update_dhcp_host("web-net", "add", mac, "10.10.0.5", "app")
    assert again.spec.dhcp_hosts == (DhcpHost(mac, "10.10.0.5", "app"),)
    moved = host.update_dhcp_host("web-net", "add", mac, "10.10.0.7", "app")  # add of a known MAC modifies
    assert moved.spec.dhcp_hosts == (DhcpHost(mac, "10.10.0.7", "app"),)
    host.update_dhcp_host("web-net", "delete", mac, "10.10.0.7")
    gone = host.update_dhcp_host("web-net", "delete", mac, "10.10.0.7")
    assert gone.spec.dhcp_hosts == ()
    added = host.update_dhcp_host("web-net", "modify", mac, "10.10.0.8")  # modify of an unknown MAC adds
    assert added.spec.dhcp_hosts == (DhcpHost(mac, "10.10.0.8"),)


def test_unknown_dhcp_action(host: Host) -> None:
    host.define_network(net_spec(), META)
    with pytest.raises(ValueError):
        host.update_dhcp_host("web-net", "replace", "52:54:00:12:34:56", "10.10.0.5")  # type: ignore[arg-type]


def test_network_metadata_with_odd_characters(host: Host) -> None:
    meta = Meta(stack="a<&'\"b", address="network.x<y", project="p&q")
    info = host.define_network(net_spec(name="n<&'\"x"), meta)
    assert info.meta == meta and info.name == "n<&'\"x"


def test_networks_survive_a_reopen(stored_host: Host) -> None:
    info = stored_host.define_network(net_spec(uuid=UUID1), META)
    stored_host.update_dhcp_host("web-net", "add", "52:54:00:00:00:09", "10.10.0.9", "db")
    other = stored_host.define_network(
        net_spec(name="other", ipv4_address="10.30.0.1", dhcp_start=None, dhcp_end=None), META
    )
    stored_host.delete_network("other")
    fresh = reopened(stored_host)
    back = fresh.get_network(UUID1)
    assert back is not None
    assert back.spec.dhcp_hosts == (DhcpHost("52:54:00:00:00:09", "10.10.0.9", "db"),)
    assert (back.uuid, back.meta, back.active, back.autostart) == (info.uuid, META, True, True)
    assert fresh.get_network(other.uuid) is None


def _fresh_read(host: Host, name: str) -> NetworkSpec:
    """The network's definition parsed afresh from the XML libvirt gives now."""
    return host._call("read", lambda conn: readback.network_spec(conn.networkLookupByName(name).XMLDesc(0)))


def test_dhcp_updates_report_what_the_xml_says(host: Host) -> None:
    host.define_network(net_spec(), META)
    macs = [f"52:54:00:00:00:{i:02x}" for i in range(12)]
    steps = [("add", m, f"10.10.0.{10 + i}", f"vm{i}" if i % 2 else None) for i, m in enumerate(macs)]
    steps += [("modify", macs[3], "10.10.0.99", "moved"), ("add", macs[5], "10.10.0.98", None)]
    steps += [
        ("delete", macs[0], "", None),
        ("delete", macs[7], "", None),
        ("modify", "52:54:00:00:01:00", "10.10.0.97", None),
    ]
    for action, mac, ip, name in steps:
        info = host.update_dhcp_host("web-net", action, mac, ip, name)  # type: ignore[arg-type]
        assert info.spec == _fresh_read(host, "web-net"), (action, mac)
        assert host.get_network("web-net") == info


@pytest.mark.parametrize("n", [10, 40])
def test_each_network_xml_is_parsed_once_however_many_dhcp_hosts(
    plain_host: Host, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    # A network's XML grows with its hosts: parsing it on every update or read made N instances cost N^2.
    plain_host.define_network(net_spec(), META)
    parses: list[str] = []
    real = readback.network_spec
    monkeypatch.setattr(readback, "network_spec", lambda xml: parses.append(xml) or real(xml))
    networks._parsed.clear()
    for i in range(n):
        plain_host.update_dhcp_host("web-net", "add", f"52:54:00:00:01:{i:02x}", f"10.10.0.{10 + i}", f"vm{i}")
        plain_host.get_network("web-net")
    assert len(parses) == 1
    assert len(plain_host.get_network("web-net").spec.dhcp_hosts) == n  # type: ignore[union-attr]


def test_a_bulk_read_session_reads_once_and_sees_its_own_changes(host: Host) -> None:
    host.define_network(net_spec(), META)
    with host.bulk_reads():
        first = host.get_network("web-net")
        assert host.get_network(first.uuid) is first  # type: ignore[union-attr]  # read once, by name or UUID
        host.update_dhcp_host("web-net", "add", "52:54:00:00:02:01", "10.10.0.5")
        after = host.get_network("web-net")
        assert after is not None and after.spec.dhcp_hosts == (DhcpHost("52:54:00:00:02:01", "10.10.0.5"),)
        host.delete_network("web-net")
        assert host.get_network("web-net") is None
    assert host.get_network("web-net") is None
