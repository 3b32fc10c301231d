"""The stack-file reference is generated from the model and never drifts from it (iaas.docgen)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import attrs
import pytest
import yaml

from iaas import docgen
from iaas.engine.validate import validate_stack
from iaas.model import KINDS, Nic, Quota, Resource, Rule, field, object_schema
from iaas.model.values import validate
from iaas.stack import Lifecycle
from iaas.stackfile import _OPTIONS, stack_from_data

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "reference" / "stack-file.md"


def _yaml_blocks(text: str) -> list[object]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def test_the_committed_reference_is_up_to_date(tmp_path: Path) -> None:
    written = docgen.write_reference(tmp_path / "out")
    assert written == tmp_path / "out" / "stack-file.md"
    assert written.read_text() == COMMITTED.read_text(), "run: python -m iaas.docgen"


def test_the_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "iaas.docgen", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == str(tmp_path / "stack-file.md")
    assert (tmp_path / "stack-file.md").read_text() == docgen.render_stack_file_reference()
    assert docgen.main(["-h"]) == 2
    assert docgen.main(["a", "b"]) == 2


def test_the_default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert docgen.main([]) == 0
    assert (tmp_path / "docs" / "reference" / "stack-file.md").is_file()


def test_every_kind_nested_type_and_field_is_documented() -> None:
    text = docgen.render_stack_file_reference()
    headings = re.findall(r"^### (\S+)$", text, re.M)
    assert headings == [*KINDS, "Quota", "Rule", "Nic"]
    for title in headings:
        cls = KINDS.get(title) or {"Quota": Quota, "Rule": Rule, "Nic": Nic}[title]
        section = re.split(r"\n##+ ", text.split(f"### {title}\n", 1)[1], maxsplit=1)[0]
        rows = re.findall(r"^\| `(\w+)` \|", section, re.M)
        assert rows == [f.name for f in object_schema(cls).fields]


def test_table_cells_follow_the_declarations() -> None:
    text = docgen.render_stack_file_reference()
    assert (
        "| `size_gib` | integer | required |  | in place (live) |  |  | 1 to 65536 | Size in GiB. Growing is "
        "done in place; shrinking is refused. |"
    ) in text
    assert "| `user_data` | string | optional |  | replacement | yes |  |" in text
    assert "| `dhcp` | boolean | optional | `true` | in place (restart) |" in text
    assert "| `nics` | list of [Nic](#nic) | optional | `[]` | in place (live) |" in text
    assert "| `quota` | [Quota](#quota) | optional | see [Quota](#quota) |" in text
    assert "| `ip_address` | string | computed |  |  |" in text
    assert "| `image` | string | required |  | replacement |  | [image](#image) |" in text
    assert '`"affinity"`, `"anti-affinity"`, `"soft-affinity"`, `"soft-anti-affinity"`' in text
    assert "| `vcpus` | integer | optional | at least -1 |" not in text  # Quota.vcpus has a default
    assert "| `vcpus` | integer | optional | `20` | in place (live) |  |  | at least -1 |" in text


def test_every_example_is_valid_and_they_make_a_valid_stack() -> None:
    text = docgen.render_stack_file_reference()
    resources: dict[str, dict[str, object]] = {}
    for block in _yaml_blocks(text):
        assert isinstance(block, dict)
        for kind, items in block.get("resources", {}).items():
            for name, body in items.items():
                assert body == docgen.example_inputs(KINDS[kind]) or "lifecycle" in body
                if "lifecycle" not in body:
                    resources.setdefault(kind, {})[name] = body
    assert list(resources) == list(KINDS)
    for kind, cls in KINDS.items():
        stack = stack_from_data({"resources": {kind: resources[kind]}}, None, "doc")
        decl = stack[f"{kind}.example"]
        assert validate(cls, decl.inputs) == []
    validate_stack(
        stack_from_data({"resources": resources, "outputs": {"ip": "${instance.example.ip_address}"}}, None, "doc")
    )


def test_the_lifecycle_example_loads() -> None:
    text = docgen.render_stack_file_reference()
    [block] = [b for b in _yaml_blocks(text) if isinstance(b, dict) and "lifecycle" in str(b)]
    assert isinstance(block, dict)
    decl = stack_from_data(block, None, "doc")["instance.example"]
    assert decl.lifecycle == Lifecycle(prevent_destroy=True, ignore_changes=("user_data",))
    assert decl.depends_on == ["network.example"]


def test_every_stack_file_option_and_lifecycle_option_is_documented() -> None:
    text = docgen.render_stack_file_reference()
    for option in _OPTIONS:
        assert f"`{option}`" in text
    for a in attrs.fields(Lifecycle):
        assert f"| `lifecycle.{a.name}` |" in text


def test_an_undocumented_lifecycle_option_stops_the_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(docgen._LIFECYCLE_DOCS, "prevent_destroy")
    with pytest.raises(RuntimeError, match="prevent_destroy"):
        docgen.render_stack_file_reference()


@attrs.define(kw_only=True)
class _Gauge(Resource):
    """A made-up kind, to see that the reference follows the model."""

    kind: ClassVar[str] = "gauge"
    description_doc: ClassVar[str] = "Measures things."

    level: int = field("How full it is.", required=True, minimum=0, maximum=100, update="offline")
    owner: str | None = field("Who reads it.", ref="project", update="replace")
    token: str | None = field("Access token.", secret=True)
    reading: int | None = field("Last reading.", computed=True)


def test_a_new_kind_or_field_appears_without_editing_the_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KINDS, "gauge", _Gauge)
    text = docgen.render_stack_file_reference()
    assert "### gauge\n\nMeasures things.\n" in text
    assert "      level: 80\n" in text
    assert "| `level` | integer | required |  | in place (restart) |  |  | 0 to 100 | How full it is. |" in text
    assert "| `owner` | string | optional |  | replacement |  | [project](#project) |  | Who reads it. |" in text
    assert "| `token` | string | optional |  | in place (live) | yes |" in text
    assert "| `reading` | integer | computed |" in text
    assert "| `gauge.owner` | [project](#project) |" in text


def test_the_limits_are_those_the_code_enforces(monkeypatch: pytest.MonkeyPatch) -> None:
    from iaas import yamlfile

    text = docgen.render_stack_file_reference()
    limits = text[text.index("## Limits") :]
    assert f"| Nesting of mappings and lists | {yamlfile.MAX_DEPTH} levels |" in limits
    assert f"| {yamlfile.MAX_ALIAS_NODES} |" in limits and "4 MiB (4194304 bytes)" in limits
    assert "| `instance.user_data` | At most 64 KiB" in limits
    for cls in KINDS.values():
        assert f"[{cls.kind}](#{cls.kind})" in limits
    monkeypatch.setattr(yamlfile, "MAX_DEPTH", 7)
    assert "| Nesting of mappings and lists | 7 levels |" in docgen.render_stack_file_reference()
