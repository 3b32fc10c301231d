"""One fixture per face; each runs the whole table once (batched as the face allows) the first time it is used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.parity import faces
from tests.parity.cases import make_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding ``home``, the cloud every case starts from, and the image file of image ``deb``."""
    base = tmp_path_factory.mktemp("parity-world")
    make_world(base / "home", base / "deb.qcow2")
    return base


def face_world(world: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A face's own directory, holding a copy of the world's home."""
    where = tmp_path_factory.mktemp(f"parity-{name}")
    shutil.copytree(world / "home", where / "home")
    return where


@pytest.fixture(scope="session")
def python_face(world: Path, tmp_path_factory: pytest.TempPathFactory) -> faces.Face:
    """``import iaas``: Engine.apply and Engine.plan."""
    return faces.Face("python", face_world(world, tmp_path_factory, "python"), faces.run_python)


@pytest.fixture(scope="session")
def cli_face(world: Path, tmp_path_factory: pytest.TempPathFactory) -> faces.Face:
    """The ``iaas`` command as a subprocess: apply and plan of a stack file."""
    return faces.Face("cli", face_world(world, tmp_path_factory, "cli"), faces.run_cli)
