"""Security groups that allow each other, through the ``iaas`` command and a stack file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Runner

MUTUAL = """\
stack: t
resources:
  image:
    tiny:
      source: ./tiny.qcow2
  network:
    lan:
      cidr: 10.62.0.0/24
  security_group:
    web:
      rules:
        - {protocol: tcp, port_min: 80}
        - {protocol: tcp, port_min: 8080, remote_group: "${security_group.db}"}
    db:
      rules:
        - {protocol: tcp, port_min: 5432, remote_group: web}
  instance:
    www:
      image: ${image.tiny}
      flavor: m1.tiny
      nics: [{network: "${network.lan}", fixed_ip: 10.62.0.10, security_groups: ["${security_group.web}"]}]
    pg:
      image: ${image.tiny}
      flavor: m1.tiny
      nics: [{network: "${network.lan}", fixed_ip: 10.62.0.20, security_groups: ["${security_group.db}"]}]
"""


def _state(iaas: Runner) -> dict[str, dict]:
    pulled = json.loads(iaas("state", "pull").out)
    return {r["address"]: r for r in pulled["resources"]}


def test_groups_that_allow_each_other_plan_apply_and_destroy_in_either_order(iaas: Runner, project: Path) -> None:
    (project / "stack.yaml").write_text(MUTUAL)
    assert iaas("validate").code == 0
    planned = iaas("plan", "-out", "mutual.plan")
    assert planned.code == 0, planned.err
    applied = iaas("apply", "mutual.plan")
    assert applied.code == 0, applied.err
    state = _state(iaas)
    assert state["security_group.web"]["inputs"]["rules"][1]["remote_group"] == "db"  # the name, as written
    assert state["security_group.db"]["inputs"]["rules"][0]["remote_group"] == "web"
    assert "security_group.db" not in state["security_group.web"]["dependencies"]
    assert "security_group.web" not in state["security_group.db"]["dependencies"]
    assert iaas("plan", "--detailed-exitcode").code == 0

    gone = iaas("destroy", "--auto-approve", "--target", "security_group.db")  # with its member, before web
    assert gone.code == 0, gone.err
    assert sorted(_state(iaas)) == ["image.tiny", "instance.www", "network.lan", "security_group.web"]
    assert iaas("destroy", "--auto-approve").code == 0

    assert iaas("apply", "--auto-approve").code == 0
    gone = iaas("destroy", "--auto-approve", "--target", "security_group.web")  # the other order
    assert gone.code == 0, gone.err
    assert sorted(_state(iaas)) == ["image.tiny", "instance.pg", "network.lan", "security_group.db"]
    assert iaas("destroy", "--auto-approve").code == 0


def test_a_remote_group_that_exists_neither_in_the_stack_nor_in_the_cloud_is_a_plan_error(
    iaas: Runner, project: Path
) -> None:
    (project / "stack.yaml").write_text(MUTUAL.replace("remote_group: web", "remote_group: wbe"))
    result = iaas("plan")
    assert result.code == 1
    assert "security_group.db" in result.err and "rules[0].remote_group" in result.err
    assert "no security_group named or with id 'wbe' exists" in result.err


def test_a_remote_group_the_plan_destroys_is_a_plan_error(iaas: Runner, project: Path) -> None:
    (project / "stack.yaml").write_text(MUTUAL)
    assert iaas("apply", "--auto-approve").code == 0
    without_web = MUTUAL.split("  instance:")[0].replace(
        """    web:
      rules:
        - {protocol: tcp, port_min: 80}
        - {protocol: tcp, port_min: 8080, remote_group: "${security_group.db}"}
""",
        "",
    )
    (project / "stack.yaml").write_text(without_web)
    result = iaas("plan")
    assert result.code == 1
    assert "security_group.db" in result.err and "rules[0].remote_group" in result.err
    assert "security_group 'web' is destroyed by this plan" in result.err
