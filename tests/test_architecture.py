"""The import contracts of docs/architecture.md hold: each part of iaas imports only what it may.

The contracts live in pyproject.toml ([tool.importlinter]); ``lint-imports`` checks them.  The checks here
cover what import-linter cannot see: names (not modules) imported by the faces, and the completeness of the
faces' contract and of :mod:`iaas.api`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import iaas
import iaas.api

ROOT = Path(__file__).resolve().parents[1]
FACES = [
    ROOT / "iaas" / "cli",
    ROOT / "providers" / "terraform" / "iaas_terraform",
    ROOT / "providers" / "pulumi" / "iaas_pulumi",
    ROOT / "providers" / "pulumi" / "sdk" / "python" / "pulumi_iaas",
    ROOT / "ansible_collection" / "plugins",
    ROOT / "ansible_collection" / "tools",
]
PUBLIC = {"iaas", "iaas.api"}  # all that a face may import of iaas


def _contract(name: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["name"] == name)


def _face_files() -> list[Path]:
    return sorted(p for face in FACES for p in face.rglob("*.py"))


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, f"an import contract is broken (see docs/architecture.md):\n{run.stdout}{run.stderr}"


def test_the_faces_contract_forbids_every_part_of_iaas_but_the_public_api() -> None:
    parts = {f"iaas.{p.stem}" for p in (ROOT / "iaas").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    forbidden = set(_contract("the faces import only the public API (iaas, iaas.api)")["forbidden_modules"])
    assert forbidden == parts - PUBLIC - {"iaas.__init__", "iaas.cli"}


def test_the_faces_import_no_private_name_of_iaas() -> None:
    private = []
    for path in _face_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "iaas":
                private += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert private == []


def test_every_name_of_the_public_api_loads_and_is_typed() -> None:
    """Each exported name resolves, and the TYPE_CHECKING imports (what type checkers see) name exactly them."""
    for module in (iaas, iaas.api):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"
        tree = ast.parse(Path(module.__file__ or "").read_text())
        typed = {
            a.asname or a.name
            for node in tree.body
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for stmt in node.body
            if isinstance(stmt, ast.ImportFrom)
            for a in stmt.names
        }
        assert typed == set(module._EXPORTS), module.__name__
