"""Real ``ansible-playbook`` and ``ansible-inventory`` runs on localhost against the embedded cloud in a tmp home."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas import resources
from tests.brownfield import stop_network

from .conftest import EXAMPLES, Run, extra_vars

Ansible = Callable[..., Run]
BUILT = [
    ("image", "debian-12"),
    ("instance", "web-1"),
    ("instance", "web-2"),
    ("key_pair", "admin"),
    ("network", "web"),
    ("port_forward", "web-1-ssh"),
    ("project", "web-team"),
    ("security_group", "web"),
    ("server_group", "web"),
    ("volume", "data"),
]

# Changes three objects of the web tier; run with --check --diff it must show them and change nothing.
CHANGES = """\
- name: Change the web tier
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/iaas.cloud.iaas:
      cloud: {home: home}
      stack: web
  tasks:
    - name: A smaller MTU
      iaas.cloud.network: {name: web, cidr: 10.42.0.0/24, domain: web.internal, mtu: 1400}
    - name: No more SSH forward
      iaas.cloud.port_forward: {name: web-1-ssh, state: absent}
    - name: Stop web-2
      iaas.cloud.instance_action: {name: web-2, action: stop}
"""

INVENTORY = """\
plugin: iaas.cloud.iaas
cloud:
  home: home
keyed_groups:
  - key: iaas_flavor
    prefix: flavor
compose:
  ansible_user: "'debian'"
"""

CACHED = """\
plugin: iaas.cloud.iaas
cloud: {home: home}
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: inventory-cache
"""


def _snapshot(home: Path) -> list[tuple[str, str, str, str]]:
    """Every object the cloud's inventory records, with everything recorded about it."""
    cloud = iaas.Cloud.open({"home": str(home)})
    try:
        return sorted((r.kind, r.name, r.id, json.dumps(r.data, sort_keys=True)) for r in cloud.managed_objects())
    finally:
        cloud.close()


def _kinds_and_names(home: Path) -> list[tuple[str, str]]:
    return sorted((kind, name) for kind, name, _, _ in _snapshot(home) if kind != "instance_seed")


def _hostvars(ansible: Ansible, host: str) -> dict[str, Any]:
    return ansible("ansible-inventory", "-i", "web.iaas.yml", "--host", host).json()


@pytest.mark.slow
def test_build_again_check_inventory_teardown(ansible: Ansible, tmp_path: Path) -> None:
    home = tmp_path / "home"
    cloud = extra_vars(iaas_cloud={"home": str(home)})
    build, teardown = str(EXAMPLES / "build.yml"), str(EXAMPLES / "teardown.yml")

    planned = ansible("ansible-playbook", build, *cloud, "--check", "--diff")
    assert planned.recap == {"ok": 9, "changed": 9, "unreachable": 0, "failed": 0}
    assert '"image": "(known after apply)"' in planned.output
    assert _kinds_and_names(home) == []

    assert ansible("ansible-playbook", build, *cloud).recap["changed"] == 9
    assert _kinds_and_names(home) == BUILT
    assert ansible("ansible-playbook", build, *cloud).recap["changed"] == 0

    (tmp_path / "web.iaas.yml").write_text(INVENTORY)
    graph = ansible("ansible-inventory", "-i", "web.iaas.yml", "--graph").output
    for group in (
        "@stack_web:",
        "@project_web_team:",
        "@host_default:",
        "@server_group_web:",
        "@power_state_running:",
        "@flavor_m1_tiny:",
    ):
        assert f"{group}\n  |  |--web-1\n  |  |--web-2" in graph, graph
    web1, web2 = _hostvars(ansible, "web-1"), _hostvars(ansible, "web-2")
    assert (web1["ansible_host"], web1["ansible_port"]) == ("127.0.0.1", 2222)  # through the port forward
    assert web2["ansible_host"] == "10.42.0.11" and "ansible_port" not in web2  # its fixed IP
    assert web1["iaas_stack"] == "web" and web1["iaas_project_name"] == "web-team"
    assert web1["ansible_user"] == "debian" and "iaas_user_data" not in web1
    (tmp_path / "cached.iaas.yml").write_text(CACHED)
    assert "web-1" in ansible("ansible-inventory", "-i", "cached.iaas.yml", "--graph").output

    before = _snapshot(home)
    (tmp_path / "changes.yml").write_text(CHANGES)
    (tmp_path / "hosts.ini").write_text(
        'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
    )
    checked = ansible("ansible-playbook", "-i", "hosts.ini", "changes.yml", "--check", "--diff")
    assert checked.recap == {"ok": 3, "changed": 3, "unreachable": 0, "failed": 0}
    assert '-    "mtu": 1400' not in checked.output and '+    "mtu": 1400' in checked.output
    assert '+    "power_state": "stopped"' in checked.output and '"host_port": 2222' in checked.output
    assert _snapshot(home) == before

    assert ansible("ansible-playbook", teardown, *cloud).recap["changed"] == 9
    assert _kinds_and_names(home) == []
    assert "web-1" not in ansible("ansible-inventory", "-i", "web.iaas.yml", "--graph").output
    assert "web-1" in ansible("ansible-inventory", "-i", "cached.iaas.yml", "--graph").output  # from the cache
    flushed = ansible("ansible-inventory", "-i", "cached.iaas.yml", "--graph", "--flush-cache").output
    assert "web-1" not in flushed


@pytest.mark.slow
def test_stack_playbook_plans_applies_and_deletes(ansible: Ansible, tmp_path: Path) -> None:
    home = tmp_path / "home"
    cloud = extra_vars(iaas_cloud={"home": str(home)})
    playbook = str(EXAMPLES / "stack.yml")

    planned = ansible("ansible-playbook", playbook, *cloud, "--check", "--diff")
    assert planned.recap["changed"] == 1
    assert "# instance.lab-1 will be created" in planned.output and "Plan: 3 to add" in planned.output
    assert _kinds_and_names(home) == []

    applied = ansible("ansible-playbook", playbook, *cloud)
    assert applied.recap["changed"] == 1 and '"lab_1_ip": "10.60.0.10"' in applied.output
    assert _kinds_and_names(home) == [("image", "base"), ("instance", "lab-1"), ("network", "lab")]
    assert ansible("ansible-playbook", playbook, *cloud, "--diff").recap["changed"] == 0

    assert ansible("ansible-playbook", playbook, *cloud, "-e", "stack_state=absent").recap["changed"] == 1
    assert _kinds_and_names(home) == []


def test_a_failing_task_names_the_option_without_a_traceback(ansible: Ansible, tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - iaas.cloud.network: {cloud: {home: home}, name: web, cidr: 10.42.0.0/33}\n"
    )
    failed = ansible("ansible-playbook", "bad.yml", check=False)
    assert failed.returncode == 2 and failed.recap["failed"] == 1
    assert "option cidr:" in failed.output and "Traceback" not in failed.output


def test_a_python_without_iaas_is_told_which_python_to_use(ansible: Ansible, tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    (tmp_path / "hosts.ini").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={tmp_path / 'bare' / 'bin' / 'python'}\n"
    )
    (tmp_path / "info.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - iaas.cloud.network_info: {cloud: {home: home}}\n"
    )
    failed = ansible("ansible-playbook", "-i", "hosts.ini", "info.yml", check=False)
    assert failed.recap["failed"] == 1
    message = " ".join(failed.output.split())
    assert "Failed to import the required Python library (iaas)" in message
    assert "set ansible_python_interpreter to '{{ ansible_playbook_python }}'" in message


# A network whose host stopped it: check mode sees it, the task restores it, the next task has nothing to do.
HEAL = """\
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/iaas.cloud.iaas:
      cloud: {home: home}
      stack: web
  tasks:
    - {iaas.cloud.network: {name: web, cidr: 10.43.0.0/24}, check_mode: true, register: checked}
    - {iaas.cloud.network: {name: web, cidr: 10.43.0.0/24}, register: restored}
    - {iaas.cloud.network: {name: web, cidr: 10.43.0.0/24}, register: again}
    - ansible.builtin.assert:
        that:
          - checked.changed and checked.action == "update"
          - 'checked.network.dataplane == "missing: network running on host default"'
          - restored.changed and restored.action == "update" and restored.network.dataplane == "present"
          - not again.changed and again.network.dataplane == "present"
"""


@pytest.mark.slow
def test_a_network_its_host_stopped_is_restored_by_the_task(ansible: Ansible, tmp_path: Path) -> None:
    home = tmp_path / "home"
    session = resources.Session(iaas.Cloud.open({"home": str(home)}), stack="web")
    inputs = resources.check("network", {"name": "web", "cidr": "10.43.0.0/24"}).inputs
    made = session.create("network", "network.web", inputs, session.plan_create("network", inputs))
    session.cloud.close()
    stop_network(home, made.id)  # as a host reboot leaves it
    (tmp_path / "heal.yml").write_text(HEAL)
    run = ansible("ansible-playbook", "heal.yml")
    assert run.recap == {"ok": 4, "changed": 2, "unreachable": 0, "failed": 0}, run.output
    again = resources.Session(iaas.Cloud.open({"home": str(home)}), stack="web")
    try:
        assert again.read("network", "network.web", made.id).lost == ()  # type: ignore[union-attr]
    finally:
        again.cloud.close()
