"""Security groups that allow each other, through the real Terraform CLI."""

from __future__ import annotations

import pytest

from tests.terraform.conftest import Workspace

pytestmark = pytest.mark.slow

MUTUAL = """
resource "iaas_security_group" "web" {
  name  = "web"
  rules = [{ port_min = 80 }, { port_min = 8080, remote_group = %(db)s }]
}

resource "iaas_security_group" "db" {
  name  = "db"
  rules = [{ port_min = 5432, remote_group = %(web)s }]
}
"""


def test_groups_that_allow_each_other_by_name_apply_and_destroy_in_either_order(workspace: Workspace) -> None:
    ws = workspace
    ws.write(MUTUAL % {"db": '"db"', "web": '"web"'})  # names: no edge in Terraform's graph, none added by iaas
    ws.run("init", "-input=false")
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in ws.run("plan", "-input=false").stdout
    ws.apply()
    assert ws.attributes("iaas_security_group.web")["rules"][1]["remote_group"] == "db"
    assert ws.attributes("iaas_security_group.db")["rules"][0]["remote_group"] == "web"
    assert ws.plan_exit() == 0
    ws.run("destroy", "-auto-approve", "-input=false", "-target", "iaas_security_group.web")
    assert ws.cloud_objects() == [("security_group", "db")]
    ws.apply()
    ws.run("destroy", "-auto-approve", "-input=false", "-target", "iaas_security_group.db")
    assert ws.cloud_objects() == [("security_group", "web")]
    ws.run("destroy", "-auto-approve", "-input=false")
    assert ws.cloud_objects() == []

    # An expression that reads the other resource is an edge of Terraform's own graph: both ways, a cycle.
    ws.write(MUTUAL % {"db": "iaas_security_group.db.name", "web": "iaas_security_group.web.name"})
    cycle = ws.run("plan", "-input=false", codes=(1,))
    assert "Cycle" in cycle.stderr
