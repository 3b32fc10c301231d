"""A relative image source is kept as written and resolved where the file is read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import iaas


def _stack() -> iaas.Stack:
    stack = iaas.Stack("t")
    stack.add(iaas.Image(name="tiny", source="images/tiny.qcow2"))
    return stack


def test_python_stack_resolves_against_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "a"
    (project / "images").mkdir(parents=True)
    (project / "images" / "tiny.qcow2").write_bytes(b"QFI\xfb" + b"\0" * 1020)
    monkeypatch.chdir(project)
    with iaas.Engine.open("t", home=".iaas") as engine:
        plan = engine.plan(_stack())
        assert plan.base == str(project)
        engine.apply(plan)
        assert engine.resources()["image.tiny"].inputs["source"] == "images/tiny.qcow2"
        assert engine.resources()["image.tiny"].outputs["size"] == 1024  # the file was found
    shutil.copytree(project, tmp_path / "b")
    monkeypatch.chdir(tmp_path / "b")
    with iaas.Engine.open("t", home=".iaas") as engine:
        assert engine.plan(_stack()).empty
