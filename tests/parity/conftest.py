"""One fixture per face; each runs the whole table once (batched as the face allows) the first time it is used."""

from __future__ import annotations

from pathlib import Path

import pytest

from iaas_pulumi.names import wire_path
from tests.ansible.conftest import ansible_runner, collections_path  # noqa: F401  (the Ansible face's)
from tests.parity import faces
from tests.parity.cases import make_world
from tests.parity.face_ansible import run_ansible
from tests.parity.face_pulumi import case_urn, run_pulumi
from tests.parity.face_terraform import run_terraform
from tests.parity.translate import tf_address
from tests.terraform.conftest import cli_config, terraform  # noqa: F401  (fixtures of the Terraform face)

#: Why a face plans an update without saying whether it is made live or with a restart.
NO_UPDATE_CLASS = "the face's plan says 'update' only: live or with a restart is not part of its protocol"


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding ``home``, the cloud every case starts from, and the image file of image ``deb``."""
    base = tmp_path_factory.mktemp("parity-world")
    make_world(base / "home", base / "deb.qcow2")
    return base


def face_world(world: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A face's own directory, holding a copy of the world's home."""
    where = tmp_path_factory.mktemp(f"parity-{name}")
    faces.copy_home(world / "home", where / "home")
    return where


@pytest.fixture(scope="session")
def python_face(world: Path, tmp_path_factory: pytest.TempPathFactory) -> faces.Face:
    """``import iaas``: Engine.apply and Engine.plan."""
    return faces.Face("python", face_world(world, tmp_path_factory, "python"), faces.run_python)


@pytest.fixture(scope="session")
def cli_face(world: Path, tmp_path_factory: pytest.TempPathFactory) -> faces.Face:
    """The ``iaas`` command as a subprocess: apply and plan of a stack file."""
    return faces.Face("cli", face_world(world, tmp_path_factory, "cli"), faces.run_cli)


@pytest.fixture(scope="session")
def terraform_face(
    world: Path,
    tmp_path_factory: pytest.TempPathFactory,
    terraform: Path,  # noqa: F811
    cli_config: Path,  # noqa: F811
) -> faces.Face:
    """The real ``terraform`` binary with the provider from a filesystem mirror."""
    return faces.Face(
        "terraform",
        face_world(world, tmp_path_factory, "terraform"),
        lambda face: run_terraform(face, terraform, cli_config),
        designate=tf_address,
        update_class=NO_UPDATE_CLASS,
    )


@pytest.fixture(scope="session")
def pulumi_face(world: Path, tmp_path_factory: pytest.TempPathFactory) -> faces.Face:
    """The Pulumi provider plugin over gRPC, as the engine calls it."""
    return faces.Face(
        "pulumi",
        face_world(world, tmp_path_factory, "pulumi"),
        run_pulumi,
        designate=case_urn,
        field_name=wire_path,
        update_class=NO_UPDATE_CLASS,
    )


@pytest.fixture(scope="session")
def ansible_face(world: Path, tmp_path_factory: pytest.TempPathFactory, collections_path: Path) -> faces.Face:  # noqa: F811
    """Real ``ansible-playbook`` with the collection iaas.cloud, one task per resource."""
    where = face_world(world, tmp_path_factory, "ansible")
    return faces.Face(
        "ansible",
        where,
        lambda face: run_ansible(face, ansible_runner(collections_path, where)),
        update_class=NO_UPDATE_CLASS,
    )
