"""The Pulumi provider plugin on a real libvirt host (QEMU, in private namespaces).

The plugin runs as the Pulumi engine runs it (a subprocess driven over
gRPC), configured with the namespaced host's cloud config inline.  The
tests run in order: Check + Create of an isolated network, the tiny guest's
image and one instance on that network (each Create fed the ids of the
earlier ones); the guest's DHCP address as Read reports it; a live memory
change through Diff + Update; and Delete of everything, which must leave
nothing behind on the host.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import CONSOLE_TIMEOUT, LEASE_TIMEOUT, wait_for_console
from tests.pulumi.harness import Plugin

pytestmark = pytest.mark.realhost

DIFF_SOME = 2  # DiffResponse.changes when something changed


class Deployment:
    """The plugin, a direct connection to the host, and what was created, in creation order."""

    def __init__(self, plugin: Plugin, host: Host, guest: TinyGuest):
        self.plugin = plugin
        self.host = host
        self.guest = guest
        self.created: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {}  # name: kind, id, props, inputs

    def create(self, kind: str, name: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Check then Create, as the engine does; the id and the output properties."""
        checked, failures = self.plugin.check(kind, name, news)
        assert failures == []
        id, props = self.plugin.create(kind, name, checked)
        assert id
        self.created[name] = (kind, id, props, checked)
        return id, props

    def delete_all(self) -> None:
        """Delete what was created, newest first (deleting what is already gone is fine)."""
        for name, (kind, id, props, _) in reversed(list(self.created.items())):
            self.plugin.delete(kind, name, id, props)
        self.created.clear()


@pytest.fixture(scope="module")
def deployment(
    realhost: NamespacedHost, tiny_guest: TinyGuest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """The plugin configured with the namespaced host's cloud config and a fresh home."""
    home = tmp_path_factory.mktemp("pulumi-rh")
    plugin = Plugin(home)
    cloud = {"hosts": [realhost.config()], "home": str(home / "cloud")}
    plugin.configure({"home": str(home / ".iaas"), "cloudConfig": json.dumps(cloud)})
    host = Host("h1", realhost.uri)
    found = Deployment(plugin, host, tiny_guest)
    yield found
    try:
        found.delete_all()  # leaves nothing behind even when a test failed half way
    finally:
        plugin.close()
        host.close()


def read_until(deployment: Deployment, name: str, ready: Any, timeout: float) -> dict[str, Any]:
    """Read the object until ``ready(properties)`` holds; an error with the last properties after ``timeout`` s."""
    kind, id, props, inputs = deployment.created[name]
    start = time.monotonic()
    while True:
        found_id, props, _ = deployment.plugin.read(kind, name, id, props, inputs)
        assert found_id == id
        if ready(props):
            return props
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{kind} {name}: not ready after {timeout:g} s: {props}")
        time.sleep(0.5)


def test_create_boots_an_instance_on_an_isolated_network(deployment: Deployment) -> None:
    net_id, net = deployment.create(
        "network", "lan", {"cidr": "10.89.0.0/24", "mode": "isolated", "dhcp": True, "dhcpEnd": "10.89.0.199"}
    )
    assert net["mode"] == "isolated" and net["host"] == "h1"
    image_id, _ = deployment.create("image", "tiny", dict(deployment.guest.image))
    vm_id, vm = deployment.create(
        "instance",
        "vm",
        {
            "name": "vm",  # named by the program: the guest's host name (without it, "vm-" and a suffix)
            "image": image_id,
            "vcpus": 1,
            "memoryMib": 256,
            "maxMemoryMib": 256,
            "rootDiskGib": 1,
            "nics": [{"network": net_id}],
        },
    )
    assert vm["host"] == "h1" and [n["network"] for n in vm["nics"]] == [net_id]
    info = deployment.host.get_domain(vm_id)
    assert info is not None and info.name == "vm" and info.state == "running"
    assert info.spec.kernel and info.spec.kernel.endswith("/vmlinuz")
    assert deployment.host.get_network(net_id) is not None


def test_read_reports_the_leased_address(deployment: Deployment) -> None:
    _, vm_id, _, _ = deployment.created["vm"]
    props = read_until(deployment, "vm", lambda p: p.get("ipAddress"), LEASE_TIMEOUT)
    address = props["ipAddress"]  # the address iaas gave the NIC: known before the guest asks for its lease
    assert address.startswith("10.89.0.") and props["ipAddresses"] == [address]
    console = wait_for_console(Path(deployment.host.get_domain(vm_id).spec.console_log), "IAAS-GUEST ready")
    assert f"IAAS-GUEST ip={address}" in console and "IAAS-GUEST hostname=vm" in console
    leases = deployment.host.domain_addresses(vm_id)  # the guest, up, leased exactly that address
    assert [(a.address, a.mac) for a in leases if a.family == "ipv4"] == [(address, props["macAddresses"][0])]


def test_memory_changes_live_through_diff_and_update(deployment: Deployment) -> None:
    plugin = deployment.plugin
    kind, vm_id, props, inputs = deployment.created["vm"]
    changed, failures = plugin.check(kind, "vm", {**inputs, "memoryMib": 192}, inputs)
    assert failures == []
    diff = plugin.diff(kind, "vm", vm_id, props, changed)
    assert (diff.changes, list(diff.diffs), list(diff.replaces)) == (DIFF_SOME, ["memoryMib"], [])
    props = plugin.update(kind, "vm", vm_id, props, changed)
    assert props["memoryMib"] == 192
    deployment.created["vm"] = (kind, vm_id, props, changed)
    info = deployment.host.get_domain(vm_id)
    assert (info.uuid, info.spec.memory_mib, info.state) == (vm_id, 192, "running")
    # The guest's balloon gives the memory back over a moment: Read follows it.
    read_until(deployment, "vm", lambda p: p["memoryMib"] == 192, CONSOLE_TIMEOUT)
    assert plugin.diff(kind, "vm", vm_id, props, changed).changes == 1  # DIFF_NONE
    console = Path(info.spec.console_log).read_text(errors="replace")
    assert console.count("IAAS-GUEST ready") == 1  # changed while it runs: no restart


def test_delete_leaves_nothing_behind(deployment: Deployment, realhost: NamespacedHost) -> None:
    objects = {name: (kind, id) for name, (kind, id, _, _) in deployment.created.items()}
    ids = {name: id for name, (_, id) in objects.items()}
    deployment.delete_all()
    for name, (kind, id) in objects.items():
        assert deployment.plugin.read(kind, name, id)[0] == ""  # gone: a refresh drops it
    assert deployment.host.get_domain(ids["vm"]) is None
    assert deployment.host.get_network(ids["lan"]) is None
    assert deployment.host.list_managed() == []
    left = sorted(str(p.relative_to(realhost.pool_path)) for p in Path(realhost.pool_path).rglob("*") if p.is_file())
    assert left == []
