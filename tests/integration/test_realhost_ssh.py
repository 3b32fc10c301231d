"""A host reached as ``qemu+ssh://``: libvirt, images, seeds, the port forward's rules and readiness, all over ssh.

The host is a namespaced libvirtd with an OpenSSH server in its namespaces
(one ``sshd -i`` per connection to a loopback port, see
:meth:`NamespacedHost.ssh_config`); its pools are seen by the daemon only.
iaas reaches it exactly as it would a machine across the network: libvirt's
ssh transport for the connection, ``ssh`` with the URI's user, port, key and
known-hosts file for the DNAT rules and the port probe.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_remote import iaas_volumes
from tests.integration.test_realhost_stack import KEY, connect

pytestmark = pytest.mark.realhost

STACK = "viassh"


@pytest.fixture(scope="module")
def viassh(
    farhost: NamespacedHost, sshd: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    home = tmp_path_factory.mktemp("ssh-home")
    config = farhost.ssh_config(sshd, home / "ssh", name="far-ssh")
    engine = iaas.Engine.open(STACK, home=home, cloud={"hosts": [config], "home": str(home / "cloud")})
    host = Host("far-ssh", str(config["uri"]))
    yield {"engine": engine, "host": host, "ns": farhost}
    try:
        engine.destroy()
    finally:
        engine.close()
        host.close()


def make_stack(guest: TinyGuest) -> iaas.Stack:
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="ssh-lan", cidr="10.86.0.0/24", mode="isolated"))
    key = stack.add(iaas.KeyPair(name="ssh-key", public_key=KEY))
    image = stack.add(iaas.Image(name="ssh-tiny", **guest.image))
    vm = stack.add(
        iaas.Instance(
            name="ssh-vm",
            image=image,
            key_pair=key,
            vcpus=1,
            memory_mib=192,
            root_disk_gib=1,
            nics=[iaas.Nic(network=lan)],
            wait_for_port=7,
        )
    )
    stack.add(iaas.PortForward(name="ssh-echo", instance=vm, target_port=7, host_port=10027))
    return stack


def test_everything_reaches_the_host_over_ssh(viassh: dict, tiny_guest: TinyGuest) -> None:
    engine, host, ns = viassh["engine"], viassh["host"], viassh["ns"]
    assert engine.apply(make_stack(tiny_guest)).ok
    records = {r.address: r for r in engine.cloud.managed_objects(STACK)}
    ip = records["instance.ssh-vm"].data["outputs"]["ip_address"]  # wait_for_port, probed over ssh
    assert ip and ip.startswith("10.86.0.")
    assert records["port_forward.ssh-echo"].data["outputs"]["programmed"] == f"nft: DNAT to {ip}:7"
    done = connect(ns, "10.86.0.1", 10027, attempts=30)  # the rules programmed over ssh carry a connection
    assert "hello from ssh-vm" in done.stdout, done.stderr
    info = host.get_domain("ssh-vm")
    assert info is not None and info.state == "running"
    assert info.spec.cdrom and info.spec.cdrom.startswith(str(ns.private_path))  # the seed went over libvirt
    assert engine.plan(make_stack(tiny_guest)).empty


def test_destroy_over_ssh_leaves_no_rule_and_no_volume(viassh: dict) -> None:
    engine, host, ns = viassh["engine"], viassh["host"], viassh["ns"]
    engine.destroy()
    assert host.get_domain("ssh-vm") is None
    rules = ns.run("nft", "list", "table", "ip", "iaas_port_forwards").stdout
    assert "iaas:" not in rules
    assert iaas_volumes(host) == []
