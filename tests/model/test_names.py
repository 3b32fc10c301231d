"""Every kind's name has one rule, declared in the model and checked by validate (iaas.model.checks)."""

from __future__ import annotations

import pytest

from iaas.model import KINDS, Instance, Network, Snapshot, object_schema
from iaas.model.checks import NAME_MAX, free_name, stack_name

from ._util import SAMPLES, problems

HOSTILE = [
    "",
    "../../etc",
    "a/b",
    "..",
    "\x1b[31mred",
    "bell\x07",
    "line\nbreak",
    "right\u202eleft",
    " padded",
    "x" * (NAME_MAX + 1),
]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_for_every_kind(kind: str, name: str) -> None:
    got = problems(KINDS[kind], {**SAMPLES[kind], "name": name})
    assert list(got) == ["name"], got
    assert got["name"].startswith(f"invalid name {name!r}: ")


@pytest.mark.parametrize("kind", [k for k, cls in KINDS.items() if cls not in (Network, Instance, Snapshot)])
@pytest.mark.parametrize("name", ["data", "Data Disk 2", "été", "a.b-c_d", "x" * NAME_MAX])
def test_names_on_the_cloud_only_are_free_text(kind: str, name: str) -> None:
    assert problems(KINDS[kind], {**SAMPLES[kind], "name": name}) == {}


@pytest.mark.parametrize("cls", [Network, Instance, Snapshot])
@pytest.mark.parametrize("name", ["Data Disk", "été", "-x", "x" * 64])
def test_names_on_the_hosts_are_strict(cls: type[Network | Instance | Snapshot], name: str) -> None:
    got = problems(cls, {**SAMPLES[cls.kind], "name": name})
    assert got == {
        "name": f"invalid name {name!r}: use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit"
    }


def test_the_rule_is_in_the_schema_of_each_kind() -> None:
    for cls in KINDS.values():
        field = object_schema(cls).field("name")
        assert field is not None and field.spec.check is cls.name_check


def test_stack_names_follow_the_free_rule() -> None:
    assert stack_name("web prod") is None
    assert stack_name("a/b") == free_name("a/b") == "invalid name 'a/b': '/' and '..' are not allowed"
