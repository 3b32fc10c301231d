"""``iaas host list|drain|undrain`` on a cloud of three simulated hosts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Result, Runner

CLOUD = """\
hosts:
  - {name: h1, uri: "test:///default", sim_cpus: 8, sim_memory_mib: 8192}
  - {name: h2, uri: "test:///default", sim_cpus: 8, sim_memory_mib: 8192}
  - {name: h3, uri: "test:///default", sim_cpus: 8, sim_memory_mib: 8192}
"""

STACK = """\
stack: web
resources:
  image:
    tiny: {source: ./tiny.qcow2}
  server_group:
    g: {policy: anti-affinity}
  instance:
    a: {image: "${image.tiny}", vcpus: 1, memory_mib: 1024, server_group: "${server_group.g}"}
    b: {image: "${image.tiny}", vcpus: 1, memory_mib: 1024, server_group: "${server_group.g}"}
"""

NEW = '    d: {image: "${image.tiny}", vcpus: 1, memory_mib: 512}\n'


@pytest.fixture
def cli(project: Path, iaas: Runner) -> Runner:
    """``iaas ARGS --cloud cloud.yaml``, the stack applied: a on h1, b on h2 ("spread" then takes h3)."""
    (project / "cloud.yaml").write_text(CLOUD)
    (project / "stack.yaml").write_text(STACK)

    def run(*args: str) -> Result:
        return iaas(*args, "--cloud", "cloud.yaml")

    done = run("apply", "--auto-approve")
    assert done.code == 0, done.err
    return run


def hosts(cli: Runner) -> dict[str, dict[str, object]]:
    listed = cli("host", "list", "--json")
    assert listed.code == 0, listed.err
    return {row["name"]: row for row in json.loads(listed.out)}


def test_host_list_shows_each_host_and_what_runs_there(cli: Runner) -> None:
    listed = cli("host", "list")
    assert listed.code == 0, listed.err
    assert listed.out.splitlines() == [
        "NAME  STATE  INSTANCES  WHY",
        "h1    ready  1",
        "h2    ready  1",
        "h3    ready  0",
    ]


def test_dry_run_shows_the_moves_and_the_plan_and_changes_nothing(cli: Runner) -> None:
    shown = cli("host", "drain", "h1", "--dry-run")
    assert shown.code == 0, shown.err
    assert "Draining host h1 moves 1 instance(s):\n  instance.a (stack web): h1 -> h3\n" in shown.out
    assert '~ host             = null -> "h3"' in shown.out
    assert "Dry run: nothing was changed" in shown.err + shown.out
    assert hosts(cli)["h1"] == {"name": "h1", "state": "ready", "why": "", "instances": 1}


def test_drain_asks_first_and_without_an_answer_changes_nothing(cli: Runner) -> None:
    refused = cli("host", "drain", "h1")
    assert refused.code == 1
    assert "pass --auto-approve" in refused.err
    assert hosts(cli)["h1"]["state"] == "ready"


def test_drain_moves_the_instances_and_no_new_instance_lands_on_the_host(cli: Runner, project: Path) -> None:
    drained = cli("host", "drain", "h1", "--auto-approve")
    assert drained.code == 0, drained.err
    assert "Apply complete!" in drained.out
    assert "Host h1 is drained" in drained.out
    rows = hosts(cli)
    assert rows["h1"] == {
        "name": "h1",
        "state": "drained",
        "why": "drained for maintenance (iaas host drain)",
        "instances": 0,
    }
    assert (rows["h2"]["instances"], rows["h3"]["instances"]) == (1, 1)
    planned = cli("plan")
    assert planned.code == 0 and "No changes." in planned.out  # the stack file as written
    (project / "stack.yaml").write_text(STACK + NEW)  # "spread" would choose h1, the emptiest host
    grown = cli("apply", "--auto-approve")
    assert grown.code == 0, grown.err
    assert hosts(cli)["h1"]["instances"] == 0
    undrained = cli("host", "undrain", "h1")
    assert undrained.code == 0
    assert "The instances drained from it stay where they are" in undrained.out
    assert hosts(cli)["h1"] == {"name": "h1", "state": "ready", "why": "", "instances": 0}


def test_an_unknown_host_is_an_error(cli: Runner) -> None:
    failed = cli("host", "drain", "h9", "--dry-run")
    assert failed.code == 1
    assert "no host 'h9' in the cloud (its hosts: h1, h2, h3)" in failed.err
