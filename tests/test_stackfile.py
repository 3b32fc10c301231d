"""Stack files: YAML and JSON, with errors that name the file and line (iaas.stackfile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iaas.errors import ValidationError
from iaas.stack import Stack


def _load(tmp_path: Path, text: str, name: str = "stack.yaml") -> Stack:
    path = tmp_path / name
    path.write_text(text)
    return Stack.load(str(path))


def test_an_unknown_top_level_key_reads_file_line_message(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        _load(tmp_path, "resources: {}\nresource: {}\n")
    assert str(info.value) == (f"{tmp_path}/stack.yaml:2: unknown top-level key 'resource' "
                               "(known: stack, resources, outputs)")


def test_a_resource_declared_twice_is_refused_at_its_second_line(tmp_path: Path) -> None:
    text = "resources:\n  network:\n    web:\n      cidr: 10.0.0.0/24\n    web:\n      cidr: 10.0.1.0/24\n"
    with pytest.raises(ValidationError) as info:
        _load(tmp_path, text)
    [error] = info.value.errors
    assert error.source == f"{tmp_path}/stack.yaml:5"
    assert error.message == "not valid YAML/JSON: duplicate key 'web' (first at line 3)"
