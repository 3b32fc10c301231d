"""Fixtures of the Pulumi face: a running provider plugin on the embedded cloud in a tmp home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pulumi.harness import Plugin


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plugin]:
    """The plugin, started as the engine starts it, configured with a fresh home."""
    home = tmp_path_factory.mktemp("pulumi-home")
    running = Plugin(home)
    running.configure({"home": str(home / ".iaas")})
    running.home = home  # type: ignore[attr-defined]
    yield running
    running.close()


@pytest.fixture(scope="module")
def image_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small image file to import."""
    path = tmp_path_factory.mktemp("images") / "base.qcow2"
    path.write_bytes(b"\0" * 4096)
    return path
