"""ansible-doc renders every plugin, ansible-lint passes the example playbooks, ansible-test sanity passes."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import BIN, COLLECTION, REPO, Run


def _modules() -> list[str]:
    return sorted(p.stem for p in (COLLECTION / "plugins" / "modules").glob("*.py"))


def test_ansible_doc_renders_every_module(ansible: Callable[..., Run]) -> None:
    names = [f"iaas.cloud.{m}" for m in _modules()]
    docs = ansible("ansible-doc", "--json", *names).json()
    assert sorted(docs) == names
    for name, entry in docs.items():
        options = entry["doc"]["options"]
        assert "cloud" in options, name  # from the doc fragment
        assert entry["doc"]["attributes"]["check_mode"]["support"] == "full", name
        assert entry["examples"].strip() and entry["return"], name
    assert docs["iaas.cloud.instance"]["doc"]["options"]["nics"]["suboptions"]["network"]["required"] is True
    text = " ".join(ansible("ansible-doc", "iaas.cloud.instance").output.split())
    assert "Changing it replaces the object" in text and "Required when `state=present'" in text
    listed = ansible("ansible-doc", "--list", "iaas.cloud").output
    assert all(name in listed for name in names)
    inventory = ansible("ansible-doc", "-t", "inventory", "iaas.cloud.iaas").output
    assert "keyed_groups" in inventory and "ansible_host" in inventory


def test_the_collection_builds_without_its_tools(ansible: Callable[..., Run], tmp_path: Path) -> None:
    ansible("ansible-galaxy", "collection", "build", str(COLLECTION), "--output-path", str(tmp_path))
    with tarfile.open(tmp_path / "iaas-cloud-0.1.0.tar.gz") as tar:
        names = set(tar.getnames())
    assert {
        "MANIFEST.json",
        "meta/runtime.yml",
        "plugins/modules/instance.py",
        "plugins/inventory/iaas.py",
        "CHANGELOG.md",
        "playbooks/examples/build.yml",
    } <= names
    assert not any(n.startswith("tools") or "__pycache__" in n for n in names)


@pytest.mark.slow
def test_ansible_lint_passes_the_example_playbooks(collections_path: Path) -> None:
    lint = BIN / "ansible-lint"
    if not lint.exists():
        pytest.skip("ansible-lint is not installed (the 'ansible' extra installs it)")
    done = subprocess.run(
        [str(lint), "--nocolor", "playbooks/examples"],
        cwd=COLLECTION,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(Path.home()),
            "ANSIBLE_COLLECTIONS_PATH": str(collections_path),
        },
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "0 failure(s), 0 warning(s)" in output and "'production'" in output, output


@pytest.mark.slow
def test_ansible_test_sanity_passes() -> None:
    if shutil.which("tar") is None:
        pytest.skip("tar is needed to copy the collection")
    done = subprocess.run(
        [str(REPO / "scripts" / "ansible-sanity.sh")], cwd=REPO, capture_output=True, text=True, timeout=1200
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    assert "All targets skipped" not in output
    assert output.count('Running sanity test "') >= 24, output[-5000:]
