"""The parity table: one row per case, run through every face (tests/parity/test_parity.py).

A case is a stack (resources in the order a program would declare them) applied to a cloud that already holds the
*world* (stack ``base``: image ``deb``, network ``lan`` 10.70.0.0/24, project ``small`` with a quota of one
instance, used by instance ``held`` at 10.70.0.10, floating IP ``public`` holding 203.0.113.10).  Inside a stack,
``${kind.name}`` refers to a resource of the same stack; a plain name refers to an object of the world.  A bad case
names the resource, the field and a fragment of the message every face reports; nothing may be touched.  A change
case applies ``stack``, then plans ``change`` and expects one action for ``address``: ``noop``, ``live``,
``restart`` or ``replace``.  A face that cannot express a case says why in ``cannot`` (face -> reason); such a cell
is reported as a skip with that reason, never silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from iaas import Cloud
from iaas.model import KINDS
from iaas.model.values import complete
from iaas.resources import Session
from tests.admission_cases import OUTSIDE, OUTSIDE_ERROR, OVERLAP_ERROR, OVERLAPPING, owners, seed

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d test@iaas"
FACES = ("python", "cli", "terraform", "pulumi", "ansible")

#: (kind, name, inputs) of one resource of a stack.
Item = tuple[str, str, dict[str, Any]]


@attrs.frozen
class Case:
    """One row of the table."""

    id: str
    stack: tuple[Item, ...]
    error: tuple[str, str, str] | None = None  # (address, field, message fragment) of a bad case
    change: tuple[Item, ...] | None = None  # the edited stack of a change case
    action: str | None = None  # noop, live, restart or replace: the plan of ``address`` after ``change``
    address: str | None = None
    depends_on: dict[str, tuple[str, ...]] = attrs.field(factory=dict)  # address -> addresses
    cannot: dict[str, str] = attrs.field(factory=dict)  # face -> why it cannot express the case
    #: face -> (field, message fragment) in the face's own words, where the face's own checks speak (not the core)
    words: dict[str, tuple[str, str]] = attrs.field(factory=dict)

    @property
    def bad(self) -> bool:
        """True for a case every face must refuse."""
        return self.error is not None


def bad(id: str, kind: str, inputs: dict[str, Any], field: str, fragment: str, **extra: Any) -> Case:
    """A stack of one new resource, ``<kind>.<id>`` unless ``inputs`` names it, that every face refuses."""
    name = str(inputs.get("name", id))
    return Case(id, ((kind, name, {"name": name, **inputs}),), (f"{kind}.{name}", field, fragment), **extra)


VM = {"image": "deb", "flavor": "m1.tiny"}
ROOM = {"max_vcpus": 2, "max_memory_mib": 4096}  # ceilings above the flavor: a larger flavor fits them
NIC_ON_LAN = {"network": "lan"}
HELD_FLOATING = "203.0.113.10"  # the world's floating IP ``public`` holds it (the embedded cloud's pool)
TASKS_IN_ORDER = "tasks run in order: a task cannot depend on one that comes after it"
REGISTERED_IN_ORDER = "a program registers resources in order: it cannot refer to one not yet registered"

CASES: list[Case] = [
    # ------------------------------------------------------------------ across objects (admission)
    bad("overlap", "network", {**OVERLAPPING, "name": "overlap"}, OVERLAP_ERROR[0], OVERLAP_ERROR[1]),
    bad("overlap-inside", "network", {"cidr": "10.70.0.64/26"}, "cidr", "overlaps 10.70.0.0/24 of network network.lan"),
    bad("overlap-outer", "network", {"cidr": "10.0.0.0/8"}, "cidr", "overlaps 10.70.0.0/24 of network network.lan"),
    bad("fixed-ip-outside", "instance", {**OUTSIDE, "name": "fixed-ip-outside"}, OUTSIDE_ERROR[0], OUTSIDE_ERROR[1]),
    bad(
        "fixed-ip-taken",
        "instance",
        {**VM, "nics": [{**NIC_ON_LAN, "fixed_ip": "10.70.0.10"}]},
        "nics[0].fixed_ip",
        "10.70.0.10",
    ),
    bad(
        "fixed-ip-gateway",
        "instance",
        {**VM, "nics": [{**NIC_ON_LAN, "fixed_ip": "10.70.0.1"}]},
        "nics[0].fixed_ip",
        "10.70.0.1 is not a usable address of network network.lan",
    ),
    bad(
        "fixed-ip-network",
        "instance",
        {**VM, "nics": [{**NIC_ON_LAN, "fixed_ip": "10.70.0.0"}]},
        "nics[0].fixed_ip",
        "10.70.0.0 is not a usable address of network network.lan",
    ),
    bad(
        "fixed-ip-broadcast",
        "instance",
        {**VM, "nics": [{**NIC_ON_LAN, "fixed_ip": "10.70.0.255"}]},
        "nics[0].fixed_ip",
        "10.70.0.255 is not a usable address of network network.lan",
    ),
    bad("quota", "instance", {**VM, "project": "small"}, "project", "quota"),
    bad("capacity", "instance", {"image": "deb", "vcpus": 256, "memory_mib": 4 * 1024 * 1024}, "", "no host"),
    bad("name-taken", "network", {"name": "lan", "cidr": "10.71.0.0/24"}, "name", "lan"),
    bad(
        "floating-ip-outside",
        "floating_ip",
        {"instance": "held", "ip_address": "198.51.100.7"},
        "ip_address",
        "198.51.100.7 is not an address of the floating pool of host default (203.0.113.0/24)",
    ),
    bad(
        "floating-ip-taken",
        "floating_ip",
        {"instance": "held", "ip_address": HELD_FLOATING},
        "ip_address",
        f"floating address {HELD_FLOATING} is already held by floating_ip.public (stack base)",
    ),
    # ------------------------------------------------------------------ references
    bad("image-is-nothing", "instance", {"image": "nope", "flavor": "m1.tiny"}, "image", "nope"),
    bad("network-is-nothing", "instance", {**VM, "nics": [{"network": "nowhere"}]}, "nics[0].network", "nowhere"),
    bad("key-pair-is-nothing", "instance", {**VM, "key_pair": "nokey"}, "key_pair", "nokey"),
    bad("project-is-nothing", "network", {"cidr": "10.72.0.0/24", "project": "noproj"}, "project", "noproj"),
    bad("volume-image-is-nothing", "volume", {"size_gib": 1, "image": "nope"}, "image", "nope"),
    bad(
        "forward-to-nothing",
        "port_forward",
        {"instance": "novm", "target_port": 22, "host_port": 2222},
        "instance",
        "novm",
    ),
    bad("snapshot-of-nothing", "snapshot", {"instance": "novm"}, "instance", "novm"),
    bad("floating-ip-to-nothing", "floating_ip", {"instance": "novm"}, "instance", "novm"),
    bad(
        "undeclared-reference",
        "instance",
        {"image": "${image.nope}", "flavor": "m1.tiny"},
        "image",
        "image.nope",
        cannot={"pulumi": REGISTERED_IN_ORDER, "ansible": "a task refers to an object by name: see image-is-nothing"},
        words={"terraform": ("image", "Reference to undeclared resource")},
    ),
    Case(
        "cycle",
        (("key_pair", "ka", {"name": "ka", "public_key": KEY}), ("key_pair", "kb", {"name": "kb", "public_key": KEY})),
        ("key_pair.ka", "", "cycle"),
        depends_on={"key_pair.ka": ("key_pair.kb",), "key_pair.kb": ("key_pair.ka",)},
        cannot={"pulumi": REGISTERED_IN_ORDER, "ansible": TASKS_IN_ORDER},
    ),
    # ------------------------------------------------------------------ one object's fields
    bad("unknown-field", "network", {"cidr": "10.73.0.0/24", "colour": "blue"}, "colour", ""),
    bad("wrong-type", "network", {"cidr": "10.73.0.0/24", "mtu": "big"}, "mtu", ""),
    bad("missing-field", "network", {}, "cidr", ""),
    bad("bad-cidr", "network", {"cidr": "10.0.0.1/24"}, "cidr", "invalid IPv4 CIDR"),
    bad("bad-mode", "network", {"cidr": "10.73.0.0/24", "mode": "weird"}, "mode", "weird"),
    bad("dhcp-outside", "network", {"cidr": "10.73.0.0/24", "dhcp_start": "10.74.0.10"}, "dhcp_start", "10.74.0.10"),
    bad("bad-domain", "network", {"cidr": "10.73.0.0/24", "domain": "my lab"}, "domain", "invalid DNS domain"),
    bad("mtu-too-small", "network", {"cidr": "10.73.0.0/24", "mtu": 10}, "mtu", "10"),
    bad("bad-ipv6", "network", {"cidr": "10.73.0.0/24", "ipv6_cidr": "fd00::zz/64"}, "ipv6_cidr", "fd00::zz/64"),
    bad("mtu-too-big", "network", {"cidr": "10.73.0.0/24", "mtu": 10000}, "mtu", "10000"),
    bad("bad-network-name", "network", {"name": "web lan", "cidr": "10.73.0.0/24"}, "name", "invalid name"),
    bad("path-name", "volume", {"name": "../../etc", "size_gib": 1}, "name", "invalid name"),
    bad("volume-size-zero", "volume", {"size_gib": 0}, "size_gib", "0"),
    bad("volume-format", "volume", {"size_gib": 1, "format": "exe"}, "format", "exe"),
    bad("malformed-key", "key_pair", {"public_key": "ssh-rsa not-base64!"}, "public_key", "malformed public key"),
    bad("empty-key", "key_pair", {"public_key": ""}, "public_key", ""),
    bad("image-missing-file", "image", {"source": "/nonexistent/nope.qcow2"}, "source", "no such file"),
    bad("image-directory", "image", {"source": "/"}, "source", "is a directory"),
    bad("image-format", "image", {"source": "/nonexistent/x.qcow2", "format": "exe"}, "format", "exe"),
    bad("server-group-policy", "server_group", {"policy": "sometimes"}, "policy", "sometimes"),
    bad("rule-port", "security_group", {"rules": [{"port_min": 70000}]}, "rules[0].port_min", "70000"),
    bad(
        "rule-protocol",
        "security_group",
        {"rules": [{"protocol": "icmpx", "port_min": 1}]},
        "rules[0].protocol",
        "icmpx",
        words={
            "ansible": ("protocol", "value of protocol must be one of: tcp, udp, icmp, any, got: icmpx found in rules")
        },
    ),
    bad(
        "rule-cidr",
        "security_group",
        {"rules": [{"port_min": 22, "remote_cidr": "300.0.0.0/8"}]},
        "rules[0].remote_cidr",
        "300.0.0.0/8",
    ),
    bad(
        "forward-port",
        "port_forward",
        {"instance": "held", "target_port": 22, "host_port": 70000},
        "host_port",
        "70000",
    ),
    bad("quota-negative", "project", {"quota": {"instances": -2}}, "quota.instances", "-2"),
    bad("unknown-flavor", "instance", {"image": "deb", "flavor": "m9.huge"}, "flavor", "m9.huge"),
    bad("vcpus-zero", "instance", {"image": "deb", "vcpus": 0, "memory_mib": 512}, "vcpus", "0"),
    bad("memory-tiny", "instance", {"image": "deb", "vcpus": 1, "memory_mib": 1}, "memory_mib", "1"),
    bad("power-state", "instance", {**VM, "power_state": "dancing"}, "power_state", "dancing"),
    bad(
        "max-memory-below",
        "instance",
        {"image": "deb", "vcpus": 1, "memory_mib": 1024, "max_memory_mib": 512},
        "max_memory_mib",
        "512",
    ),
    bad(
        "fixed-ip-garbage",
        "instance",
        {**VM, "nics": [{**NIC_ON_LAN, "fixed_ip": "banana"}]},
        "nics[0].fixed_ip",
        "banana",
    ),
    bad("wait-port", "instance", {**VM, "wait_for_port": 70000}, "wait_for_port", "70000"),
    bad("secure-boot-bios", "instance", {**VM, "machine": "q35", "secure_boot": True}, "secure_boot", "uefi"),
    bad("disk-bus", "instance", {**VM, "disk_bus": "nvme"}, "disk_bus", "nvme"),
]


def change(id: str, kind: str, before: dict[str, Any], after: dict[str, Any], action: str) -> Case:
    """A stack of one resource ``<kind>.<id>``, applied, then edited: ``action`` is the plan of the edit."""
    return Case(
        id,
        ((kind, id, {"name": id, **before}),),
        change=((kind, id, {"name": id, **after}),),
        action=action,
        address=f"{kind}.{id}",
    )


SMALL_VM = {"image": "deb", "vcpus": 1, "memory_mib": 512, "max_memory_mib": 1024}
CASES += [
    change("same-network", "network", {"cidr": "10.80.0.0/24"}, {"cidr": "10.80.0.0/24"}, "noop"),
    change("same-vm", "instance", SMALL_VM, SMALL_VM, "noop"),
    change("vm-memory", "instance", SMALL_VM, {**SMALL_VM, "memory_mib": 1024}, "live"),
    change("project-description", "project", {"description": "a"}, {"description": "b"}, "live"),
    change("vm-vcpus", "instance", SMALL_VM, {**SMALL_VM, "vcpus": 2, "max_vcpus": 2}, "restart"),
    change("network-mtu", "network", {"cidr": "10.81.0.0/24"}, {"cidr": "10.81.0.0/24", "mtu": 9000}, "restart"),
    change("network-cidr", "network", {"cidr": "10.82.0.0/24"}, {"cidr": "10.83.0.0/24"}, "replace"),
    change("key-pair-key", "key_pair", {"public_key": KEY}, {"public_key": KEY.replace("test@", "other@")}, "replace"),
    change("vm-key-pair", "instance", {**VM}, {**VM, "key_pair": "wkey"}, "replace"),
    change("vm-cpu-mode", "instance", {**VM}, {**VM, "cpu_mode": "host-model"}, "restart"),
    change("vm-firmware", "instance", {**VM}, {**VM, "firmware": "uefi"}, "replace"),
    change("vm-flavor-fits", "instance", {**VM, **ROOM}, {**VM, **ROOM, "flavor": "m1.small"}, "live"),
    change("floating-ip-attach", "floating_ip", {}, {"instance": "held"}, "live"),
]


def make_world(home: Path, image: Path) -> None:
    """The cloud every case starts from, at ``home`` (stack ``base``); ``image`` is written as image ``deb``."""
    seed(home, image)
    cloud = Cloud.open(None, home=home)
    try:
        session = Session(cloud, "base")
        for kind, inputs in (
            ("project", {"name": "small", "quota": {"instances": 1}}),
            ("key_pair", {"name": "wkey", "public_key": KEY}),
        ):
            session.create(kind, f"{kind}.{inputs['name']}", complete(KINDS[kind], inputs))
        held = {**VM, "name": "held", "project": "small", "nics": [{**NIC_ON_LAN, "fixed_ip": "10.70.0.10"}]}
        session.create("instance", "instance.held", complete(KINDS["instance"], session.resolve("instance", held)))
        public = {"name": "public", "ip_address": HELD_FLOATING}
        session.create("floating_ip", "floating_ip.public", complete(KINDS["floating_ip"], public))
    finally:
        cloud.close()


#: (kind, name, stack) of every object the cloud at a home manages: what "nothing touched" compares.
world_objects = owners
