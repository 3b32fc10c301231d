"""The real Terraform CLI (1.0.3) on a real libvirt host (QEMU, in private namespaces).

The provider is pointed at the namespaced host with a cloud config file.  One
configuration: an isolated network with DHCP, an image booting the tiny guest
and one instance on that network.  Terraform applies it, the guest takes a
lease, a refresh brings the leased address into Terraform's outputs, and a
destroy leaves nothing behind on the host.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import LEASE_TIMEOUT, wait_for_console
from tests.terraform.conftest import HEADER, Workspace, cli_config, terraform  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.realhost, pytest.mark.slow]


def configuration(cloud: Path, home: Path, guest: TinyGuest) -> str:
    """The HCL of the scenario: provider settings, network, image, instance and its address as an output."""
    image = "\n".join(f"  {key:<7} = {json.dumps(value)}" for key, value in guest.image.items())
    return (
        HEADER
        + f"""
provider "iaas" {{
  cloud = {json.dumps(str(cloud))}
  home  = {json.dumps(str(home))}
  stack = "tf-realhost"
}}

resource "iaas_network" "lan" {{
  name     = "tflan"
  cidr     = "10.89.0.0/24"
  mode     = "isolated"
  dhcp_end = "10.89.0.199"
}}

resource "iaas_image" "tiny" {{
  name    = "tftiny"
{image}
}}

resource "iaas_instance" "vm" {{
  name           = "tfvm"
  image          = iaas_image.tiny.id
  vcpus          = 1
  memory_mib     = 256
  max_memory_mib = 256
  root_disk_gib  = 1
  nics           = [{{ network = iaas_network.lan.id }}]
}}

output "ip_address" {{
  value = iaas_instance.vm.ip_address
}}
"""
    )


def test_apply_leases_an_address_and_destroy_leaves_nothing(
    realhost: NamespacedHost,
    tiny_guest: TinyGuest,
    terraform: Path,  # noqa: F811
    cli_config: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    cloud = tmp_path / "cloud.yaml"
    cloud.write_text(json.dumps({"hosts": [realhost.config()]}))  # JSON is YAML
    ws = Workspace(tmp_path / "tf", terraform, cli_config)
    ws.dir.mkdir()
    ws.write(configuration(cloud, tmp_path / "iaas-home", tiny_guest), header=False)
    host = Host(realhost.name, realhost.uri)
    try:
        before = host.list_managed()
        ws.run("init", "-input=false")
        try:
            ws.apply()
            vm = ws.attributes("iaas_instance.vm")
            info = host.get_domain(vm["id"])
            assert info is not None and info.state == "running" and vm["host"] == realhost.name
            leased = host.wait_for_addresses(vm["id"], timeout=LEASE_TIMEOUT)
            assert [a.address.startswith("10.89.0.") for a in leased] == [True]
            ws.apply("-refresh-only")
            output = ws.run("output", "-raw", "ip_address").stdout.strip()
            assert output == leased[0].address == ws.attributes("iaas_instance.vm")["ip_address"]
            console = wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")
            assert f"IAAS-GUEST ip={output}" in console and "IAAS-GUEST hostname=tfvm" in console
            assert ws.plan_exit() == 0
        finally:
            ws.run("destroy", "-auto-approve", "-input=false")
        assert host.get_domain(vm["id"]) is None and host.get_network("tflan") is None
        assert host.list_managed() == before
        assert json.loads((ws.dir / "terraform.tfstate").read_text())["resources"] == []
    finally:
        host.close()
