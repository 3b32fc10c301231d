"""The real Terraform CLI takes a snapshot, plans and applies a revert, and destroys, through the provider."""

from __future__ import annotations

import pytest

from tests.terraform.conftest import Workspace

pytestmark = pytest.mark.slow

CONFIG = """
resource "iaas_image" "base" {{
  name   = "base"
  source = "./tiny.qcow2"
}}

resource "iaas_instance" "web" {{
  name   = "web"
  image  = iaas_image.base.id
  flavor = "m1.tiny"
}}

resource "iaas_snapshot" "before" {{
  name     = "before"
  instance = iaas_instance.web.id
  memory   = true
  revert   = {revert}
}}
"""


def test_a_snapshot_and_a_revert(workspace: Workspace) -> None:
    ws = workspace
    (ws.dir / "tiny.qcow2").write_bytes(b"\0" * 65536)
    ws.write(CONFIG.format(revert=0))
    ws.run("init", "-input=false")
    ws.apply()
    made = ws.attributes("iaas_snapshot.before")
    assert (made["state"], made["memory"], made["disks"], made["reverted_at"]) == ("running", True, ["vda"], None)
    assert ws.plan_exit() == 0
    ws.write(CONFIG.format(revert=1))
    plan = ws.run("plan", "-input=false")
    assert "iaas_snapshot.before will be updated in-place" in plan.stdout
    assert "~ revert" in plan.stdout and "1 to change" in plan.stdout
    ws.apply()
    assert ws.attributes("iaas_snapshot.before")["reverted_at"]
    assert ws.plan_exit() == 0
    ws.run("destroy", "-auto-approve", "-input=false")


def test_a_snapshot_taken_outside_iaas_is_imported(workspace: Workspace) -> None:
    from iaas import Cloud

    ws = workspace
    (ws.dir / "tiny.qcow2").write_bytes(b"\0" * 65536)
    config = CONFIG.format(revert=0).replace("memory   = true\n", "")
    ws.write(config.split('resource "iaas_snapshot"')[0])
    ws.run("init", "-input=false")
    ws.apply()
    cloud = Cloud.open(home=ws.home)
    try:
        web = cloud.inventory.list("instance")[0]
        cloud.hosts[str(web.host)].create_snapshot(web.id, "before", "")  # as virsh snapshot-create-as would
    finally:
        cloud.close()
    ws.write(config)
    done = ws.run("import", "-input=false", "iaas_snapshot.before", "web/before")
    assert "Import successful" in done.stdout
    assert ws.attributes("iaas_snapshot.before")["state"] == "running"
    assert ws.plan_exit() == 0
    ws.run("destroy", "-auto-approve", "-input=false")
