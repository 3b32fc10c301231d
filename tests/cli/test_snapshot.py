"""``iaas snapshot list`` and a revert planned from the stack file, on the embedded (simulated) cloud."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import STACK, Runner

SNAPSHOT = """\
  snapshot:
    before:
      instance: ${{instance.vm}}
      memory: true
      description: clean
      revert: {revert}
"""


def _with_snapshot(project: Path, revert: int) -> None:
    head, tail = STACK.split("outputs:\n", 1)
    (project / "stack.yaml").write_text(head + SNAPSHOT.format(revert=revert) + "outputs:\n" + tail)


def test_list_shows_the_snapshots_of_an_instance(applied: Runner, project: Path) -> None:
    assert "instance.vm has no snapshots." in applied("snapshot", "list", "vm").out
    _with_snapshot(project, 0)
    assert applied("apply", "--auto-approve").code == 0
    table = applied("snapshot", "list", "instance.vm").out.splitlines()
    assert table[0].split() == ["name", "created_at", "state", "memory", "address", "description"]
    assert table[1].split()[0] == "before" and "snapshot.before" in table[1] and table[1].endswith("clean")
    [row] = json.loads(applied("snapshot", "list", "vm", "--json").out)
    assert (row["name"], row["memory"], row["state"], row["stack"]) == ("before", True, "running", "t")


def test_a_revert_is_planned_as_an_update_of_the_snapshot(applied: Runner, project: Path) -> None:
    _with_snapshot(project, 0)
    assert applied("apply", "--auto-approve").code == 0
    _with_snapshot(project, 1)
    plan = applied("plan")
    assert plan.code == 0 and "snapshot.before" in plan.out and "revert" in plan.out
    assert "0 to add, 1 to change, 0 to destroy" in plan.out
    assert applied("apply", "--auto-approve").code == 0
    [row] = json.loads(applied("snapshot", "list", "vm", "--json").out)
    assert row["address"] == "snapshot.before"


def test_only_instances_have_snapshots(applied: Runner) -> None:
    assert "network.lan: only instances have snapshots" in applied("snapshot", "list", "network.lan").err
    assert "instance.nope is not in the state of stack 't'" in applied("snapshot", "list", "nope").err
