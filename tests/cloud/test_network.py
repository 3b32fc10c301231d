"""Networks on simulated hosts: definition, idempotence, drift, offline updates, conflicts, lookup."""

from __future__ import annotations

import attrs
import pytest

from iaas.cloud import Cloud, OpContext
from iaas.cloud.kinds._overlay import vni
from iaas.cloud.kinds.network import bridge_name
from iaas.drivers.libvirt import Meta, NetworkSpec
from iaas.errors import ConflictError, NotFoundError, ValidationError
from iaas.model import KINDS
from iaas.model.values import complete
from tests.libvirt_calls import LibvirtCalls


def networks(cloud: Cloud, host: str = "h1") -> list[str]:
    return [o.name for o in cloud.hosts[host].list_managed() if o.type == "network"]


def test_create_defines_and_starts_the_network(cloud, make):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24", domain="web.test", mtu=1400)
    id = net.ctx.pending_id
    assert net.outputs == {"id": id, "bridge": bridge_name(id), "gateway": "10.20.0.1", "host": "h1"}
    assert len(net.outputs["bridge"]) <= 15
    info = cloud.hosts["h1"].get_network(id)
    assert info is not None and info.active and info.autostart and info.name == "web"
    spec = info.spec
    assert (spec.mode, spec.ipv4_address, spec.ipv4_prefix) == ("nat", "10.20.0.1", 24)
    assert (spec.dhcp_start, spec.dhcp_end) == ("10.20.0.2", "10.20.0.254")
    assert (spec.dns_domain, spec.mtu) == ("web.test", 1400)
    assert info.meta == Meta(stack="s1", address="network.web", project="")


def test_isolated_without_dhcp_and_explicit_range(cloud, make):
    off = make(cloud, "network", "off", cidr="10.21.0.0/24", mode="isolated", dhcp=False)
    spec = cloud.hosts["h1"].get_network(off.id).spec
    assert (spec.mode, spec.dhcp_start, spec.dhcp_end) == ("isolated", None, None)
    ranged = make(
        cloud, "network", "ranged", cidr="10.22.0.0/16", mode="routed", dhcp_start="10.22.1.1", dhcp_end="10.22.1.50"
    )
    spec = cloud.hosts["h1"].get_network(ranged.id).spec
    assert (spec.mode, spec.dhcp_start, spec.dhcp_end) == ("routed", "10.22.1.1", "10.22.1.50")


def test_create_again_with_the_same_pending_id_adopts(cloud, make):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    assert cloud.create("network", net.ctx, net.inputs, {}) == net.outputs
    assert networks(cloud) == ["web"]


def test_planned_host(two_hosts, make):
    net = make(two_hosts, "network", "web", cidr="10.20.0.0/24", planned={"host": "h2"})
    assert net.outputs["host"] == "h2"
    assert networks(two_hosts, "h2") == ["web"] and networks(two_hosts, "h1") == []


def test_read_without_drift(cloud, make, drift):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24", domain="web.test")
    observed = cloud.read("network", net.ctx, net.id, net.outputs)
    assert observed is not None
    assert observed.inputs == {
        "name": "web",
        "cidr": "10.20.0.0/24",
        "mode": "nat",
        "dhcp": True,
        "dhcp_start": None,
        "dhcp_end": None,
        "domain": "web.test",
        "mtu": None,
        "dns_hosts": {},
    }
    assert observed.outputs == net.outputs
    assert (observed.stack, observed.address) == ("s1", "network.web")
    assert drift(observed, net.inputs) == {}


def test_explicit_default_bounds_show_no_drift(cloud, make, drift):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24", dhcp_start="10.20.0.2", dhcp_end="10.20.0.254")
    assert drift(cloud.read("network", net.ctx, net.id, net.outputs), net.inputs) == {}


def test_drift_after_a_change_behind_its_back(cloud, make, drift):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    host = cloud.hosts["h1"]
    info = host.get_network(net.id)
    host.redefine_network(attrs.evolve(info.spec, mtu=9000, dhcp_end="10.20.0.99"), info.meta)
    observed = cloud.read("network", net.ctx, net.id, net.outputs)
    assert drift(observed, net.inputs) == {"mtu": (None, 9000), "dhcp_end": (None, "10.20.0.99")}


def test_read_is_none_once_deleted_behind_its_back(cloud, make):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    cloud.hosts["h1"].delete_network(net.id)
    assert cloud.read("network", net.ctx, net.id, net.outputs) is None


def test_offline_update_redefines_and_keeps_static_hosts(cloud, make, drift):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    host = cloud.hosts["h1"]
    host.update_dhcp_host("web", "add", "52:54:00:aa:bb:cc", "10.20.0.9", "vm")
    new = {**net.inputs, "dhcp_start": "10.20.0.100", "dhcp_end": "10.20.0.200", "domain": "x.test", "mtu": 1450}
    out = cloud.update(
        "network", net.ctx, net.id, net.inputs, new, ["dhcp_start", "dhcp_end", "domain", "mtu"], net.outputs
    )
    assert out == net.outputs
    info = host.get_network(net.id)
    assert info.active and info.uuid == net.id and info.bridge == net.outputs["bridge"]
    assert (info.spec.dhcp_start, info.spec.dhcp_end, info.spec.dns_domain, info.spec.mtu) == (
        "10.20.0.100",
        "10.20.0.200",
        "x.test",
        1450,
    )
    assert [(h.mac, h.ip) for h in info.spec.dhcp_hosts] == [("52:54:00:aa:bb:cc", "10.20.0.9")]
    assert drift(cloud.read("network", net.ctx, net.id, out), new) == {}


def test_dhcp_range_and_dns_records_change_live_without_a_restart(cloud, make, drift, monkeypatch):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24", dns_hosts={"db": "10.20.0.5", "cache": "10.20.0.6"})
    host = cloud.hosts["h1"]
    assert host.get_network(net.id).spec.dns_hosts == (("10.20.0.5", ("db",)), ("10.20.0.6", ("cache",)))
    host.update_dhcp_host("web", "add", "52:54:00:aa:bb:cc", "10.20.0.9", "vm")
    dns = {"db": "10.20.0.5", "db-replica": "10.20.0.5", "queue": "10.20.0.7"}
    new = {**net.inputs, "dhcp_start": "10.20.0.100", "dhcp_end": "10.20.0.200", "dns_hosts": dns}
    calls = LibvirtCalls(monkeypatch)
    counts = calls.during(
        lambda: cloud.update(
            "network", net.ctx, net.id, net.inputs, new, ["dhcp_start", "dhcp_end", "dns_hosts"], net.outputs
        )
    )
    assert counts["virNetworkUpdate"] == 6  # range: add, delete; db: delete, add; cache: delete; queue: add
    assert counts["virNetworkDestroy"] == counts["virNetworkDefineXML"] == counts["virNetworkCreate"] == 0
    info = host.get_network(net.id)
    assert (info.spec.dhcp_start, info.spec.dhcp_end) == ("10.20.0.100", "10.20.0.200")
    assert info.spec.dns_hosts == (("10.20.0.5", ("db", "db-replica")), ("10.20.0.7", ("queue",)))
    assert [(h.mac, h.ip) for h in info.spec.dhcp_hosts] == [("52:54:00:aa:bb:cc", "10.20.0.9")]
    assert drift(cloud.read("network", net.ctx, net.id, net.outputs), new) == {}
    counts = calls.during(
        lambda: cloud.update("network", net.ctx, net.id, new, {**new, "mtu": 1400}, ["mtu"], net.outputs)
    )
    assert counts["virNetworkDestroy"] == 1 and counts["virNetworkUpdate"] == 0  # the MTU needs a restart


def test_turning_dhcp_off(cloud, make, drift):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    new = {**net.inputs, "dhcp": False}
    cloud.update("network", net.ctx, net.id, net.inputs, new, ["dhcp"], net.outputs)
    assert cloud.hosts["h1"].get_network(net.id).spec.dhcp_start is None
    assert drift(cloud.read("network", net.ctx, net.id, net.outputs), new) == {}


def test_update_of_a_network_that_is_gone(cloud, make):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    cloud.hosts["h1"].delete_network(net.id)
    with pytest.raises(NotFoundError):
        cloud.update("network", net.ctx, net.id, net.inputs, {**net.inputs, "mtu": 1400}, ["mtu"], net.outputs)


def test_delete_twice(cloud, make):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    cloud.delete("network", net.ctx, net.id, net.outputs)
    assert networks(cloud) == []
    assert cloud.read("network", net.ctx, net.id, net.outputs) is None
    cloud.delete("network", net.ctx, net.id, net.outputs)


def test_lookup_by_name_and_by_id(cloud, make):
    net = make(cloud, "network", "web", cidr="10.20.0.0/24")
    for ref in ("web", net.id):
        found = cloud.lookup("network", net.ctx, ref)
        assert found is not None and found.id == net.id and found.outputs == net.outputs
        assert found.inputs["cidr"] == "10.20.0.0/24" and found.stack == "s1"
    assert cloud.lookup("network", net.ctx, "nope") is None


def define_foreign(cloud: Cloud, xml: str) -> None:
    """Define and start a network the way another tool would: without iaas metadata."""
    cloud.hosts["h1"]._call("define a foreign network", lambda conn: conn.networkDefineXML(xml).create())


def test_lookup_of_a_network_iaas_did_not_make(cloud):
    define_foreign(
        cloud,
        "<network><name>legacy</name><bridge name='virbr9'/>"
        "<ip address='192.168.9.1' netmask='255.255.255.0'><dhcp><range start='192.168.9.2' "
        "end='192.168.9.254'/></dhcp></ip></network>",
    )
    found = cloud.lookup("network", OpContext("s1", "network.legacy"), "legacy")
    assert found is not None and found.stack is None
    assert found.inputs == {
        "name": "legacy",
        "cidr": "192.168.9.0/24",
        "mode": "isolated",
        "dhcp": True,
        "dhcp_start": None,
        "dhcp_end": None,
        "domain": None,
        "mtu": None,
        "dns_hosts": {},
    }
    assert found.outputs == {"id": found.id, "bridge": "virbr9", "gateway": "192.168.9.1", "host": "h1"}


def test_name_taken_by_another_stack(cloud, make):
    make(cloud, "network", "web", cidr="10.20.0.0/24", stack="other")
    with pytest.raises(
        ConflictError,
        match=r"network name 'web' is already used in the default project by network.web \(stack other\)",
    ):
        make(cloud, "network", "web", cidr="10.30.0.0/24")
    assert networks(cloud) == ["web"]


def test_name_taken_by_a_network_iaas_did_not_make(cloud, make):
    define_foreign(cloud, "<network><name>web</name><ip address='10.9.0.1' prefix='24'/></network>")
    with pytest.raises(ConflictError, match="was not made by iaas; import it"):
        make(cloud, "network", "web", cidr="10.20.0.0/24")


def test_names_that_libvirt_cannot_take(cloud, make):
    with pytest.raises(ValidationError, match="network.a/b.name: invalid name"):
        make(cloud, "network", "a/b", cidr="10.20.0.0/24")
    with pytest.raises(ValidationError, match="network..*name: invalid name"):
        make(cloud, "network", "x" * 64, cidr="10.20.0.0/24")


def test_bridge_name_fits_linux_limits():
    assert bridge_name("0b7e5d2c-2c6b-4a51-9d55-3f0e4a1b2c3d") == "iaas-0b7e5d2c2c"


def test_spec_is_rebuilt_from_inputs():
    from iaas.cloud.kinds.network import network_spec

    spec = network_spec("0b7e5d2c-2c6b-4a51-9d55-3f0e4a1b2c3d", {"name": "n", "cidr": "172.16.0.0/30", "dhcp": True})
    assert spec == NetworkSpec(
        name="n",
        uuid="0b7e5d2c-2c6b-4a51-9d55-3f0e4a1b2c3d",
        mode="nat",
        bridge="iaas-0b7e5d2c2c",
        ipv4_address="172.16.0.1",
        ipv4_prefix=30,
        dhcp_start="172.16.0.2",
        dhcp_end="172.16.0.2",
    )


# ------------------------------------------------ VXLAN network identifiers


def _network_with_id(cloud: Cloud, name: str, id: str, cidr: str) -> str:
    ctx = OpContext(stack="s1", address=f"network.{name}", pending_id=id)
    return str(cloud.create("network", ctx, complete(KINDS["network"], {"name": name, "cidr": cidr}), {})["id"])


def test_networks_whose_ids_hash_alike_get_different_vnis(cloud):
    first = _network_with_id(cloud, "a", "abcdef00-0000-4000-8000-000000000001", "10.61.0.0/24")
    second = _network_with_id(cloud, "b", "abcdef11-0000-4000-8000-000000000002", "10.62.0.0/24")
    assert (vni(cloud, first), vni(cloud, second)) == (0xABCDEF, 0xABCDF0)
    assert cloud.inventory.claimed(second, "vni") == [str(0xABCDF0)]


def test_a_deleted_network_gives_its_vni_back(cloud):
    first = _network_with_id(cloud, "a", "abcdef00-0000-4000-8000-000000000001", "10.61.0.0/24")
    cloud.delete("network", OpContext(stack="s1", address="network.a"), first, {"id": first, "host": "h1"})
    assert cloud.inventory.claimed(first, "vni") == []
    third = _network_with_id(cloud, "c", "abcdef22-0000-4000-8000-000000000003", "10.63.0.0/24")
    assert vni(cloud, third) == 0xABCDEF


def test_a_network_recorded_without_a_vni_claims_its_hash_on_first_use(cloud):
    id = _network_with_id(cloud, "a", "00000000-0000-4000-8000-000000000001", "10.61.0.0/24")
    with cloud.inventory.transaction():
        cloud.inventory.release_claims(id, "vni", set())  # as an inventory written before VNIs were claimed
    assert cloud.inventory.claimed(id, "vni") == []
    assert vni(cloud, id) == 1  # a zero hash is never used
    assert cloud.inventory.claimed(id, "vni") == ["1"]


def test_the_plan_sees_the_vni_of_a_network_it_makes_without_keeping_it(cloud):
    from iaas.cloud.admission import Subject

    _network_with_id(cloud, "a", "abcdef00-0000-4000-8000-000000000001", "10.61.0.0/24")
    subject = Subject("network", "abcdef99-0000-4000-8000-000000000009", "network.b", "network.b", {"name": "b"})
    with cloud.inventory.dry_run():
        assert cloud.admission.check(subject, cloud.admission.resolver(subject), counters=False) == []
        assert cloud.inventory.claimed(subject.owner, "vni") == [str(0xABCDF0)]
    assert cloud.inventory.claimed(subject.owner, "vni") == []
