"""The modules' documentation and argument specs are the model's: regenerating them changes nothing."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

from iaas.model import KINDS, object_schema

from .conftest import COLLECTION


def _generator() -> ModuleType:
    tools = str(COLLECTION / "tools")
    sys.path.insert(0, tools)
    try:
        spec = importlib.util.spec_from_file_location("iaas_cloud_generate", COLLECTION / "tools" / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(tools)


def _constants(path: Path) -> dict[str, object]:
    """The literal module-level constants of a module file (DOCUMENTATION, OPTIONS, ...)."""
    tree = ast.parse(path.read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


def test_regenerating_gives_the_committed_files() -> None:
    stale = _generator().stale()
    assert stale == [], (
        "generated files are out of date; run .venv/bin/python ansible_collection/tools/generate.py: "
        + ", ".join(str(p) for p in stale)
    )


def test_every_module_file_is_in_the_action_group() -> None:
    runtime = yaml.safe_load((COLLECTION / "meta" / "runtime.yml").read_text())
    modules = sorted(p.stem for p in (COLLECTION / "plugins" / "modules").glob("*.py"))
    assert runtime["action_groups"]["iaas"] == modules
    assert runtime["requires_ansible"] == ">=2.19.0,<2.20.0"
    assert len(modules) == 2 * len(KINDS) + 2


def test_options_and_documentation_follow_the_model() -> None:
    """Every input field is an option, documented with the same type, choices and default; outputs are returned."""
    for kind, cls in KINDS.items():
        consts = _constants(COLLECTION / "plugins" / "modules" / f"{kind}.py")
        doc = yaml.safe_load(consts["DOCUMENTATION"])
        returned = yaml.safe_load(consts["RETURN"])[kind]["contains"]
        options = consts["OPTIONS"]
        assert isinstance(options, dict)
        schema = object_schema(cls)
        assert list(options) == [f.name for f in schema.inputs]
        for f in schema.inputs:
            assert doc["options"][f.name]["type"] == options[f.name]["type"]
            assert doc["options"][f.name].get("choices") == options[f.name].get("choices")
            assert doc["options"][f.name].get("default") == options[f.name].get("default")
            assert f.spec.description in doc["options"][f.name]["description"]
            if f.spec.secret:
                assert options[f.name]["no_log"] is True
        assert set(returned) == {f.name for f in schema.fields}
        assert consts["REQUIRED_WHEN_PRESENT"] == [f.name for f in schema.inputs if f.required and f.name != "name"]
