"""Every NIC on a network iaas serves by DHCP gets its address from iaas (simulated hosts).

The address is claimed like a fixed IP, becomes a static DHCP entry of the
network, shows in the outputs at once and never as drift of ``fixed_ip``.
"""

from __future__ import annotations

from typing import Any

import pytest

from iaas.cloud import Cloud


@pytest.fixture
def base(cloud: Cloud, make: Any, image_file: Any) -> dict[str, Any]:
    return {
        "image": make(cloud, "image", "deb", source=str(image_file)).id,
        "net": make(cloud, "network", "front", cidr="10.60.0.0/24", dhcp_start="10.60.0.100").id,
        "bare": make(cloud, "network", "bare", cidr="10.61.0.0/24", dhcp=False).id,
    }


def _entries(cloud: Cloud, network_id: str) -> dict[str, str]:
    return {h.mac: h.ip for h in cloud.hosts["h1"].get_network(network_id).spec.dhcp_hosts}


def _vm(cloud: Cloud, make: Any, base: dict[str, Any], name: str, nics: list[dict[str, Any]], **extra: Any) -> Any:
    return make(cloud, "instance", name, image=base["image"], flavor="m1.tiny", nics=nics, **extra)


def test_a_dhcp_nic_gets_the_first_free_address_of_the_range_held_until_delete(cloud, make, base, drift):
    net = base["net"]
    one = _vm(cloud, make, base, "one", [{"network": net}, {"network": net}, {"network": base["bare"]}])
    assert one.outputs["ip_addresses"] == ["10.60.0.100", "10.60.0.101", None]
    macs = one.outputs["mac_addresses"]
    assert _entries(cloud, net) == {macs[0]: "10.60.0.100", macs[1]: "10.60.0.101"}
    assert _entries(cloud, base["bare"]) == {}
    assert sorted(cloud.inventory.claimed(one.id, "fixed_ip")) == [f"{net}/10.60.0.100", f"{net}/10.60.0.101"]
    assert [n["fixed_ip"] for n in one.inputs["nics"]] == [None, None, None]
    observed = cloud.read("instance", one.ctx, one.id, one.outputs)
    assert drift(observed, one.inputs) == {}
    assert observed.outputs["ip_addresses"] == ["10.60.0.100", "10.60.0.101", None]

    fixed = _vm(cloud, make, base, "fixed", [{"network": net, "fixed_ip": "10.60.0.102"}])
    two = _vm(cloud, make, base, "two", [{"network": net}])
    assert two.outputs["ip_address"] == "10.60.0.103"  # neither an address given nor a fixed one
    cloud.delete("instance", one.ctx, one.id, one.outputs)
    assert cloud.inventory.claimed(one.id, "fixed_ip") == []
    assert set(_entries(cloud, net).values()) == {"10.60.0.102", "10.60.0.103"}
    three = _vm(cloud, make, base, "three", [{"network": net}])
    assert three.outputs["ip_address"] == "10.60.0.100"  # given back by the delete
    assert fixed.outputs["ip_address"] == "10.60.0.102"


def test_a_nic_added_later_gets_an_address_and_the_others_keep_theirs(cloud, make, base, drift):
    net = base["net"]
    vm = _vm(cloud, make, base, "vm", [{"network": net}])
    new = {**vm.inputs, "nics": [*vm.inputs["nics"], {"network": net, "fixed_ip": None, "security_groups": []}]}
    outputs = cloud.update("instance", vm.ctx, vm.id, vm.inputs, new, ["nics"], vm.outputs)
    assert outputs["ip_addresses"] == ["10.60.0.100", "10.60.0.101"]
    observed = cloud.read("instance", vm.ctx, vm.id, outputs)
    assert drift(observed, new) == {}
    back = {**new, "nics": new["nics"][:1]}
    outputs = cloud.update("instance", vm.ctx, vm.id, new, back, ["nics"], outputs)
    assert outputs["ip_addresses"] == ["10.60.0.100"]
    assert cloud.inventory.claimed(vm.id, "fixed_ip") == [f"{net}/10.60.0.100"]
    assert list(_entries(cloud, net).values()) == ["10.60.0.100"]


def test_a_full_range_is_refused_naming_the_nic(cloud, make, base):
    small = make(cloud, "network", "small", cidr="10.62.0.0/24", dhcp_start="10.62.0.2", dhcp_end="10.62.0.2").id
    _vm(cloud, make, base, "first", [{"network": small}])
    with pytest.raises(Exception, match=r"instance.second.nics\[0\].network: no free address left in the DHCP range"):
        _vm(cloud, make, base, "second", [{"network": small}])


def test_a_nic_made_before_iaas_gave_addresses_stays_as_it_is(cloud, make, base, drift):
    net = base["net"]
    vm = _vm(cloud, make, base, "old", [{"network": net}])
    mac = vm.outputs["mac_addresses"][0]
    cloud.hosts["h1"].update_dhcp_host("front", "delete", mac, "")  # as made before: no entry, nothing held
    with cloud.inventory.transaction():
        cloud.inventory.release_claims(vm.id, "fixed_ip", set())
    observed = cloud.read("instance", vm.ctx, vm.id, vm.outputs)
    assert drift(observed, vm.inputs) == {}
    new = {**vm.inputs, "nics": [*vm.inputs["nics"], {"network": net, "fixed_ip": None, "security_groups": []}]}
    outputs = cloud.update("instance", vm.ctx, vm.id, vm.inputs, new, ["nics"], vm.outputs)
    assert _entries(cloud, net) == {outputs["mac_addresses"][1]: outputs["ip_addresses"][1]}  # only the new NIC's
    assert [n.mac for n in cloud.hosts["h1"].get_domain(vm.id).nics] == [mac, outputs["mac_addresses"][1]]
    assert drift(cloud.read("instance", vm.ctx, vm.id, outputs), new) == {}
