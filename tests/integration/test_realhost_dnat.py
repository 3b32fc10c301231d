"""Port-forward rules (nftables and the iptables fallback) in a namespaced host's network namespace."""

from __future__ import annotations

import os

import pytest

from iaas.cloud.kinds import _dnat, _hostcmd
from iaas.drivers.libvirt import libvirtd_netns
from tests.integration.conftest import NamespacedHost

pytestmark = pytest.mark.realhost


def test_the_rules_go_to_the_namespace_of_the_hosts_libvirtd(realhost: NamespacedHost) -> None:
    netns = libvirtd_netns(realhost.uri)
    assert netns is not None
    assert os.readlink(netns) == os.readlink(f"/proc/{realhost.process.pid}/ns/net")
    assert _hostcmd.local_runner(realhost.uri) == ("nsenter", f"--net={netns}")


def test_nftables_rules_are_replaced_not_duplicated_and_removed(realhost: NamespacedHost) -> None:
    where = _hostcmd.local_runner(realhost.uri)
    for _ in range(2):
        assert _dnat.add(where, "pf-nft", "0.0.0.0", 2222, "10.1.2.3", 22, "tcp") == "nft"
    listing = realhost.run("nft", "list", "table", "ip", _dnat.TABLE).stdout
    assert listing.count('dnat to 10.1.2.3:22 comment "iaas:pf-nft"') == 2  # prerouting and output, once each
    assert "fib daddr type local tcp dport 2222" in listing
    assert _dnat.present(where, "pf-nft")
    _dnat.remove(where, "pf-nft")
    assert not _dnat.present(where, "pf-nft")
    assert realhost.run("nft", "list", "table", "ip", _dnat.TABLE).returncode != 0  # no empty table is left
    _dnat.remove(where, "pf-nft")  # nothing there is fine


@pytest.mark.parametrize("firewall", ["nft", "iptables"])
def test_rules_left_behind_on_a_port_are_removed_before_a_new_forward_takes_it(
    realhost: NamespacedHost, monkeypatch: pytest.MonkeyPatch, firewall: str
) -> None:
    monkeypatch.setattr(_dnat, "tool", lambda *_: firewall)
    where = _hostcmd.local_runner(realhost.uri)
    _dnat.add(where, "pf-gone", "0.0.0.0", 2300, "10.1.2.5", 22, "tcp")  # its delete never reached the host
    _dnat.add(where, "pf-other", "0.0.0.0", 2301, "10.1.2.6", 22, "tcp")  # another port: kept
    _dnat.add(where, "pf-new", "0.0.0.0", 2300, "10.1.2.7", 22, "tcp")
    assert not _dnat.present(where, "pf-gone")
    assert _dnat.present(where, "pf-new") and _dnat.present(where, "pf-other")
    for id in ("pf-new", "pf-other"):
        _dnat.remove(where, id)
    assert not _dnat.present(where, "pf-new") and not _dnat.present(where, "pf-other")


def test_iptables_is_the_fallback(realhost: NamespacedHost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dnat, "tool", lambda *_: "iptables")
    where = _hostcmd.local_runner(realhost.uri)
    for _ in range(2):
        assert _dnat.add(where, "pf-ipt", "192.0.2.10", 8080, "10.1.2.4", 80, "udp") == "iptables"
    rules = [r for r in realhost.run("iptables", "-t", "nat", "-S").stdout.splitlines() if "iaas:pf-ipt" in r]
    assert len(rules) == 2 and all(
        "-d 192.0.2.10/32 -p udp" in r and "--to-destination 10.1.2.4:80" in r for r in rules
    )
    assert _dnat.present(where, "pf-ipt")
    _dnat.remove(where, "pf-ipt")
    assert not _dnat.present(where, "pf-ipt")
