"""Instances: flavors, sizes, ceilings, volumes, NICs and how changes apply (iaas.model.instance)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from iaas.model import FLAVORS, UNKNOWN, Image, Instance, Network, Nic, Reference, SecurityGroup, Volume, object_schema
from iaas.model.values import ForbiddenChange, action_of, complete, diff, from_raw, inputs_of, validate

from ._util import assert_invalid, assert_valid, problems


def _vm(**values: Any) -> dict[str, Any]:
    return {"name": "vm", "image": "${image.debian}", "flavor": "m1.small", **values}


def _raw(**values: Any) -> dict[str, Any]:
    return from_raw(Instance, _vm(**values))


def _sized(**values: Any) -> dict[str, Any]:
    """Sized by hand rather than by a flavor."""
    return from_raw(Instance, {"name": "vm", "image": "${image.debian}", "vcpus": 2, "memory_mib": 2048, **values})


# ---------------------------------------------------------------- validation


def test_valid_instances() -> None:
    assert_valid(Instance, _raw())
    assert_valid(Instance, _sized())
    assert_valid(Instance, _raw(vcpus=4, memory_mib=1024, max_vcpus=8, max_memory_mib=4096, root_disk_gib=50))
    assert_valid(
        Instance,
        _raw(
            volumes=["${volume.a}", "${volume.b}"],
            key_pair="${key_pair.admin}",
            user_data="#cloud-config\n{}\n",
            power_state="stopped",
            host="node1",
            server_group="${server_group.spread}",
            project="${project.team}",
            nics=[
                {"network": "${network.web}", "fixed_ip": "10.0.0.5", "security_groups": ["${security_group.ssh}"]},
                {"network": "${network.db}"},
            ],
        ),
    )


def test_python_objects_become_references() -> None:
    image, net = Image(name="debian", source="/srv/d.qcow2"), Network(name="web", cidr="10.0.0.0/24")
    vm = Instance(
        name="vm",
        image=image,
        flavor="m1.tiny",
        volumes=[Volume(name="a", size_gib=1)],
        nics=[Nic(network=net, security_groups=[SecurityGroup(name="ssh").ref()])],
    )
    values = inputs_of(vm)
    assert values["image"] == Reference("image", "debian")
    assert values["volumes"] == [Reference("volume", "a")]
    assert values["nics"] == [
        {"network": Reference("network", "web"), "security_groups": [Reference("security_group", "ssh")]}
    ]
    assert_valid(Instance, values)


def test_image_is_required() -> None:
    assert problems(Instance, {"name": "vm", "flavor": "m1.tiny"}) == {"image": "is required"}


@pytest.mark.parametrize("values", [{}, {"vcpus": 2}, {"memory_mib": 2048}])
def test_sizes_come_from_a_flavor_or_from_vcpus_and_memory(values: dict[str, Any]) -> None:
    assert problems(Instance, {"name": "vm", "image": "i", **values}) == {
        "flavor": "set a flavor, or both vcpus and memory_mib"
    }


def test_a_flavor_is_any_well_formed_name_the_cloud_then_checks() -> None:
    assert problems(Instance, _raw(flavor="m1.huge")) == {}  # an operator's flavor: known to the cloud only
    assert "invalid flavor name" in problems(Instance, _raw(flavor="m1 huge"))["flavor"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("vcpus", 0, "must be at least 1; got 0"),
        ("vcpus", 257, "must be at most 256; got 257"),
        ("vcpus", "2", "expected integer, got str '2'"),
        ("vcpus", True, "expected integer, got bool True"),
        ("memory_mib", 63, "must be at least 64; got 63"),
        ("memory_mib", 4 * 1024 * 1024 + 1, "must be at most 4194304; got 4194305"),
        ("max_vcpus", 0, "must be at least 1; got 0"),
        ("max_memory_mib", 32, "must be at least 64; got 32"),
        ("root_disk_gib", 0, "must be at least 1; got 0"),
        ("root_disk_gib", 65537, "must be at most 65536; got 65537"),
        ("power_state", "paused", "must be one of running, stopped; got 'paused'"),
        ("user_data", {"packages": []}, "expected string, got mapping {'packages': []}"),
        ("user_data", "#cloud-config\n- packages\n", "#cloud-config user data must be a YAML mapping"),
        (
            "user_data",
            "#cloud-config\nkey: [unclosed\n",
            "#cloud-config user data is not valid YAML at line 3, column 1",
        ),
        (
            "user_data",
            "#cloud-config\nssh_authorized_keys: ssh-ed25519 AAAA\n",
            "ssh_authorized_keys in the #cloud-config user data must be a list",
        ),
        ("volumes", "${volume.a}", "a reference (${volume.a.id}) cannot stand for a list(string)"),
        ("nics", {"network": "n"}, "expected a list, got a mapping"),
    ],
)
def test_field_rules(name: str, value: Any, message: str) -> None:
    assert problems(Instance, _raw(**{name: value})) == {name: message}


@pytest.mark.parametrize(
    ("values", "ceiling", "message"),
    [
        ({"vcpus": 4, "max_vcpus": 2}, "max_vcpus", "max_vcpus (2) is below vcpus (4)"),
        (
            {"memory_mib": 4096, "max_memory_mib": 2048},
            "max_memory_mib",
            "max_memory_mib (2048) is below memory_mib (4096)",
        ),
        ({"flavor": "m1.medium", "max_vcpus": 1}, "max_vcpus", "max_vcpus (1) is below vcpus (2)"),
    ],
)
def test_ceilings_are_not_below_the_sizes(values: dict[str, Any], ceiling: str, message: str) -> None:
    assert problems(Instance, _raw(**values)) == {ceiling: message}


def test_a_ceiling_below_the_flavor_size_is_refused() -> None:
    values = {"name": "vm", "image": "i", "flavor": "m1.large", "max_vcpus": 2, "max_memory_mib": 1024}
    assert {(e.field, e.message) for e in validate(Instance, values)} == {
        ("max_vcpus", "max_vcpus (2) is below vcpus (4)"),
        ("max_memory_mib", "max_memory_mib (1024) is below memory_mib (8192)"),
    }


def test_sizes_set_by_hand_override_the_flavor_for_the_ceiling_rule() -> None:
    assert_valid(Instance, _raw(flavor="m1.large", vcpus=1, max_vcpus=2))


@pytest.mark.parametrize(
    "volumes", [["${volume.a}", "${volume.b}", "${volume.a}"], ["${volume.a}", "${volume.b}", "${volume.a.id}"]]
)
def test_a_volume_attached_twice(volumes: list[str]) -> None:
    assert problems(Instance, _raw(volumes=volumes)) == {"volumes[2]": "volume ${volume.a.id} is attached twice"}


def test_a_volume_attached_twice_by_object_or_by_id() -> None:
    vol = Volume(name="a", size_gib=1)
    assert problems(Instance, inputs_of(Instance(name="vm", image="i", flavor="m1.tiny", volumes=[vol, vol]))) == {
        "volumes[1]": "volume ${volume.a.id} is attached twice"
    }
    assert problems(Instance, _raw(volumes=["vol-1", "vol-1"])) == {"volumes[1]": "volume vol-1 is attached twice"}


def test_volumes_known_only_after_apply_are_left_alone() -> None:
    assert validate(Instance, {"name": "vm", "image": "i", "flavor": "m1.tiny", "volumes": UNKNOWN}) == []


def test_two_volumes_known_only_after_apply_are_not_the_same_volume() -> None:
    values = {"name": "vm", "image": "i", "flavor": "m1.tiny", "volumes": [UNKNOWN, UNKNOWN]}
    assert validate(Instance, values) == []


@pytest.mark.parametrize(
    ("nic", "path", "message"),
    [
        ({}, "nics[1].network", "is required"),
        ({"network": "n", "fixed_ip": "10.0.0.300"}, "nics[1].fixed_ip", "invalid IPv4 address '10.0.0.300'"),
        ({"network": "n", "fixed_ip": 10}, "nics[1].fixed_ip", "expected string, got int 10"),
        ({"network": "${volume.v}"}, "nics[1].network", "must refer to a network, not to volume.v"),
        (
            {"network": "n", "security_groups": ["${network.n}"]},
            "nics[1].security_groups[0]",
            "must refer to a security_group, not to network.n",
        ),
        ({"network": "n", "security_groups": [1]}, "nics[1].security_groups[0]", "expected string, got int 1"),
        ({"network": "n", "foo": 1}, "nics[1].foo", "unknown field (known fields: network, fixed_ip, security_groups)"),
    ],
)
def test_nic_rules(nic: dict[str, Any], path: str, message: str) -> None:
    assert problems(Instance, _raw(nics=[{"network": "n"}, nic])) == {path: message}
    assert_invalid(Instance, _raw(nics=[{"network": "n"}, nic]), path, message)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("key_pair", "key_pair"), ("server_group", "server_group"), ("project", "project"), ("image", "image")],
)
def test_references_to_other_kinds(name: str, kind: str) -> None:
    assert_valid(Instance, _raw(**{name: "${" + kind + ".x}"}))
    article = "an" if kind[0] in "aeiou" else "a"
    expected = {name: f"must refer to {article} {kind}, not to network.x"}
    assert problems(Instance, _raw(**{name: "${network.x}"})) == expected


@pytest.mark.parametrize("name", ["id", "ip_address", "ip_addresses", "mac_addresses"])
def test_computed_fields_cannot_be_set(name: str) -> None:
    assert problems(Instance, _raw(**{name: "x"})) == {name: "is computed by the cloud and cannot be set"}


def test_user_data_is_secret() -> None:
    user_data = object_schema(Instance).field("user_data")
    assert user_data is not None and user_data.spec.secret


# ---------------------------------------------------------------- complete


@pytest.mark.parametrize("flavor", list(FLAVORS))
def test_a_flavor_fills_the_sizes_and_the_ceilings(flavor: str) -> None:
    vcpus, memory, disk = FLAVORS[flavor]
    filled = complete(Instance, _raw(flavor=flavor))
    assert (filled["vcpus"], filled["memory_mib"], filled["root_disk_gib"]) == (vcpus, memory, disk)
    assert (filled["max_vcpus"], filled["max_memory_mib"]) == (vcpus, memory)


def test_sizes_set_by_hand_win_over_the_flavor() -> None:
    filled = complete(Instance, _raw(flavor="m1.large", vcpus=2, max_memory_mib=16384, root_disk_gib=100))
    assert (filled["vcpus"], filled["memory_mib"], filled["root_disk_gib"]) == (2, 8192, 100)
    assert (filled["max_vcpus"], filled["max_memory_mib"]) == (2, 16384)


def test_without_a_flavor_the_root_disk_is_10_gib_and_the_ceilings_follow_the_sizes() -> None:
    filled = complete(Instance, _sized())
    assert (filled["root_disk_gib"], filled["max_vcpus"], filled["max_memory_mib"]) == (10, 2, 2048)


def test_complete_fills_nics_and_defaults() -> None:
    filled = complete(Instance, _raw(nics=[{"network": "n"}]))
    assert filled["nics"] == [{"network": "n", "fixed_ip": None, "security_groups": []}]
    assert filled["power_state"] == "running" and filled["volumes"] == []


def test_sizes_known_only_after_apply_leave_their_ceilings_unset() -> None:
    filled = complete(Instance, _sized(vcpus=UNKNOWN))
    assert filled["vcpus"] is UNKNOWN and filled["max_vcpus"] is None and filled["max_memory_mib"] == 2048


# ---------------------------------------------------------------- diff


def _change(old: dict[str, Any], **new: Any) -> dict[str, str]:
    before = complete(Instance, old)
    return {c.field: c.update for c in diff(Instance, before, complete(Instance, {**old, **new}))}


def test_memory_and_vcpus_change_live_within_their_ceilings() -> None:
    base = _sized(max_vcpus=8, max_memory_mib=8192)
    assert _change(base, memory_mib=4096) == {"memory_mib": "live"}
    assert _change(base, memory_mib=8192) == {"memory_mib": "live"}
    assert _change(base, memory_mib=1024) == {"memory_mib": "live"}
    assert _change(base, vcpus=8) == {"vcpus": "live"}
    assert _change(base, vcpus=1, memory_mib=512) == {"vcpus": "live", "memory_mib": "live"}
    assert action_of(diff(Instance, complete(Instance, base), complete(Instance, {**base, "vcpus": 4}))) == "update"


def test_memory_and_vcpus_above_their_ceilings_need_a_restart() -> None:
    base = _sized(max_vcpus=4, max_memory_mib=4096)
    assert _change(base, memory_mib=8192, max_memory_mib=8192) == {"memory_mib": "offline", "max_memory_mib": "offline"}
    assert _change(base, vcpus=8, max_vcpus=8) == {"vcpus": "offline", "max_vcpus": "offline"}
    assert _change(base, max_vcpus=16) == {"max_vcpus": "offline"}


def test_without_explicit_ceilings_a_size_change_moves_the_ceiling_and_needs_a_restart() -> None:
    assert _change(_sized(), memory_mib=4096) == {"memory_mib": "offline", "max_memory_mib": "offline"}
    assert _change(_sized(), vcpus=1) == {"vcpus": "offline", "max_vcpus": "offline"}


def test_a_new_flavor_needs_a_restart() -> None:
    assert _change(_raw(flavor="m1.small"), flavor="m1.medium") == {
        "flavor": "offline",
        "vcpus": "offline",
        "memory_mib": "offline",
        "max_vcpus": "offline",
        "max_memory_mib": "offline",
        "root_disk_gib": "live",
    }


def test_a_new_flavor_that_fits_the_ceilings_is_live() -> None:
    base = _raw(flavor="m1.tiny", max_vcpus=4, max_memory_mib=8192)
    assert _change(base, flavor="m1.small") == {"flavor": "live", "memory_mib": "live", "root_disk_gib": "live"}
    assert _change(base, flavor="m1.medium") == {
        "flavor": "live",
        "vcpus": "live",
        "memory_mib": "live",
        "root_disk_gib": "live",
    }


def test_a_new_flavor_above_the_ceilings_needs_a_restart() -> None:
    base = _raw(flavor="m1.tiny", max_vcpus=2, max_memory_mib=4096)
    assert _change(base, flavor="m1.large") == {
        "flavor": "offline",
        "vcpus": "offline",
        "memory_mib": "offline",
        "root_disk_gib": "live",
    }


def test_the_root_disk_grows_live_and_never_shrinks() -> None:
    assert _change(_raw(), root_disk_gib=40) == {"root_disk_gib": "live"}
    with pytest.raises(ForbiddenChange) as info:
        _change(_raw(), root_disk_gib=10)
    assert info.value.field == "root_disk_gib"
    assert str(info.value) == "cannot shrink the root disk from 20 GiB to 10 GiB"


def test_a_smaller_flavor_would_shrink_the_root_disk() -> None:
    with pytest.raises(ForbiddenChange, match="cannot shrink the root disk from 40 GiB to 20 GiB") as info:
        _change(_raw(flavor="m1.medium"), flavor="m1.small")
    assert info.value.field == "root_disk_gib"


@pytest.mark.parametrize(
    ("name", "value", "update"),
    [
        ("image", Reference("image", "other"), "replace"),
        ("key_pair", "k2", "replace"),
        ("user_data", "#cloud-config\n", "replace"),
        ("host", "node2", "migrate"),
        ("server_group", "g", "replace"),
        ("project", "p", "replace"),
        ("name", "vm2", "replace"),
        ("power_state", "stopped", "live"),
        ("volumes", [Reference("volume", "a")], "live"),
        ("nics", [{"network": "n", "fixed_ip": None, "security_groups": []}], "live"),
    ],
)
def test_update_class_of_the_other_fields(name: str, value: Any, update: str) -> None:
    assert _change(_raw(), **{name: value}) == {name: update}


def test_a_size_known_only_after_apply_needs_a_restart() -> None:
    base = _sized(max_vcpus=8)
    before = complete(Instance, base)
    changes = diff(Instance, before, {**before, "vcpus": UNKNOWN})
    assert [(c.field, c.update) for c in changes] == [("vcpus", "offline")]


@given(st.integers(1, 256), st.integers(1, 256), st.integers(1, 256))
def test_a_vcpu_change_is_live_exactly_when_it_stays_within_the_ceiling(ceiling: int, old: int, new: int) -> None:
    assume(old <= ceiling and old != new)
    before = complete(Instance, _sized(vcpus=old, max_vcpus=ceiling))
    if new > ceiling:  # the ceiling has to rise with it: a restart
        after = complete(Instance, _sized(vcpus=new, max_vcpus=new))
        assert {c.field: c.update for c in diff(Instance, before, after)} == {
            "vcpus": "offline",
            "max_vcpus": "offline",
        }
    else:
        after = complete(Instance, _sized(vcpus=new, max_vcpus=ceiling))
        assert {c.field: c.update for c in diff(Instance, before, after)} == {"vcpus": "live"}


def test_user_data_is_at_most_64_kib() -> None:
    from iaas.model.checks import USER_DATA_MAX

    base = {"name": "vm", "image": "${image.debian}", "flavor": "m1.tiny", "nics": [{"network": "${network.web}"}]}
    assert problems(Instance, {**base, "user_data": "#!/bin/sh\n" + "x" * (USER_DATA_MAX - 10)}) == {}
    assert problems(Instance, {**base, "user_data": "x" * (USER_DATA_MAX + 1)}) == {
        "user_data": "user data is 65537 bytes; at most 65536 bytes (64 KiB) are allowed"
    }
    two_bytes_each = "é" * (USER_DATA_MAX // 2 + 1)
    assert "65538 bytes" in problems(Instance, {**base, "user_data": two_bytes_each})["user_data"]


# ---------------------------------------------------------------- hardware


def test_hardware_fields_are_valid() -> None:
    assert_valid(
        Instance,
        _raw(
            cpu_mode="host-model",
            machine="q35",
            firmware="uefi",
            secure_boot=True,
            tpm=True,
            boot_order=["network", "disk"],
            disk_bus="sata",
            graphics="spice",
        ),
    )
    assert_valid(Instance, _raw(cpu_mode="Skylake-Client", machine="pc-i440fx-7.2", disk_bus="ide"))


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"secure_boot": True, "machine": "q35"}, "secure_boot", "needs firmware: uefi"),
        ({"secure_boot": True, "firmware": "uefi", "machine": "pc"}, "secure_boot", "needs machine q35"),
        ({"secure_boot": True, "firmware": "uefi"}, "secure_boot", "needs machine: q35"),
        ({"disk_bus": "ide", "machine": "pc-q35-7.2"}, "disk_bus", "has no IDE bus"),
        ({"boot_order": ["disk", "cdrom", "disk"]}, "boot_order[2]", "listed twice"),
        ({"boot_order": ["floppy"]}, "boot_order[0]", "must be one of disk, network, cdrom"),
        ({"firmware": "efi"}, "firmware", "must be one of bios, uefi"),
        ({"disk_bus": "nvme"}, "disk_bus", "must be one of virtio, scsi, sata, ide"),
        ({"graphics": "rdp"}, "graphics", "must be one of none, vnc, spice"),
        ({"cpu_mode": "host model"}, "cpu_mode", "invalid CPU mode"),
        ({"machine": "Q35!"}, "machine", "invalid machine type"),
    ],
)
def test_hardware_that_cannot_be_is_named_by_field(values: dict[str, Any], field: str, words: str) -> None:
    found = problems(Instance, _raw(**values))
    assert words in found.get(field, ""), found


def test_how_hardware_changes_apply() -> None:
    base = _raw()
    assert _change(base, cpu_mode="host-model") == {"cpu_mode": "offline"}
    assert _change(base, tpm=True) == {"tpm": "offline"}
    assert _change(base, boot_order=["network", "disk"]) == {"boot_order": "offline"}
    assert _change(base, graphics="vnc") == {"graphics": "offline"}
    assert _change(base, machine="q35") == {"machine": "replace"}
    assert _change(base, firmware="uefi") == {"firmware": "replace"}
    assert _change(base, disk_bus="scsi") == {"disk_bus": "replace"}
    uefi = _raw(firmware="uefi", machine="q35")
    assert _change(uefi, secure_boot=True) == {"secure_boot": "replace"}


def test_volumes_attach_with_a_restart_on_buses_without_hot_plug() -> None:
    assert _change(_raw(), volumes=["${volume.a}"]) == {"volumes": "live"}
    assert _change(_raw(disk_bus="scsi"), volumes=["${volume.a}"]) == {"volumes": "live"}
    assert _change(_raw(disk_bus="sata"), volumes=["${volume.a}"]) == {"volumes": "offline"}
    assert _change(_raw(disk_bus="ide"), volumes=["${volume.a}"]) == {"volumes": "offline"}
