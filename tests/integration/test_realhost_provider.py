"""Provider networks on a real host: guests on a host bridge and on a host interface the test makes."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas.cloud.preflight import PreflightError
from iaas.drivers.libvirt import Host
from tests.integration.conftest import Client, NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import connect, wait_for_console

pytestmark = pytest.mark.realhost

BRIDGE, LOWER = "iaaslan0", "iaaslan1"


@pytest.fixture
def lan(realhost: NamespacedHost, tmp_path: Path) -> Iterator[Client]:
    """The operator's LAN in the host's namespace: a bridge with a machine on it serving DHCP, and an interface."""
    for argv in (
        ["ip", "link", "add", BRIDGE, "type", "bridge"],
        ["ip", "link", "set", BRIDGE, "up"],
        ["ip", "link", "add", LOWER, "type", "veth", "peer", "name", f"{LOWER}p"],
        ["ip", "link", "set", LOWER, "up"],
    ):
        done = realhost.run(*argv)
        if done.returncode != 0:
            for link in (BRIDGE, LOWER):
                realhost.run("ip", "link", "del", link)
        assert done.returncode == 0, done.stderr
    client = realhost.client(BRIDGE, "10.88.0.1/24")
    conf = tmp_path / "udhcpd.conf"
    conf.write_text(
        f"start 10.88.0.100\nend 10.88.0.150\ninterface itc{len(realhost.clients) - 1}p\n"
        f"lease_file {tmp_path}/leases\noption subnet 255.255.255.0\n"
    )
    (tmp_path / "leases").touch()
    server = subprocess.Popen(
        ["nsenter", f"--net=/proc/{client.process.pid}/ns/net", "busybox", "udhcpd", "-f", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield client
    finally:
        server.kill()
        server.wait()
        client.stop()
        for link in (BRIDGE, LOWER):
            realhost.run("ip", "link", "del", link)


def test_guests_sit_on_the_hosts_bridge_and_interface(
    realhost: NamespacedHost, lan: Client, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    stack = iaas.Stack("lan")
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    office = stack.add(iaas.Network(name="office", cidr="10.88.0.0/24", mode="bridge", bridge=BRIDGE))
    direct = stack.add(iaas.Network(name="direct", cidr="10.89.0.0/24", mode="macvtap", interface=LOWER))
    stack.add(
        iaas.Instance(
            name="desk",
            image=image,
            vcpus=1,
            memory_mib=128,
            root_disk_gib=1,
            nics=[{"network": office}, {"network": direct}],
        )
    )
    cloud = {"hosts": [realhost.config()], "home": str(tmp_path / "cloud")}
    host = Host("h1", realhost.uri)
    with iaas.Engine.open("lan", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(stack)
            info = host.get_domain("desk")
            assert info is not None
            console = wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")
            found = re.search(r"IAAS-GUEST ip=(10\.88\.0\.\d+)", console)  # from the LAN's DHCP server
            assert found, console[-1500:]
            done = connect(lan, found.group(1), 7, attempts=60)
            assert "hello from desk" in done.stdout, done.stderr
            links = realhost.run("ip", "-d", "-o", "link").stdout
            assert re.search(rf"macvtap\d+@{LOWER}\b", links), links
        finally:
            engine.destroy()
            links = realhost.run("ip", "-o", "link").stdout
            assert f"{BRIDGE}:" in links and f"{LOWER}:" in links  # iaas never deletes the host's links
            assert host.list_managed() == []
            host.close()


def test_a_missing_bridge_is_a_preflight_error(realhost: NamespacedHost, tmp_path: Path) -> None:
    stack = iaas.Stack("lan")
    stack.add(iaas.Network(name="office", cidr="10.88.0.0/24", mode="bridge", bridge="iaasnobr0"))
    cloud = {"hosts": [realhost.config()], "home": str(tmp_path / "cloud")}
    with iaas.Engine.open("lan", home=tmp_path, cloud=cloud) as engine:
        with pytest.raises(PreflightError) as caught:
            engine.apply(stack)
        assert "host 'h1': has no bridge iaasnobr0" in str(caught.value)
        assert engine.resources() == {}
