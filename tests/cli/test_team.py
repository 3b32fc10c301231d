"""A team: two cloud homes (two operators' machines, each its own directory and process) sharing one PostgreSQL
database and the same host see each other's objects, quota usage, placements and address ranges.

The shared host is a simulated one whose store file both cloud configs name (``sim_store``), as both operators'
configs would name one real host's URI.
"""

from __future__ import annotations

import json
from pathlib import Path

from iaas.cloud.store import Store

from .conftest import run_module

WEB = """\
stack: web
resources:
  project:
    team:
      quota: {instances: 1}
  image:
    tiny:
      source: ./tiny.qcow2
  network:
    lan:
      cidr: 10.70.0.0/24
  instance:
    vm:
      image: ${image.tiny}
      flavor: m1.small
      project: ${project.team}
      nics:
        - network: ${network.lan}
"""

#: Bob's stack: a network that overlaps Alice's, then an instance in her project.
OPS_NETWORK = """\
stack: ops
resources:
  network:
    other:
      cidr: 10.70.0.128/25
"""

OPS_INSTANCE = """\
stack: ops
resources:
  instance:
    extra:
      image: {image}
      flavor: m1.tiny
      project: {project}
"""


def _home(tmp_path: Path, who: str, url: str, host_store: Path) -> Path:
    """The machine of ``who``: a directory with its stack image and a cloud config naming the team's database."""
    directory = tmp_path / who
    directory.mkdir()
    (directory / "tiny.qcow2").write_bytes(b"QFI\xfb" + bytes(2044))
    config = {
        "home": str(directory / ".iaas"),
        "database": url,
        "hosts": [{"name": "h1", "uri": "test:///default", "sim_store": str(host_store)}],
    }
    (directory / "cloud.yaml").write_text(json.dumps(config))
    return directory


def test_two_homes_on_one_database_and_host_work_as_one_cloud(tmp_path: Path, postgres_url: str) -> None:
    host_store = tmp_path / "shared-host" / "h1.db"
    alice, bob = (_home(tmp_path, who, postgres_url, host_store) for who in ("alice", "bob"))
    (alice / "stack.yaml").write_text(WEB)
    (bob / "stack.yaml").write_text(WEB)

    applied = run_module("apply", "--auto-approve", "--cloud", "cloud.yaml", cwd=alice)
    assert applied.returncode == 0, applied.stderr

    # Bob's machine plans Alice's stack, refreshing from the shared host: nothing to do.
    planned = run_module("plan", "--cloud", "cloud.yaml", "--detailed-exitcode", cwd=bob)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout

    # Alice's network's range is held in the shared inventory: Bob's overlapping one is refused before anything.
    (bob / "ops.yaml").write_text(OPS_NETWORK)
    refused = run_module("plan", "--cloud", "cloud.yaml", "-f", "ops.yaml", cwd=bob)
    assert refused.returncode == 1
    assert "network.other.cidr: 10.70.0.128/25 overlaps 10.70.0.0/24 of network network.lan (stack web)" in (
        refused.stderr
    )

    # The project's quota is used up by Alice's instance: Bob's instance in it is refused.
    inventory = Store(postgres_url)
    try:
        project = inventory.named("project", "team")[0].id
        image = inventory.named("image", "tiny")[0].id
        with inventory.transaction():
            assert inventory.used(f"project:{project}", "instances") == 1
            assert inventory.used("host:h1", "vcpus") == 1  # m1.small, placed on the shared host
    finally:
        inventory.close()
    (bob / "ops.yaml").write_text(OPS_INSTANCE.format(image=image, project=project))
    over = run_module("apply", "--auto-approve", "--cloud", "cloud.yaml", "-f", "ops.yaml", cwd=bob)
    assert over.returncode == 1
    assert "instance.extra.project: project team: quota instances=1 exceeded" in over.stderr
    assert not list((bob / ".iaas").glob("cloud.db")), "Bob's inventory is the team's, not a file of his own"
