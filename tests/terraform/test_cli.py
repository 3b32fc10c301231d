"""The real Terraform CLI (1.0.3) drives iaas resources through the provider, offline.

Each test works in a fresh directory with its own embedded cloud; the provider comes from a
filesystem mirror, as users install it (one test uses ``dev_overrides`` instead).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import iaas
from iaas import resources
from tests.brownfield import stop_network
from tests.terraform.conftest import EXAMPLE, HEADER, KEY, Workspace, write_launcher

pytestmark = pytest.mark.slow


def _example(ws: Workspace) -> None:
    shutil.copy(EXAMPLE, ws.dir / "main.tf")
    (ws.dir / "tiny.qcow2").write_bytes(b"\0" * 65536)
    ws.run("init", "-input=false")


def _session(ws: Workspace, stack: str = "terraform") -> resources.Session:
    return resources.Session(iaas.Cloud.open(home=ws.home), stack=stack)


def test_example_plan_apply_update_replace_destroy(workspace: Workspace) -> None:
    ws = workspace
    _example(ws)
    plan = ws.run("plan", "-input=false")
    assert "Plan: 7 to add, 0 to change, 0 to destroy." in plan.stdout
    assert re.search(r'\+ host\s+= "default"', plan.stdout)  # the scheduler's choice, shown at plan time
    assert re.search(r"\+ ip_address\s+= \(known after apply\)", plan.stdout)
    applied = ws.apply()
    assert 'ip_address = "10.60.0.10"' in applied.stdout and 'gateway = "10.60.0.1"' in applied.stdout
    assert ws.plan_exit() == 0
    vm = ws.attributes("iaas_instance.web")
    assert (vm["memory_mib"], vm["vcpus"], vm["host"]) == (512, 1, "default")
    assert (vm["wait_for_address"], vm["host_labels"], vm["ip_address"]) == (True, {}, "10.60.0.10")

    update = ws.run("plan", "-input=false", "-var", "memory_mib=1024")
    assert "iaas_instance.web will be updated in-place" in update.stdout
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in update.stdout
    ws.apply("-var", "memory_mib=1024")
    after = ws.attributes("iaas_instance.web")
    assert after["id"] == vm["id"] and after["memory_mib"] == 1024 and after["ip_address"] == "10.60.0.10"
    assert _session(ws).read("instance", "instance.web", vm["id"]).inputs["memory_mib"] == 1024
    assert ws.plan_exit("-var", "memory_mib=1024") == 0

    new_key = ["-var", "memory_mib=1024", "-var", f"public_key={KEY} new"]
    replace = ws.run("plan", "-input=false", *new_key)
    assert "iaas_key_pair.admin must be replaced" in replace.stdout
    assert re.search(r"~ public_key\s+= .* # forces replacement", replace.stdout)
    assert re.search(r"~ key_pair\s+= .* # forces replacement", replace.stdout)  # the instance follows its key
    ws.apply(*new_key)
    assert ws.attributes("iaas_instance.web")["id"] != vm["id"]
    assert ws.plan_exit(*new_key) == 0

    ws.run("destroy", "-auto-approve", "-input=false", *new_key)
    assert ws.cloud_objects() == []


def test_import_and_data_sources(workspace: Workspace) -> None:
    ws = workspace
    session = _session(ws, "elsewhere")
    shared = session.create(
        "network",
        "network.shared",
        resources.check("network", {"name": "shared", "cidr": "10.61.0.0/24", "mode": "isolated"}).inputs,
        {"host": "default"},
    )
    (ws.dir / "base.qcow2").write_bytes(b"\0" * 4096)
    session.create(
        "image", "image.base", resources.check("image", {"name": "base", "source": str(ws.dir / "base.qcow2")}).inputs
    )
    ws.write(f"""
resource "iaas_volume" "data" {{
  name     = "data"
  size_gib = 1
  image    = "base"  # an existing object, by name
}}
resource "iaas_network" "web" {{
  name = "web"
  cidr = "10.62.0.0/24"
  mtu  = 1400
}}
resource "iaas_key_pair" "admin" {{
  name       = "admin"
  public_key = "{KEY}"
}}
resource "iaas_security_group" "web" {{
  name  = "web"
  rules = [{{ port_min = 80, port_max = 81 }}, {{ protocol = "icmp" }}]
}}
data "iaas_network" "shared" {{
  name = "shared"
}}
output "shared" {{
  value = [data.iaas_network.shared.id, data.iaas_network.shared.gateway, data.iaas_network.shared.mode]
}}
""")
    ws.run("init", "-input=false")
    applied = ws.apply()
    assert f'"{shared.id}"' in applied.stdout and '"10.61.0.1"' in applied.stdout and '"isolated"' in applied.stdout
    assert ws.plan_exit() == 0 and ws.attributes("iaas_volume.data")["image"] == "base"
    before = {a: ws.attributes(a) for a in ("iaas_network.web", "iaas_key_pair.admin", "iaas_security_group.web")}
    ws.run("state", "rm", *before)
    ws.run("import", "-input=false", "iaas_network.web", "web")  # by name
    ws.run("import", "-input=false", "iaas_key_pair.admin", before["iaas_key_pair.admin"]["id"])  # by id
    ws.run("import", "-input=false", "iaas_security_group.web", "web")
    assert ws.plan_exit() == 0
    assert {a: ws.attributes(a) for a in before} == before

    missing = ws.run("import", "-input=false", "iaas_network.nope", "nope", check=False)
    assert missing.returncode == 1


def test_refresh_sees_changes_made_outside(workspace: Workspace) -> None:
    ws = workspace
    ws.write(f"""
resource "iaas_network" "web" {{
  name = "web"
  cidr = "10.63.0.0/24"
  mtu  = 1500
}}
resource "iaas_key_pair" "admin" {{
  name       = "admin"
  public_key = "{KEY}"
}}
""")
    ws.run("init", "-input=false")
    ws.apply()
    net, key = ws.attributes("iaas_network.web"), ws.attributes("iaas_key_pair.admin")
    session = _session(ws)
    old = resources.check("network", {"name": "web", "cidr": "10.63.0.0/24", "mtu": 1500}).inputs
    session.update("network", "network.web", net["id"], old, {**old, "mtu": 1400}, {"host": "default"})
    session.delete("key_pair", "key_pair.admin", key["id"])
    plan = ws.run("plan", "-input=false", codes=(0,))
    assert re.search(r"~ mtu\s+= 1400 -> 1500", plan.stdout)
    assert "iaas_key_pair.admin will be created" in plan.stdout
    ws.apply()
    assert ws.plan_exit() == 0


def test_a_network_its_host_stopped_is_planned_as_an_update_and_restored(workspace: Workspace) -> None:
    ws = workspace
    ws.write("""
resource "iaas_network" "web" {
  name = "web"
  cidr = "10.64.0.0/24"
}
""")
    ws.run("init", "-input=false")
    ws.apply()
    net = ws.attributes("iaas_network.web")
    assert net["dataplane"] == "present"
    stop_network(ws.home, net["id"])  # as a host reboot leaves it
    plan = ws.run("plan", "-input=false")
    assert "iaas_network.web will be updated in-place" in plan.stdout, plan.stdout
    assert re.search(r'~ dataplane\s+= "missing: network running on host default" -> "present"', plan.stdout)
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.stdout
    ws.apply()
    assert ws.attributes("iaas_network.web")["dataplane"] == "present"
    assert _session(ws).read("network", "network.web", net["id"]).lost == ()  # type: ignore[union-attr]
    assert ws.plan_exit() == 0


def test_bad_input_gives_diagnostics_at_the_attribute(workspace: Workspace) -> None:
    ws = workspace
    ws.write("""
resource "iaas_network" "web" {
  name = "web"
  cidr = "10.64.0.0/24"
  mtu  = 100
  mode = "hub"
}
resource "iaas_security_group" "web" {
  name  = "web"
  rules = [{ protocol = "icmp", port_min = 5 }]
}
resource "iaas_instance" "vm" {
  name  = "vm"
  image = "base"
  vcpus = 1.5
  nics  = [{ network = "web", fixed_ip = "10.64.0.300" }]
}
""")
    ws.run("init", "-input=false")
    bad = ws.run("validate", check=False)
    assert bad.returncode == 1
    out = bad.stderr + bad.stdout
    for line, message in (
        (5, "mtu: must be at least 576; got 100"),
        (6, "mode: must be one of nat, isolated, routed, bridge, macvtap; got 'hub'"),
        (10, "rules[0].port_min: ports apply only to tcp and udp, not icmp"),
        (15, "vcpus: expected integer, got float 1.5"),
        (16, "nics[0].fixed_ip: invalid IPv4 address '10.64.0.300'"),
    ):
        assert re.search(rf"Error: {re.escape(message)}\n\n.*\n\s+on main.tf line {line + 5}\b", out), (message, out)
    assert "MTU of the bridge" in out  # the detail describes the attribute
    for crash in ("panic", "Plugin did not respond", "Internal error", "Traceback"):
        assert crash not in out

    ws.write("""
resource "iaas_volume" "data" {
  name     = "data"
  size_gib = var.size
}
variable "size" {
  type = number
}
""")
    ws.apply("-var", "size=2")
    shrink = ws.run("plan", "-input=false", "-var", "size=1", check=False)
    assert shrink.returncode == 1
    assert re.search(
        r"Error: size_gib: cannot shrink a volume from 2 GiB to 1 GiB\n\n.*\n\s+on main.tf line 9\b", shrink.stderr
    ), shrink.stderr
    assert ws.plan_exit("-var", "size=3") == 2


def test_dev_overrides_and_provider_home(workspace: Workspace, tmp_path: Path) -> None:
    ws = workspace
    write_launcher(tmp_path / "bin" / "terraform-provider-iaas")
    config = tmp_path / "dev.tfrc"
    config.write_text(
        "provider_installation {\n  dev_overrides {\n"
        f'    "terraform.local/iaas/iaas" = "{tmp_path / "bin"}"\n  }}\n  direct {{}}\n}}\n'
    )
    ws.env["TF_CLI_CONFIG_FILE"] = str(config)
    home = tmp_path / "configured-home"
    ws.write(
        HEADER
        + f"""
provider "iaas" {{
  home  = "{home}"
  stack = "dev"
}}
resource "iaas_project" "team" {{
  name  = "team"
  quota = {{ instances = 2, vcpus = 4, memory_mib = 4096, volumes = 1, volume_gib = 10, networks = 1,
            port_forwards = 0 }}
}}
""",
        header=False,
    )
    ws.apply()
    cloud = iaas.Cloud.open(home=home)
    try:
        records = cloud.managed_objects(stack="dev")
        assert [(r.kind, r.name, r.data["inputs"]["quota"]["instances"]) for r in records] == [("project", "team", 2)]
    finally:
        cloud.close()
    assert ws.plan_exit() == 0
    assert not (ws.home).exists()  # the provider block's home wins over IAAS_HOME


def test_a_timeouts_block(workspace: Workspace) -> None:
    ws = workspace
    ws.write("""
resource "iaas_network" "lan" {
  name = "lan"
  cidr = "10.64.0.0/24"
  timeouts {
    create = "2m"
    delete = "30s"
  }
}
""")
    ws.run("init", "-input=false")
    ws.apply()
    assert ws.attributes("iaas_network.lan")["timeouts"] == {"create": "2m", "update": None, "delete": "30s"}
    assert ws.plan_exit() == 0
    ws.write(
        'resource "iaas_network" "lan" {\n  name = "lan"\n  cidr = "10.64.0.0/24"\n  timeouts { create = "x" }\n}\n'
    )
    bad = ws.run("plan", "-input=false", codes=(1,))
    assert "timeouts.create: not a duration" in bad.stderr
