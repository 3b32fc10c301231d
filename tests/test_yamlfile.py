"""User-written YAML within bounds: size, nesting, alias expansion, encoding (iaas.yamlfile, iaas.stackfile)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml.scanner

from iaas import yamlfile
from iaas.cloud.cloud import CloudConfig
from iaas.engine.validate import validate_stack
from iaas.errors import ValidationError
from iaas.stack import Stack
from iaas.yamlfile import loader

LAUGHS = """\
resources: {}
outputs:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with libyaml's parser and with PyYAML's pure-Python one (a PyYAML built without libyaml).

    Nothing is kept by the cache of parsed texts, so that each parser reads every text.
    """
    monkeypatch.setenv("IAAS_CACHE_DIR", "off")
    if request.param == "pure-python":
        monkeypatch.setattr(loader, "CParser", None)
    elif loader.CParser is None:
        pytest.skip("PyYAML was built without libyaml")
    return str(request.param)


def _file(tmp_path: Path, text: str | bytes, name: str = "stack.yaml") -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def _refused(path: Path) -> str:
    with pytest.raises(ValidationError) as info:
        Stack.load(str(path), "t")
    return str(info.value)


def test_a_billion_laughs_is_refused_at_the_alias_that_passes_the_bound(tmp_path: Path) -> None:
    text = _refused(_file(tmp_path, LAUGHS))
    assert text.startswith(f"{tmp_path / 'stack.yaml'}:8: not valid YAML/JSON: aliases expand to more than 100000")


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    text = _refused(_file(tmp_path, "resources: {}\noutputs:\n  x: &a [1, *a]\n"))
    assert text == f"{tmp_path / 'stack.yaml'}:3: not valid YAML/JSON: alias *a refers to a node that contains it"


@pytest.mark.parametrize("depth", [yamlfile.MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_refused(tmp_path: Path, depth: int) -> None:
    text = _refused(_file(tmp_path, "resources: {}\noutputs:\n  x: " + "[" * depth + "]" * depth + "\n"))
    assert f"stack.yaml:3: not valid YAML/JSON: nested deeper than {yamlfile.MAX_DEPTH} levels" in text


def test_nesting_within_the_bound_is_read(tmp_path: Path) -> None:
    depth = yamlfile.MAX_DEPTH - 3  # the document, outputs and x are three levels
    stack = Stack.load(str(_file(tmp_path, "outputs:\n  x: " + "[" * depth + "]" * depth + "\n")), "t")
    assert stack.outputs["x"] == eval("[" * depth + "]" * depth)  # noqa: S307 - a literal of our own


def test_anchors_aliases_and_merge_keys_within_the_bound_work(tmp_path: Path) -> None:
    text = """\
resources:
  network:
    a: &net {cidr: 10.1.0.0/24, domain: &domain web.example, mtu: 1400}
    b:
      <<: *net
      cidr: 10.2.0.0/24
  volume:
    v: {size_gib: 1, host: *domain}
outputs:
  laughs: &l [lol, lol]
  more: [*l, *l]
"""
    stack = Stack.load(str(_file(tmp_path, text)), "t")
    validate_stack(stack)
    assert stack["network.b"].inputs == {"name": "b", "cidr": "10.2.0.0/24", "domain": "web.example", "mtu": 1400}
    assert stack["network.b"].source_of("mtu").endswith("stack.yaml:3")
    assert stack["volume.v"].inputs["host"] == "web.example"
    assert stack.outputs["more"] == [["lol", "lol"], ["lol", "lol"]]


def test_a_file_larger_than_the_bound_is_refused_before_parsing(tmp_path: Path) -> None:
    p = _file(tmp_path, b"# " + b"x" * yamlfile.MAX_BYTES + b"\n")
    assert _refused(p) == f"{p}: stack file is larger than 4 MiB"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"resources:\n  network:\n    caf\xe9: {cidr: 10.0.0.0/24}\n", 3),
        (b"\xff\xfe" + "a: b\n".encode("utf-16-le"), 1),
    ],
)
def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path, data: bytes, line: int) -> None:
    p = _file(tmp_path, data)
    assert _refused(p).startswith(f"{p}:{line}: not UTF-8 text: byte 0x")


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    stack = Stack.load(str(_file(tmp_path, "\ufeffoutputs: {x: 1}\n".encode())), "t")
    assert stack.outputs == {"x": 1}


@pytest.mark.parametrize("key", ["[a, b]", "{a: b}"])
def test_a_collection_as_a_key_is_refused(tmp_path: Path, key: str) -> None:
    text = _refused(_file(tmp_path, f"outputs:\n  ? {key}\n  : 1\n"))
    assert "stack.yaml:2: not valid YAML/JSON: a key must be a plain value, not a " in text


def test_a_mapping_where_a_list_belongs_is_called_a_mapping(tmp_path: Path) -> None:
    stack = Stack.load(
        str(_file(tmp_path, "resources:\n  security_group:\n    s:\n      rules: {port_min: 22}\n")), "t"
    )
    with pytest.raises(ValidationError) as info:
        validate_stack(stack)
    assert str(info.value).endswith("security_group.s.rules: expected a list, got a mapping")


def test_the_cloud_config_is_read_within_the_same_bounds(tmp_path: Path) -> None:
    p = _file(tmp_path, LAUGHS.replace("resources: {}", "hosts: []").replace("outputs:", "x:"), "cloud.yaml")
    with pytest.raises(ValidationError, match=r"cloud.yaml:8: not valid YAML/JSON: aliases expand to more than"):
        CloudConfig.load(p)
    bad = _file(tmp_path, b"hosts: []\nhome: \xff\n", "bad.yaml")
    with pytest.raises(ValidationError, match=r"bad.yaml:2: not UTF-8 text"):
        CloudConfig.load(bad)


def test_a_valid_file_is_tokenised_by_libyaml_with_its_lines(
    tmp_path: Path, parser: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if parser != "libyaml":
        pytest.skip("about the libyaml parser")

    def refuse(*args: object) -> None:
        raise AssertionError("the pure-Python scanner was used")

    monkeypatch.setattr(yaml.scanner.Scanner, "fetch_more_tokens", refuse)
    stack = Stack.load(str(_file(tmp_path, "resources:\n  network:\n    lan: {cidr: 10.0.0.0/24}\n")), "t")
    assert (stack["network.lan"].source or "").endswith("stack.yaml:3")
    text = _refused(_file(tmp_path, "outputs:\n  a: 1\n  a: 2\n"))
    assert text.startswith(f"{tmp_path / 'stack.yaml'}:3: not valid YAML/JSON: duplicate key 'a' (first at line 2)")


def test_a_syntax_error_names_its_line_with_either_parser(tmp_path: Path) -> None:
    text = _refused(_file(tmp_path, "resources:\n  network:\n    lan: {cidr: 10.0.0.0/24\noutputs: {}\n"))
    assert text.startswith(f"{tmp_path / 'stack.yaml'}:4: not valid YAML/JSON: while parsing a flow mapping"), text
