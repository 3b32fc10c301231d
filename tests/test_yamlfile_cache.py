"""Parsed texts kept by their content (iaas.yamlfile.cache): the same data again, without PyYAML or a parse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iaas import yamlfile
from iaas.errors import ValidationError
from iaas.stack import Stack
from iaas.yamlfile import cache

STACK = """\
stack: s
resources:
  network:
    lan:
      cidr: 10.0.0.0/24
  key_pair:
    k1: &k
      public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d k@h
    k2: *k
outputs:
  net: ${network.lan}
"""

PROBE = """\
import json, sys
from iaas.stack import Stack
s = Stack.load(sys.argv[1])
print(json.dumps({"yaml": "yaml" in sys.modules,
                  "resources": {r.address: [r.source, r.field_sources] for r in s},
                  "outputs": sorted(s.outputs)}))
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("IAAS_CACHE_DIR", str(where))
    return where


def _file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "stack.yaml"
    p.write_text(text)
    return p


def test_a_second_read_loads_neither_pyyaml_nor_the_parse_and_gives_the_same_stack(
    tmp_path: Path, folder: Path
) -> None:
    path = _file(tmp_path, STACK)
    env = {**os.environ, "IAAS_CACHE_DIR": str(folder)}
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", PROBE, str(path)], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(2)
    ]
    assert [r.pop("yaml") for r in runs] == [True, False]
    assert runs[0] == runs[1]
    assert runs[1]["resources"]["key_pair.k2"][0].endswith("stack.yaml:9")
    assert len(list(folder.iterdir())) == 1


def test_kept_data_equals_parsed_data_with_lines_and_aliases(tmp_path: Path, folder: Path) -> None:
    from iaas.stackfile import _loader

    parsed = yamlfile.parse(STACK, "x", _loader)
    kept = yamlfile.parse(STACK, "x", _loader)
    assert kept == parsed and kept is not parsed
    assert kept["resources"].lines == parsed["resources"].lines == {"network": 3, "key_pair": 6}
    assert isinstance(kept["resources"]["key_pair"], yamlfile.LineDict)
    assert kept["resources"]["key_pair"]["k1"] is kept["resources"]["key_pair"]["k2"]  # an alias stays one object


def test_a_damaged_entry_is_parsed_again(tmp_path: Path, folder: Path) -> None:
    path = _file(tmp_path, STACK)
    Stack.load(str(path))
    (entry,) = folder.iterdir()
    entry.write_bytes(b"\xff\x00garbage")
    assert len(Stack.load(str(path))) == 3
    assert entry.read_bytes() != b"\xff\x00garbage"


def test_an_edited_file_is_read_again(tmp_path: Path, folder: Path) -> None:
    path = _file(tmp_path, STACK)
    assert "key_pair.k2" in Stack.load(str(path))
    path.write_text(STACK.replace("k2: *k", "k3: *k"))
    stack = Stack.load(str(path))
    assert "key_pair.k3" in stack and "key_pair.k2" not in stack


def test_two_texts_under_one_name_each_get_their_own_data(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An entry's name is a checksum: should two texts share one, neither may be given the other's data.
    monkeypatch.setattr(cache, "_name", lambda made_from: "same")
    path = _file(tmp_path, STACK)
    assert "key_pair.k2" in Stack.load(str(path))
    path.write_text(STACK.replace("k2: *k", "k3: *k"))
    stack = Stack.load(str(path))
    assert "key_pair.k3" in stack and "key_pair.k2" not in stack
    assert [p.name for p in folder.iterdir()] == ["same"]
    assert "key_pair.k3" in Stack.load(str(path))  # the entry now holds the second text's data


def test_errors_are_found_again_every_time_and_not_kept(tmp_path: Path, folder: Path) -> None:
    path = _file(tmp_path, "resources:\n  network:\n    lan: {cidr: 10.0.0.0/24\noutputs: {}\n")
    for _ in range(2):
        with pytest.raises(ValidationError, match=r"stack.yaml:4: not valid YAML/JSON"):
            Stack.load(str(path))
    assert not folder.exists() or not list(folder.iterdir())


def test_the_bounds_are_part_of_the_key(tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _file(tmp_path, STACK)
    Stack.load(str(path))
    monkeypatch.setattr(yamlfile, "MAX_DEPTH", 3)
    with pytest.raises(ValidationError, match="nested deeper than 3 levels"):
        Stack.load(str(path))


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAAS_CACHE_DIR", "off")
    assert cache.folder() is None
    Stack.load(str(_file(tmp_path, STACK)))
    assert not (tmp_path / "cache").exists()


def test_values_marshal_cannot_keep_are_parsed_every_time(tmp_path: Path, folder: Path) -> None:
    data = yamlfile.parse("when: 2026-12-07\n", "x")
    assert str(data["when"]) == "2026-12-07"
    assert not folder.exists() or not list(folder.iterdir())


def test_the_folder_keeps_the_newest_entries(tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    for i in range(4):
        yamlfile.parse(f"a: {i}\n", "x")
    assert len(list(folder.iterdir())) == 2
    assert yamlfile.parse("a: 3\n", "x") == {"a": 3}


def test_the_default_folder_is_the_users_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("IAAS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.folder() == str(tmp_path / "iaas" / "yaml")
