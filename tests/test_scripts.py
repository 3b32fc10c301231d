"""The commands the README and CI rely on are present and wired together."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", [".ci/run", "scripts/test.sh", "scripts/setup.sh", "scripts/postgres.sh"])
def test_script_exists_and_is_executable(name: str) -> None:
    path = ROOT / name
    assert path.is_file()
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/usr/bin/env bash\n")


def test_ci_runs_the_readme_test_command() -> None:
    text = (ROOT / ".ci/run").read_text()
    assert re.search(r"^\./scripts/test\.sh\b", text, re.MULTILINE)


def test_test_script_sets_up_before_running_pytest() -> None:
    lines = (ROOT / "scripts/test.sh").read_text().splitlines()
    setup = next(i for i, line in enumerate(lines) if "./scripts/setup.sh --no-demo" in line)
    pytest_run = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert setup < pytest_run


@pytest.mark.skipif(not (ROOT / ".venv/bin/python").exists(), reason="needs the checkout set up by scripts/setup.sh")
def test_test_script_fails_when_no_test_runs() -> None:
    result = subprocess.run(
        ["scripts/test.sh", "tests/test_scripts.py", "-k", "no_test_has_this_name", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "collected no tests" in result.stderr


@pytest.mark.skipif(not (ROOT / ".venv/bin/iaas").exists(), reason="needs the checkout set up by scripts/setup.sh")
def test_demo_runs_and_shows_a_real_change_and_the_graph_edges(tmp_path: Path) -> None:
    demo = tmp_path / "examples" / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo, ignore=shutil.ignore_patterns(".iaas", "*.qcow2"))
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IAAS_") and k != "NO_COLOR"}
    done = subprocess.run(
        ["bash", str(demo / "run.sh")], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "\x1b" not in out  # no escape codes when the output is not a terminal
    changed = out[out.index("$ iaas plan -f changed.yaml") : out.index("$ iaas graph")]
    assert "instance.web-2 will be updated in place" in changed and '"m1.tiny" -> "m1.small"' in changed
    assert "project.web-team will be updated in place" in changed
    graph = out[out.index("$ iaas graph") : out.index("$ iaas destroy")]
    assert graph.count(" --> ") >= 10  # the edges, not only the nodes


def test_fresh_root_script_explains_itself_and_refuses_unknown_options() -> None:
    script = ROOT / "scripts/fresh-root.sh"
    assert os.access(script, os.X_OK)
    shown = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert shown.returncode == 0
    assert "--root DIR" in shown.stdout and "./scripts/setup.sh and ./scripts/test.sh" in shown.stdout
    refused = subprocess.run([script, "--no-such-option"], capture_output=True, text=True, check=False)
    assert refused.returncode != 0
    assert "unknown option: --no-such-option" in refused.stderr


def _setup_debian_packages() -> set[str]:
    found = re.search(r"^DEBIAN_PACKAGES=\(([^)]*)\)", (ROOT / "scripts/setup.sh").read_text(), re.MULTILINE)
    assert found is not None
    return set(found.group(1).split())


@pytest.mark.parametrize(
    ("test_file", "tool", "package"),
    [
        ("tests/model/test_key_pair.py", "ssh-keygen", "openssh-client"),
        ("tests/cloud/test_instance.py", "isoinfo", "genisoimage"),
    ],
)
def test_setup_installs_the_tools_tests_compare_with(test_file: str, tool: str, package: str) -> None:
    """A fresh machine set up by setup.sh runs these tests instead of skipping them for want of the tool."""
    assert f'shutil.which("{tool}")' in (ROOT / test_file).read_text()
    assert package in _setup_debian_packages()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "start DIR"),
        (["start"], "usage"),
        (["stop", "/nonexistent/iaas-pg"], "holds no server"),
        (["stop", "/tmp", "gently"], "fast or immediate"),
    ],
)
def test_postgres_script_explains_its_usage(argv: list[str], message: str) -> None:
    done = subprocess.run(["scripts/postgres.sh", *argv], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert message in done.stderr


def test_postgres_script_prints_a_url_without_a_secret(tmp_path: Path) -> None:
    done = subprocess.run(
        ["scripts/postgres.sh", "url", str(tmp_path / "a b")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"postgresql://iaas@/iaas?host={tmp_path}/a%20b&passfile={tmp_path}/a%20b/pgpass"


def test_the_test_output_says_up_front_which_debian_packages_it_will_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import conftest

    monkeypatch.setattr(conftest, "_missing_debian_packages", lambda script: ["qemu-system-x86"])
    header = conftest.pytest_report_header(None)  # type: ignore[arg-type]
    assert any(line.startswith("real-host tests: will install Debian packages") for line in header)
    assert all("qemu-system-x86" in line and "--real-hosts --postgres" in line for line in header)
