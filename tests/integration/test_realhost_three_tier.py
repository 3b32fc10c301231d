"""The three-tier example (examples/three-tier) on two real libvirt hosts joined by an underlay link."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import iaas
from iaas.drivers.libvirt import Host
from iaas.stackfile import load_stack
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_overlay import UNDERLAY, underlay
from tests.integration.test_realhost_stack import connect, wait_for_console

pytestmark = pytest.mark.realhost

__all__ = ["underlay"]  # the fixture, used by name below

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "three-tier"
FIRST_NETWORK = {"web-1": "web", "web-2": "web", "app": "web", "db": "app"}  # where each guest's eth0 sits


def _example(tiny_guest: TinyGuest, where: Path) -> iaas.Stack:
    """The example's stack file as users have it, its image being the tiny guest (which these hosts can boot)."""
    doc: dict[str, Any] = yaml.safe_load((EXAMPLE / "stack.yaml").read_text())
    doc["resources"]["image"]["tiny"] = tiny_guest.image
    path = where / "stack.yaml"
    path.write_text(yaml.safe_dump(doc))
    return load_stack(path)


@pytest.mark.usefixtures("underlay")
def test_the_three_tier_example_runs_over_two_hosts(
    realhost: NamespacedHost, realhost2: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    stack = _example(tiny_guest, tmp_path)
    hosts = [
        realhost.config() | {"name": "ho1", "underlay": UNDERLAY["h1"]},
        realhost2.config() | {"name": "ho2", "underlay": UNDERLAY["h2"]},
    ]
    cloud = {"hosts": hosts, "home": str(tmp_path / "cloud")}
    libvirt = {"ho1": Host("ho1", realhost.uri), "ho2": Host("ho2", realhost2.uri)}
    ns = {"ho1": realhost, "ho2": realhost2}
    with iaas.Engine.open("three-tier", home=tmp_path, cloud=cloud) as engine:
        try:
            assert engine.plan(stack).summary()["create"] == 9
            engine.apply(stack)
            res = engine.resources()
            outputs = engine.outputs()
            assert {outputs["web_1_host"], outputs["web_2_host"]} == {"ho1", "ho2"}  # anti-affinity kept
            for name, network in FIRST_NETWORK.items():
                inst, first = res[f"instance.{name}"], res[f"network.{network}"]
                info = libvirt[inst.outputs["host"]].get_domain(name)
                assert info is not None
                console = wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")
                found = re.search(r"IAAS-GUEST ip=(\d+\.\d+\.\d+\.\d+)", console)
                assert found, console[-1500:]
                # leased by its first network's one DHCP service, wherever the guest runs
                assert ipaddress.ip_address(found.group(1)) in ipaddress.ip_network(first.inputs["cidr"])
                gateway_host = ns[first.outputs["host"]]
                done = connect(gateway_host, found.group(1), 7, attempts=60)
                assert f"hello from {name}" in done.stdout, done.stderr
            assert engine.plan(stack).empty
        finally:
            engine.destroy()
            for name, host in libvirt.items():
                assert host.list_managed() == []
                assert "iaasx" not in ns[name].run("ip", "-o", "link").stdout
                host.close()
