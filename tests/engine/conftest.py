"""Fixtures for engine tests: an engine on the embedded (test driver) cloud in a temporary home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d test@iaas"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh directory for the embedded cloud and the state."""
    return tmp_path / "home"


@pytest.fixture
def engine(home: Path) -> Iterator[iaas.Engine]:
    """An engine for stack 't' on the embedded cloud."""
    with iaas.Engine.open("t", home=home) as e:
        yield e


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    """A small local image file."""
    p = tmp_path / "tiny.qcow2"
    p.write_bytes(b"QFI\xfb" + b"\0" * 1020)
    return p
