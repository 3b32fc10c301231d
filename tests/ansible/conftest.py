"""Fixtures for the Ansible collection iaas.cloud: the collection on a collections path, real Ansible runs
(``ansible-playbook``, ``ansible-inventory``, ``ansible-doc``) and modules run in this process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

REPO = Path(__file__).resolve().parents[2]
COLLECTION = REPO / "ansible_collection"
EXAMPLES = COLLECTION / "playbooks" / "examples"
BIN = Path(sys.executable).parent
_RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collections path on which ``iaas.cloud`` is this checkout's collection."""
    pytest.importorskip("ansible", reason="the Ansible face needs ansible-core (the 'ansible' extra)")
    root = tmp_path_factory.mktemp("collections")
    (root / "ansible_collections" / "iaas").mkdir(parents=True)
    (root / "ansible_collections" / "iaas" / "cloud").symlink_to(COLLECTION)
    return root


@pytest.fixture(scope="session")
def importable_collection(collections_path: Path) -> Iterator[None]:
    """Modules of the collection can be imported (``ansible_collections.iaas.cloud...``) in this process."""
    sys.path.insert(0, str(collections_path))
    yield
    sys.path.remove(str(collections_path))


@attrs.frozen
class Run:
    """One run of an Ansible command."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Standard output and standard error, for searching the text a user would see."""
        return self.stdout + self.stderr

    def json(self) -> Any:
        """Standard output parsed as JSON (warnings on standard error, e.g. a library's deprecation, are not)."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"not JSON ({exc}):\n{self.stdout}\nstandard error:\n{self.stderr}") from exc

    @property
    def recap(self) -> dict[str, int]:
        """The counts of the play recap for localhost (the last play's)."""
        found = _RECAP.findall(self.output)
        assert found, f"no play recap in the output:\n{self.output}"
        ok, changed, unreachable, failed = (int(x) for x in found[-1])
        return {"ok": ok, "changed": changed, "unreachable": unreachable, "failed": failed}


def ansible_runner(collections_path: Path, work: Path) -> Callable[..., Run]:
    """Run an Ansible command (``ansible-playbook``, ...) of this Python's environment, in ``work``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "IAAS_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_LOCAL_TEMP=str(work / ".ansible-tmp"),
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )

    def run(command: str, *args: str, check: bool = True) -> Run:
        done = subprocess.run(
            [str(BIN / command), *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        out = Run(done.returncode, done.stdout, done.stderr)
        if check:
            assert done.returncode == 0, f"{command} {' '.join(args)} failed:\n{out.output}"
        return out

    return run


@pytest.fixture
def ansible(collections_path: Path, tmp_path: Path) -> Callable[..., Run]:
    """Run an Ansible command (``ansible-playbook``, ...) of this Python's environment, in ``tmp_path``."""
    return ansible_runner(collections_path, tmp_path)


def extra_vars(**values: Any) -> list[str]:
    """``-e`` arguments for ``ansible-playbook``, as JSON."""
    return ["-e", json.dumps(values)]


@pytest.fixture
def run_module(capsys: pytest.CaptureFixture[str], importable_collection: None) -> Callable[..., dict[str, Any]]:
    """Run a module of the collection in this process with these arguments; its JSON result."""
    from ansible.module_utils.testing import patch_module_args

    def run(module: str, args: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
        mod = __import__(f"ansible_collections.iaas.cloud.plugins.modules.{module}", fromlist=["main"])
        capsys.readouterr()
        with patch_module_args({**args, "_ansible_check_mode": check_mode, "_ansible_diff": diff}):
            with pytest.raises(SystemExit):
                mod.main()
        return json.loads(capsys.readouterr().out)

    return run
