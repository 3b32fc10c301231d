"""Fixtures for the ``iaas`` command: a project directory with a stack file, and a runner for ``iaas.cli.main``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from iaas.cli import main

REPO = Path(__file__).resolve().parents[2]
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d test@iaas"
USER_DATA = "#cloud-config\\npassword: hunter2\\n"

STACK = f"""\
stack: t
resources:
  image:
    tiny:
      source: ./tiny.qcow2
  key_pair:
    admin:
      public_key: {PUBLIC_KEY}
  network:
    lan:
      cidr: 10.60.0.0/24
  instance:
    vm:
      image: ${{image.tiny}}
      flavor: m1.tiny
      key_pair: ${{key_pair.admin}}
      user_data: "{USER_DATA}"
      nics:
        - network: ${{network.lan}}
          fixed_ip: 10.60.0.10
outputs:
  ip: ${{instance.vm.ip_address}}
  addresses: ${{instance.vm.ip_addresses}}
  gateway: ${{network.lan.gateway}}
"""

#: Every resource address of :data:`STACK`.
ADDRESSES = ["image.tiny", "instance.vm", "key_pair.admin", "network.lan"]


@attrs.frozen
class Result:
    """What one run of the command did: exit code, standard output and standard error."""

    code: int
    out: str
    err: str


Runner = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding ``stack.yaml`` and a small image; the current directory for the test."""
    work = tmp_path / "project"
    work.mkdir()
    (work / "stack.yaml").write_text(STACK)
    (work / "tiny.qcow2").write_bytes(b"QFI\xfb" + b"\0" * 1020)
    monkeypatch.chdir(work)
    for name in ("IAAS_HOME", "IAAS_CLOUD", "IAAS_STATE", "IAAS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return work


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The directory of the embedded cloud and the state."""
    return tmp_path / "home"


@pytest.fixture
def iaas(project: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run ``iaas ARGS --home HOME`` in-process; returns a :class:`Result`.

    Standard input is not a terminal (as under pytest), so nothing asks for
    confirmation.
    """

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([*args, "--home", str(home)])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def applied(iaas: Runner) -> Runner:
    """The runner, after ``apply --auto-approve`` of the test stack."""
    result = iaas("apply", "--auto-approve")
    assert result.code == 0, result.err
    return iaas


def subprocess_env() -> dict[str, str]:
    """The environment for running ``python -m iaas.cli`` from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for name in ("IAAS_HOME", "IAAS_CLOUD", "IAAS_STATE", "IAAS_DATABASE_URL"):
        env.pop(name, None)
    return env


def run_module(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the real command, ``python -m iaas.cli ARGS``, in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "iaas.cli", *args],
        cwd=cwd,
        env=subprocess_env(),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
