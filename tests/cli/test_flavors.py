"""Flavors of the cloud config through the CLI: a bad definition names its field; an instance takes the sizes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Runner

CLOUD = """\
home: {home}
flavors:
  m1.gpu-less: {{vcpus: 4, memory_mib: 8192, root_disk_gib: 40, cpu_mode: host-model, machine: q35}}
"""


def _cloud(project: Path, home: Path, text: str = CLOUD) -> str:
    path = project / "cloud.yaml"
    path.write_text(text.format(home=home))
    return str(path)


def test_a_bad_definition_is_an_error_naming_flavors_name_field(iaas: Runner, project: Path, home: Path) -> None:
    cloud = _cloud(project, home, "home: {home}\nflavors:\n  big: {{vcpus: -1, memory_mib: 1024, disks: 2}}\n")
    result = iaas("plan", "--cloud", cloud)
    assert result.code != 0
    assert "flavors.big.vcpus: must be at least 1" in result.err
    assert "flavors.big.disks: unknown field" in result.err


def test_an_instance_takes_the_flavor_s_sizes(iaas: Runner, project: Path, home: Path) -> None:
    cloud = _cloud(project, home)
    stack = (project / "stack.yaml").read_text().replace("flavor: m1.tiny", "flavor: m1.gpu-less")
    (project / "stack.yaml").write_text(stack)
    assert iaas("apply", "--auto-approve", "--cloud", cloud).code == 0
    shown = iaas("state", "show", "instance.vm", "--cloud", cloud)
    assert shown.code == 0, shown.err
    inputs = json.loads(shown.out)["inputs"]
    assert (inputs["vcpus"], inputs["memory_mib"], inputs["root_disk_gib"], inputs["machine"]) == (4, 8192, 40, "q35")
    assert iaas("plan", "--detailed-exitcode", "--cloud", cloud).code == 0

    (project / "stack.yaml").write_text(stack.replace("flavor: m1.gpu-less", "flavor: m1.gpu-more"))
    refused = iaas("plan", "--cloud", cloud)
    assert refused.code != 0 and "instance.vm.flavor: unknown flavor 'm1.gpu-more'" in refused.err
