"""Examples the fuzzing suite found, kept as regular tests: each once ended in a traceback or in an apply that
failed after creating other resources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import iaas

from ._stacks import STACK, run, valid_stack


def _run(tmp_path: Path, doc: dict[str, object] | None = None, text: str | None = None, step: str = "validate") -> str:
    image = tmp_path / "tiny.qcow2"
    image.write_bytes(b"QFI\xfb" + b"\0" * 1020)
    path = tmp_path / "stack.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(doc))
    with iaas.Engine.open(STACK, home=tmp_path / "home") as engine:
        outcome = run(path, engine)
    assert outcome.step == step, outcome
    return outcome.error


def _vm(tmp_path: Path, **fields: object) -> dict[str, object]:
    doc = valid_stack(tmp_path / "tiny.qcow2")
    doc["resources"]["instance"]["vm"].update(fields)  # type: ignore[index]
    return doc


def test_nics_that_are_not_a_list(tmp_path: Path) -> None:
    assert "instance.vm.nics: expected a list, got an integer" in _run(tmp_path, _vm(tmp_path, nics=1))


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"volumes": [None]}, "instance.vm.volumes[0]: must not be null"),
        ({"nics": [None]}, "instance.vm.nics[0]: must not be null"),
    ],
)
def test_a_null_list_item(tmp_path: Path, fields: dict[str, object], where: str) -> None:
    assert where in _run(tmp_path, _vm(tmp_path, **fields))


def test_a_null_list_item_in_a_file_cut_short(tmp_path: Path) -> None:
    text = yaml.safe_dump(valid_stack(tmp_path / "tiny.qcow2"), sort_keys=False)
    cut = text[: text.index("- ${volume.data}") + 1]  # "volumes:\n  -": one null item
    assert "instance.vm.volumes[0]: must not be null" in _run(tmp_path, text=cut)


def test_escaped_surrogates_in_a_json_stack_file(tmp_path: Path) -> None:
    text = json.dumps(_vm(tmp_path, image="\U00010000"))  # written as the escaped pair \ud800\udc00
    assert "instance.vm.image: no image named or with id '\U00010000' exists" in _run(tmp_path, text=text, step="plan")


def test_a_lone_surrogate_is_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "s2.yaml").write_text('resources: {}\noutputs: {x: "\\ud800"}\n')
    with pytest.raises(iaas.ValidationError, match=r"s2.yaml:2: not valid YAML/JSON: a string holds half of a UTF-16"):
        iaas.Stack.load(str(tmp_path / "s2.yaml"), STACK)
