"""Instances on simulated hosts: the domain and its parts, idempotence, drift, every kind of update, delete."""

from __future__ import annotations

import base64
import logging
import re
import shutil
import struct
import subprocess
from typing import Any

import attrs
import pytest
import yaml

from iaas.cloud import Cloud
from iaas.cloud.kinds import _seed
from iaas.cloud.kinds._instance_parts import disk_target, root_name
from iaas.cloud.kinds._libvirt import GIB, mac_address
from iaas.cloud.kinds.instance import SEED_KIND, seed_record_id
from iaas.cloud.pools import VOLUME_POOL
from iaas.errors import ConflictError, IaasError, NotFoundError, ValidationError
from iaas.model import Instance
from iaas.model.values import complete


def ed25519_key(comment: str = "me@example") -> str:
    blob = b"".join(struct.pack(">I", len(p)) + p for p in (b"ssh-ed25519", bytes(range(32))))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


@attrs.define
class Env:
    cloud: Cloud
    image: Any
    net: Any
    net2: Any
    data: Any
    logs: Any
    key: Any

    def inputs(self, **extra: Any) -> dict[str, Any]:
        base = {
            "image": self.image.id,
            "flavor": "m1.small",
            "key_pair": self.key.id,
            "nics": [{"network": self.net.id, "fixed_ip": "10.40.0.10"}],
            "volumes": [self.data.id],
        }
        return {**base, **extra}


@pytest.fixture
def env(cloud, make, image_file) -> Env:
    return Env(
        cloud=cloud,
        image=make(cloud, "image", "deb", source=str(image_file)),
        net=make(cloud, "network", "front", cidr="10.40.0.0/24"),
        net2=make(cloud, "network", "back", cidr="10.41.0.0/24", mode="isolated"),
        data=make(cloud, "volume", "data", size_gib=5),
        logs=make(cloud, "volume", "logs", size_gib=2, format="raw"),
        key=make(cloud, "key_pair", "me", public_key=ed25519_key()),
    )


@pytest.fixture
def vm(env, make):
    return make(env.cloud, "instance", "vm", **env.inputs())


def domains(cloud: Cloud, host: str = "h1") -> list[str]:
    return [o.name for o in cloud.hosts[host].list_managed() if o.type == "domain"]


def dhcp_hosts(cloud: Cloud, network_id: str) -> list[tuple[str, str]]:
    return [(h.mac, h.ip) for h in cloud.hosts["h1"].get_network(network_id).spec.dhcp_hosts]


def update(
    env: Env, vm: Any, declared: dict[str, Any] | None = None, **changes: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Update through the cloud as the engine does (from the declared inputs); the new inputs and the outputs."""
    new = complete(Instance, {"name": vm.inputs["name"], **(declared or vm.inputs), **changes})
    changed = [k for k in new if new[k] != vm.inputs.get(k)]
    return new, env.cloud.update("instance", vm.ctx, vm.id, vm.inputs, new, changed, vm.outputs)


# ---------------------------------------------------------------- create


def test_create_builds_the_domain_and_its_parts(env, vm):
    host = env.cloud.hosts["h1"]
    info = host.get_domain(vm.id)
    assert info is not None and info.name == "vm" and info.uuid == vm.ctx.pending_id
    assert (info.state, info.vcpus, info.memory_mib) == ("running", 1, 2048)
    assert info.meta is not None and (info.meta.stack, info.meta.address) == ("s1", "instance.vm")
    root = host.get_volume(VOLUME_POOL, root_name(vm.id))
    assert root.capacity_bytes == 20 * GIB and root.format == "qcow2"
    assert root.backing_path.endswith(f"/images/iaas-{env.image.id}.qcow2")
    disks = {d.target: d for d in info.disks}
    assert disks["vda"].path == root.path
    assert disks["vdb"].path == env.data.outputs["path"] and disks["vdb"].serial == env.data.id.replace("-", "")[:20]
    mac = mac_address(vm.id, env.net.id, 0)
    assert mac.startswith("52:54:00:") and [(n.network, n.mac) for n in info.nics] == [("front", mac)]
    assert info.spec.cdrom == f"/var/lib/iaas/volumes/iaas-{vm.id}-seed.iso"
    assert dhcp_hosts(env.cloud, env.net.id) == [(mac, "10.40.0.10")]
    assert vm.outputs == {
        "id": vm.id,
        "host": "h1",
        "ip_address": "10.40.0.10",
        "ip_addresses": ["10.40.0.10"],
        "mac_addresses": [mac],
    }


def test_the_seed_is_kept_in_the_inventory_only(env, vm):
    rec = env.cloud.inventory.get(seed_record_id(vm.id))
    assert rec is not None and rec.kind == SEED_KIND and rec.host == "h1" and rec.stack is None
    files = rec.data["files"]
    assert files["user-data"].startswith("#cloud-config\n")
    assert yaml.safe_load(files["user-data"]) == {"ssh_authorized_keys": [ed25519_key()]}
    assert yaml.safe_load(files["meta-data"]) == {"instance-id": vm.id, "local-hostname": "vm"}
    mac = vm.outputs["mac_addresses"][0]
    assert yaml.safe_load(files["network-config"]) == {
        "version": 2,
        "ethernets": {"nic0": {"match": {"macaddress": mac}, "dhcp4": True}},
    }


def test_cloud_config_user_data_gets_the_key_and_is_never_logged(env, make, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "#cloud-config\npackages: [nginx]\nwrite_files:\n- path: /etc/token\n  content: s3cr3t-t0ken\n"
    vm = make(env.cloud, "instance", "web", **env.inputs(user_data=secret, nics=[], volumes=[]))
    files = env.cloud.inventory.get(seed_record_id(vm.id)).data["files"]
    config = yaml.safe_load(files["user-data"])
    assert config["packages"] == ["nginx"] and config["ssh_authorized_keys"] == [ed25519_key()]
    assert "s3cr3t-t0ken" not in caplog.text


def test_script_user_data_is_kept_and_the_key_goes_to_meta_data(env, make):
    script = "#!/bin/sh\necho hi\n"
    vm = make(env.cloud, "instance", "job", **env.inputs(user_data=script, nics=[], volumes=[]))
    files = env.cloud.inventory.get(seed_record_id(vm.id)).data["files"]
    assert files["user-data"] == script
    assert yaml.safe_load(files["meta-data"])["public-keys"] == [ed25519_key()]


def test_invalid_cloud_config_is_refused_without_showing_it(env, make):
    with pytest.raises(ValidationError) as err:
        make(env.cloud, "instance", "bad", **env.inputs(user_data="#cloud-config\nkey: [unclosed s3cr3t\n"))
    assert "instance.bad.user_data: #cloud-config user data is not valid YAML" in str(err.value)
    assert "s3cr3t" not in str(err.value)
    assert domains(env.cloud) == []


def test_stopped_and_explicit_sizes(env, make):
    vm = make(
        env.cloud,
        "instance",
        "cold",
        **env.inputs(
            flavor=None,
            vcpus=2,
            memory_mib=1024,
            max_vcpus=4,
            max_memory_mib=4096,
            root_disk_gib=7,
            power_state="stopped",
            nics=[],
        ),
    )
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert (info.state, info.vcpus, info.max_vcpus, info.memory_mib, info.max_memory_mib) == (
        "shutoff",
        2,
        4,
        1024,
        4096,
    )
    assert env.cloud.hosts["h1"].get_volume(VOLUME_POOL, root_name(vm.id)).capacity_bytes == 7 * GIB
    assert vm.outputs["ip_address"] is None and vm.outputs["ip_addresses"] == []


def test_address_from_iaas_without_a_fixed_ip(env, make):
    vm = make(env.cloud, "instance", "dyn", **env.inputs(nics=[{"network": env.net.id}], volumes=[]))
    ip = vm.outputs["ip_address"]
    assert ip == "10.40.0.2" and vm.outputs["ip_addresses"] == [ip]  # the first of the network's DHCP range
    assert dhcp_hosts(env.cloud, env.net.id) == [(vm.outputs["mac_addresses"][0], ip)]


def test_wait_for_address_ends_once_every_nic_has_its_lease(env, make):
    vm = make(
        env.cloud,
        "instance",
        "ready",
        **env.inputs(nics=[{"network": env.net.id}, {"network": env.net2.id}], volumes=[], wait_for_address=True),
    )
    assert all(isinstance(ip, str) for ip in vm.outputs["ip_addresses"]) and len(vm.outputs["ip_addresses"]) == 2


def test_an_apply_that_waited_returns_the_addresses_it_waited_for(env, make, monkeypatch):
    host = env.cloud.hosts["h1"]
    reads = []
    original = type(host).domain_addresses

    def counted(self, ref, source="lease"):
        reads.append(ref)
        return original(self, ref, source)

    monkeypatch.setattr(type(host), "domain_addresses", counted)
    vm = make(
        env.cloud, "instance", "waited", **env.inputs(nics=[{"network": env.net.id}], volumes=[], wait_for_address=True)
    )
    held = [a.address for a in original(host, vm.id)]
    assert vm.outputs["ip_addresses"] == held and vm.outputs["ip_address"] == held[0]
    assert len(reads) == 1  # the outputs are the addresses the wait saw, not a second reading


def test_ip_addresses_are_only_those_the_guest_holds(env, make):
    vm = make(env.cloud, "instance", "off", **env.inputs(volumes=[], power_state="stopped"))  # with a fixed IP
    assert vm.inputs["nics"][0]["fixed_ip"] == "10.40.0.10"
    assert vm.outputs["ip_address"] is None and vm.outputs["ip_addresses"] == [None]
    observed = env.cloud.read("instance", vm.ctx, vm.id, vm.outputs)
    assert observed.outputs["ip_addresses"] == [None]


def test_wait_for_address_fails_saying_what_it_saw_on_each_nic(env, make):
    bare = make(env.cloud, "network", "bare", cidr="10.42.0.0/24", dhcp=False)  # no DHCP: no lease ever comes
    nics = [{"network": env.net.id}, {"network": bare.id}]
    with pytest.raises(IaasError) as caught:
        make(
            env.cloud,
            "instance",
            "never",
            **env.inputs(nics=nics, volumes=[], wait_for_address=True, address_timeout=1),
        )
    message = str(caught.value)
    assert message.startswith("instance.never: wait_for_address: after ")
    assert "(timeout 1 s) the guest is running; leases seen: 52:54:00:" in message
    assert re.search(
        r"\(nics\[0\], network front\): 10\.40\.0\.\d+; 52:54:00:\S+ \(nics\[1\], network bare\): none$", message
    )


def test_two_nics_on_one_network_get_distinct_stable_macs(env, make):
    nics = [{"network": env.net.id}, {"network": "front"}]  # by id and by name
    vm = make(env.cloud, "instance", "multi", **env.inputs(nics=nics, volumes=[]))
    assert vm.outputs["mac_addresses"] == [mac_address(vm.id, env.net.id, 0), mac_address(vm.id, env.net.id, 1)]
    assert len(set(vm.outputs["mac_addresses"])) == 2


def test_create_again_with_the_same_pending_id_adopts(env, vm):
    again = env.cloud.create("instance", vm.ctx, vm.inputs, {})
    assert again == vm.outputs
    assert domains(env.cloud) == ["vm"]
    assert len(dhcp_hosts(env.cloud, env.net.id)) == 1
    roots = [v.name for v in env.cloud.hosts["h1"].list_volumes(VOLUME_POOL) if v.name.endswith("-root.qcow2")]
    assert roots == [root_name(vm.id)]


def test_create_finishes_an_interrupted_create(env, vm):
    host = env.cloud.hosts["h1"]
    host.stop_domain(vm.id)
    host.update_dhcp_host("front", "delete", vm.outputs["mac_addresses"][0], "")
    assert env.cloud.create("instance", vm.ctx, vm.inputs, {}) == vm.outputs
    assert host.get_domain(vm.id).state == "running"
    assert dhcp_hosts(env.cloud, env.net.id) == [(vm.outputs["mac_addresses"][0], "10.40.0.10")]


def test_placed_on_the_planned_host(two_hosts, make, image_file):
    make(two_hosts, "image", "deb", source=str(image_file))
    vm = make(two_hosts, "instance", "vm", image="deb", flavor="m1.tiny", planned={"host": "h2"})
    assert vm.outputs["host"] == "h2" and domains(two_hosts, "h2") == ["vm"] and domains(two_hosts, "h1") == []
    assert two_hosts.inventory.get(vm.id).host == "h2"


# ---------------------------------------------------------------- read, drift, lookup


def test_read_without_drift(env, vm, drift):
    observed = env.cloud.read("instance", vm.ctx, vm.id, vm.outputs)
    assert observed is not None and (observed.stack, observed.address) == ("s1", "instance.vm")
    assert observed.inputs == {
        "name": "vm",
        "vcpus": 1,
        "memory_mib": 2048,
        "max_vcpus": 1,
        "max_memory_mib": 2048,
        "power_state": "running",
        "root_disk_gib": 20,
        "image": env.image.id,
        "volumes": [env.data.id],
        "nics": [{"network": env.net.id, "fixed_ip": "10.40.0.10", "security_groups": []}],
        "firmware": "bios",
        "secure_boot": False,
        "tpm": False,
        "graphics": "none",
        "disk_bus": "virtio",
    }
    assert observed.outputs == vm.outputs
    assert drift(observed, vm.inputs) == {}


def test_drift_after_changes_behind_its_back(env, vm, drift):
    host = env.cloud.hosts["h1"]
    host.stop_domain(vm.id)
    host.set_memory(vm.id, 3072)
    host.resize_volume(VOLUME_POOL, root_name(vm.id), 25 * GIB)
    host.update_dhcp_host("front", "modify", vm.outputs["mac_addresses"][0], "10.40.0.77")
    host.detach_disk(vm.id, "vdb")
    observed = env.cloud.read("instance", vm.ctx, vm.id, vm.outputs)
    assert drift(observed, vm.inputs) == {
        "power_state": ("running", "stopped"),
        "memory_mib": (2048, 3072),
        "max_memory_mib": (2048, 3072),
        "root_disk_gib": (20, 25),
        "volumes": ([env.data.id], []),
        "nics": (vm.inputs["nics"], [{"network": env.net.id, "fixed_ip": "10.40.0.77", "security_groups": []}]),
    }
    assert observed.outputs["ip_address"] is None  # stopped: it holds no address (its fixed IP is in its nics)


def test_read_is_none_once_deleted_behind_its_back(env, vm):
    env.cloud.hosts["h1"].delete_domain(vm.id)
    assert env.cloud.read("instance", vm.ctx, vm.id, vm.outputs) is None


def test_read_finds_it_without_recorded_outputs(env, vm):
    env.cloud.inventory.delete(vm.id)  # as during an interrupted create: nothing recorded yet
    observed = env.cloud.read("instance", vm.ctx, vm.id, {})
    assert observed is not None and observed.outputs["host"] == "h1"


def test_lookup_by_name_and_by_id(env, vm):
    for ref in ("vm", vm.id):
        found = env.cloud.lookup("instance", vm.ctx, ref)
        assert found is not None and found.id == vm.id and found.outputs == vm.outputs
        assert found.inputs["flavor"] == "m1.small" and found.inputs["key_pair"] == env.key.id
        assert "user_data" not in found.inputs
    assert env.cloud.lookup("instance", vm.ctx, "nope") is None


# ---------------------------------------------------------------- updates


def test_live_memory_and_vcpus_within_the_ceilings(env, make, drift):
    vm = make(
        env.cloud,
        "instance",
        "elastic",
        **env.inputs(flavor=None, vcpus=1, memory_mib=1024, max_vcpus=4, max_memory_mib=4096),
    )
    new, out = update(env, vm, vcpus=3, memory_mib=3072)
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert (info.state, info.vcpus, info.memory_mib) == ("running", 3, 3072)
    assert out == vm.outputs
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out), new) == {}


def test_offline_change_stops_redefines_and_starts(env, vm, drift):
    new, out = update(env, vm, env.inputs(), flavor="m1.medium")
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert (info.state, info.vcpus, info.memory_mib, info.max_vcpus) == ("running", 2, 4096, 2)
    assert [d.target for d in info.disks] == ["vda", "vdb"] and info.spec.cdrom is not None
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out), new) == {}


def test_offline_change_of_a_stopped_instance_keeps_it_stopped(env, make):
    vm = make(env.cloud, "instance", "cold", **env.inputs(power_state="stopped"))
    update(env, vm, env.inputs(power_state="stopped"), flavor="m1.large")
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert (info.state, info.vcpus) == ("shutoff", 4)


def test_volumes_attach_and_detach(env, vm, drift):
    new, out = update(env, vm, volumes=[env.logs.id])
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert [(d.target, d.path, d.format) for d in info.disks[1:]] == [("vdb", env.logs.outputs["path"], "raw")]
    assert info.state == "running"
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out), new) == {}
    vm2 = attrs.evolve(vm, inputs=new, outputs=out)
    new2, out2 = update(env, vm2, volumes=[env.logs.id, env.data.id])
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert {d.target: d.path for d in info.disks[1:]} == {
        "vdb": env.logs.outputs["path"],
        "vdc": env.data.outputs["path"],
    }
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out2), new2) == {}


def test_nics_attach_detach_and_fixed_ip_changes(env, vm, drift):
    mac_front = vm.outputs["mac_addresses"][0]
    nics = [{"network": env.net.id, "fixed_ip": "10.40.0.11"}, {"network": env.net2.id, "fixed_ip": "10.41.0.5"}]
    new, out = update(env, vm, nics=nics)
    mac_back = mac_address(vm.id, env.net2.id, 0)
    assert out["mac_addresses"] == [mac_front, mac_back]
    assert out["ip_addresses"] == ["10.40.0.11", "10.41.0.5"]
    assert dhcp_hosts(env.cloud, env.net.id) == [(mac_front, "10.40.0.11")]
    assert dhcp_hosts(env.cloud, env.net2.id) == [(mac_back, "10.41.0.5")]
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert [(n.network, n.mac) for n in info.nics] == [("front", mac_front), ("back", mac_back)]
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out), new) == {}
    vm2 = attrs.evolve(vm, inputs=new, outputs=out)
    new2, out2 = update(env, vm2, nics=[{"network": env.net2.id}])
    assert out2["mac_addresses"] == [mac_back]
    assert dhcp_hosts(env.cloud, env.net.id) == []
    assert dhcp_hosts(env.cloud, env.net2.id) == [(mac_back, "10.41.0.5")]  # no longer fixed: iaas's to give, kept
    assert env.cloud.inventory.claimed(vm.id, "fixed_ip") == [f"{env.net2.id}/10.41.0.5"]
    assert [n.mac for n in env.cloud.hosts["h1"].get_domain(vm.id).nics] == [mac_back]
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out2), new2) == {}


def test_power_state(env, vm, drift):
    new, out = update(env, vm, power_state="stopped")
    assert env.cloud.hosts["h1"].get_domain(vm.id).state == "shutoff"
    assert out["ip_addresses"] == [None]  # a guest that is off holds no address, fixed or not
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out), new) == {}
    update(env, attrs.evolve(vm, inputs=new, outputs=out), power_state="running")
    assert env.cloud.hosts["h1"].get_domain(vm.id).state == "running"


def test_root_disk_grows(env, vm, drift):
    new, out = update(env, vm, root_disk_gib=30)
    root = env.cloud.hosts["h1"].get_volume(VOLUME_POOL, root_name(vm.id))
    assert root.capacity_bytes == 30 * GIB and root.backing_path is not None
    assert env.cloud.hosts["h1"].disk_capacity_live(vm.id, "vda") == 30 * GIB  # the running guest sees it
    assert drift(env.cloud.read("instance", vm.ctx, vm.id, out), new) == {}


def test_an_attached_volume_grows_under_the_running_guest(env, vm):
    host = env.cloud.hosts["h1"]
    assert host.disk_capacity_live(vm.id, "vdb") == 5 * GIB
    new = {**env.data.inputs, "size_gib": 8}
    env.cloud.update("volume", env.data.ctx, env.data.id, env.data.inputs, new, ["size_gib"], env.data.outputs)
    info = host.get_domain(vm.id)
    assert info.state == "running" and [d.path for d in info.disks[1:]] == [env.data.outputs["path"]]
    assert host.disk_capacity_live(vm.id, "vdb") == 8 * GIB


def test_update_of_an_instance_that_is_gone(env, vm):
    env.cloud.hosts["h1"].delete_domain(vm.id)
    with pytest.raises(NotFoundError):
        update(env, vm, power_state="stopped")


# ---------------------------------------------------------------- delete


def test_delete_removes_everything_and_twice_is_fine(env, vm):
    env.cloud.delete("instance", vm.ctx, vm.id, vm.outputs)
    host = env.cloud.hosts["h1"]
    assert domains(env.cloud) == []
    assert host.get_volume(VOLUME_POOL, root_name(vm.id)) is None
    assert host.get_volume(VOLUME_POOL, f"iaas-{env.data.id}.qcow2") is not None  # attached volumes are kept
    assert dhcp_hosts(env.cloud, env.net.id) == []
    assert env.cloud.inventory.get(seed_record_id(vm.id)) is None
    assert env.cloud.inventory.get(vm.id) is None
    assert env.cloud.read("instance", vm.ctx, vm.id, vm.outputs) is None
    env.cloud.delete("instance", vm.ctx, vm.id, vm.outputs)


def test_delete_cleans_dhcp_entries_of_a_domain_deleted_behind_its_back(env, vm):
    env.cloud.hosts["h1"].delete_domain(vm.id)
    env.cloud.delete("instance", vm.ctx, vm.id, vm.outputs)
    assert dhcp_hosts(env.cloud, env.net.id) == []
    assert env.cloud.hosts["h1"].get_volume(VOLUME_POOL, root_name(vm.id)) is None


# ---------------------------------------------------------------- what only the cloud can catch


def test_name_taken_by_another_stack(env, make):
    make(env.cloud, "instance", "vm", stack="other", **env.inputs(nics=[], volumes=[]))
    with pytest.raises(
        ConflictError, match="domain named 'vm' already exists on host 'h1': it belongs to instance.vm of stack 'other'"
    ):
        make(env.cloud, "instance", "vm", **env.inputs(nics=[], volumes=[]))
    assert domains(env.cloud) == ["vm"]


def test_unknown_network_and_volume(env, make):
    with pytest.raises(ValidationError, match=r"instance.vm.nics\[0\].network: no network 'nope' on host 'h1'"):
        make(env.cloud, "instance", "vm", **env.inputs(nics=[{"network": "nope"}]))
    with pytest.raises(ValidationError, match=r"instance.vm.volumes\[1\]: no volume 'nope' on host 'h1'"):
        make(env.cloud, "instance", "vm", **env.inputs(volumes=[env.data.id, "nope"]))
    assert domains(env.cloud) == [] and env.cloud.hosts["h1"].get_volume(VOLUME_POOL, "x") is None


def test_volume_on_another_host(two_hosts, make, image_file):
    make(two_hosts, "image", "deb", source=str(image_file))
    vol = make(two_hosts, "volume", "data", size_gib=1, planned={"host": "h2"})
    with pytest.raises(
        ValidationError,
        match=r"volumes\[0\]: volume .* is on host 'h2', not on the instance's host "
        r"'h1'",
    ):
        make(two_hosts, "instance", "vm", image="deb", flavor="m1.tiny", volumes=[vol.id], planned={"host": "h1"})


def test_fixed_ip_taken_or_outside_the_network(env, vm, make):
    with pytest.raises(
        ConflictError, match=r"nics\[0\].fixed_ip: 10.40.0.10 is already given to instance.vm \(stack s1\)"
    ):
        make(env.cloud, "instance", "other", **env.inputs(volumes=[]))
    with pytest.raises(ValidationError, match=r"nics\[0\].fixed_ip: 10.99.0.1 is not a usable address"):
        make(
            env.cloud,
            "instance",
            "other",
            **env.inputs(volumes=[], nics=[{"network": env.net.id, "fixed_ip": "10.99.0.1"}]),
        )


def test_unknown_key_pair(env, make):
    with pytest.raises(ValidationError, match="instance.vm.key_pair: no key pair 'nope'"):
        make(env.cloud, "instance", "vm", **env.inputs(key_pair="nope"))


def test_disk_targets():
    assert [disk_target(i) for i in (0, 1, 25, 26, 27)] == ["vda", "vdb", "vdz", "vdaa", "vdab"]


def test_security_groups_on_a_simulated_host_are_recorded_not_filtered(env, make, drift):
    sg = make(env.cloud, "security_group", "ssh", rules=[{"protocol": "tcp", "port_min": 22}])
    vm = make(
        env.cloud,
        "instance",
        "guarded",
        **env.inputs(volumes=[], nics=[{"network": env.net.id, "security_groups": [sg.id]}]),
    )
    info = env.cloud.hosts["h1"].get_domain(vm.id)
    assert [n.filter for n in info.nics] == [None]
    observed = env.cloud.read("instance", vm.ctx, vm.id, vm.outputs)
    assert observed.inputs["nics"][0]["security_groups"] == [sg.id]
    assert drift(observed, vm.inputs) == {}


# ---------------------------------------------------------------- the seed ISO of real hosts


@pytest.mark.skipif(
    _seed.iso_tool() is None or shutil.which("isoinfo") is None,
    reason="needs genisoimage (or mkisofs/xorriso) and isoinfo",
)
def test_seed_iso_is_a_nocloud_volume(tmp_path):
    files = _seed.render("id-1", "vm", "#cloud-config\nruncmd: [true]\n", ed25519_key(), ["52:54:00:00:00:01"])
    dest = tmp_path / "iaas-id-1-seed.iso"
    _seed.build_iso(files, dest)
    assert dest.stat().st_mode & 0o777 == 0o600
    info = subprocess.run(["isoinfo", "-d", "-i", str(dest)], capture_output=True, text=True, check=True).stdout
    assert "Volume id: cidata" in info
    for name, content in files.items():
        got = subprocess.run(
            ["isoinfo", "-J", "-i", str(dest), "-x", f"/{name}"], capture_output=True, check=True
        ).stdout.decode()
        assert got == content
    assert not list(tmp_path.glob(".*.part"))


def test_seed_iso_without_a_tool_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_seed.shutil, "which", lambda name: None)
    with pytest.raises(IaasError, match="needs genisoimage"):
        _seed.build_iso({"user-data": "", "meta-data": "", "network-config": ""}, tmp_path / "seed.iso")


def test_a_volume_is_attached_to_one_instance_only(env, vm, make):
    with pytest.raises(
        ConflictError,
        match=r"instance.other.volumes\[0\]: volume .* is already attached to "
        r"instance.vm \(stack s1\)",
    ):
        make(env.cloud, "instance", "other", **env.inputs(nics=[]))


def test_redefining_stamps_the_current_owner(env, vm):
    from iaas.cloud import OpContext

    ctx = OpContext("s2", "instance.adopted")
    new = complete(Instance, {**env.inputs(), "name": "vm", "flavor": "m1.medium"})
    changed = [k for k in new if new[k] != vm.inputs.get(k)]
    env.cloud.update("instance", ctx, vm.id, vm.inputs, new, changed, vm.outputs)
    meta = env.cloud.hosts["h1"].get_domain(vm.id).meta
    assert (meta.stack, meta.address) == ("s2", "instance.adopted")


def test_read_while_a_nic_network_is_gone(env, make, drift):
    vm = make(env.cloud, "instance", "orphaned", **env.inputs(volumes=[], nics=[{"network": env.net2.id}]))
    env.cloud.hosts["h1"].delete_network(env.net2.id)  # as in the middle of a network's replacement
    observed = env.cloud.read("instance", vm.ctx, vm.id, vm.outputs)
    assert observed is not None and observed.outputs["ip_addresses"] == [None]
    assert observed.inputs["nics"] == [{"network": "back", "fixed_ip": None, "security_groups": []}]


# ---------------------------------------------------------------- an interrupted create is found and repaired


def test_a_domain_without_its_root_disk_reads_as_needing_replacement(env, vm, drift):
    env.cloud.hosts["h1"].delete_volume(VOLUME_POOL, root_name(vm.id))
    observed = env.cloud.read("instance", vm.ctx, vm.id, {})
    assert observed is not None
    changed = drift(observed, vm.inputs)
    assert changed["image"] == (env.image.id, None) and changed["root_disk_gib"] == (20, None)


def test_starting_makes_a_missing_seed_again(env, make, drift):
    vm = make(env.cloud, "instance", "late", **env.inputs(power_state="stopped", volumes=[]))
    env.cloud.inventory.delete(seed_record_id(vm.id))  # as if the create was killed before the seed was kept
    new, out = update(env, vm, power_state="running")
    assert env.cloud.hosts["h1"].get_domain(vm.id).state == "running"
    rec = env.cloud.inventory.get(seed_record_id(vm.id))
    assert rec is not None and yaml.safe_load(rec.data["files"]["meta-data"])["instance-id"] == vm.id


def test_the_domain_is_defined_before_anything_else(env, make, monkeypatch):
    host = env.cloud.hosts["h1"]
    seen: list[str] = []
    for name in ("define_domain", "create_volume", "update_dhcp_host", "start_domain"):
        original = getattr(host, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            seen.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(host, name, spy)
    make(env.cloud, "instance", "ordered", **env.inputs(volumes=[]))
    assert seen == ["define_domain", "create_volume", "update_dhcp_host", "start_domain"]
