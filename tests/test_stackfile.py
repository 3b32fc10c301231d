"""Stack files: YAML and JSON, with errors that name the file and line (iaas.stackfile)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iaas.errors import FieldError, ValidationError
from iaas.model import Reference
from iaas.model.values import validate
from iaas.stack import Lifecycle, Stack
from iaas.stackfile import stack_from_data
from tests.model._util import PUBLIC_KEY

EXAMPLE = f"""\
stack: demo
resources:
  key_pair:
    admin:
      public_key: {PUBLIC_KEY}
  network:
    web:
      cidr: 10.10.0.0/24
  instance:
    vm1:
      image: ${{image.debian}}
      flavor: m1.tiny
      key_pair: ${{key_pair.admin}}
      nics:
        - network: ${{network.web}}
      depends_on: [network.web]
      lifecycle: {{prevent_destroy: true, ignore_changes: [user_data]}}
outputs:
  ip: ${{instance.vm1.ip_address}}
  owner: ops
"""


def _load(tmp_path: Path, text: str, name: str = "stack.yaml") -> Stack:
    path = tmp_path / name
    path.write_text(text)
    return Stack.load(str(path))


def _errors(tmp_path: Path, text: str, name: str = "stack.yaml") -> list[FieldError]:
    with pytest.raises(ValidationError) as info:
        _load(tmp_path, text, name)
    return info.value.errors


def _the_error(tmp_path: Path, text: str) -> FieldError:
    [error] = _errors(tmp_path, text)
    return error


def _check_example(stack: Stack, origin: str, lines: dict[str, int]) -> None:
    assert stack.name == "demo"
    assert [d.address for d in stack] == ["key_pair.admin", "network.web", "instance.vm1"]
    vm = stack["instance.vm1"]
    assert vm.inputs == {
        "name": "vm1",
        "image": Reference("image", "debian"),
        "flavor": "m1.tiny",
        "key_pair": Reference("key_pair", "admin"),
        "nics": [{"network": Reference("network", "web")}],
    }
    assert vm.depends_on == ["network.web"]
    assert vm.lifecycle == Lifecycle(prevent_destroy=True, ignore_changes=("user_data",))
    assert stack.outputs == {"ip": Reference("instance", "vm1", "ip_address"), "owner": "ops"}
    for address, line in lines.items():
        assert stack[address].source == f"{origin}:{line}"
    for decl in stack:
        assert validate(decl.cls, decl.inputs, decl.address, decl.source) == []


def test_a_yaml_stack_file(tmp_path: Path) -> None:
    stack = _load(tmp_path, EXAMPLE)
    _check_example(stack, f"{tmp_path}/stack.yaml", {"key_pair.admin": 4, "network.web": 7, "instance.vm1": 10})


def test_the_same_stack_in_json(tmp_path: Path) -> None:
    body = {
        "stack": "demo",
        "resources": {
            "key_pair": {"admin": {"public_key": PUBLIC_KEY}},
            "network": {"web": {"cidr": "10.10.0.0/24"}},
            "instance": {
                "vm1": {
                    "image": "${image.debian}",
                    "flavor": "m1.tiny",
                    "key_pair": "${key_pair.admin}",
                    "nics": [{"network": "${network.web}"}],
                    "depends_on": ["network.web"],
                    "lifecycle": {"prevent_destroy": True, "ignore_changes": ["user_data"]},
                }
            },
        },
        "outputs": {"ip": "${instance.vm1.ip_address}", "owner": "ops"},
    }
    text = json.dumps(body, indent=2)
    lines = text.splitlines()
    stack = _load(tmp_path, text, "stack.json")
    _check_example(
        stack,
        f"{tmp_path}/stack.json",
        {
            address: lines.index(f'      "{address.split(".")[1]}": {{') + 1
            for address in ("key_pair.admin", "network.web", "instance.vm1")
        },
    )
    yaml_stack = _load(tmp_path, EXAMPLE)
    assert [(d.address, d.inputs, d.depends_on, d.lifecycle) for d in stack] == [
        (d.address, d.inputs, d.depends_on, d.lifecycle) for d in yaml_stack
    ]


def test_field_errors_found_later_carry_the_file_and_line(tmp_path: Path) -> None:
    stack = _load(tmp_path, "resources:\n  network:\n    web:\n      cidr: 10.0.0.1/24\n      colour: blue\n")
    decl = stack["network.web"]
    messages = [str(e) for e in validate(decl.cls, decl.inputs, decl.address, decl.source)]
    assert messages == [
        f"{tmp_path}/stack.yaml:3: network.web.colour: unknown field (known fields: name, cidr, mode, dhcp, "
        "dhcp_start, dhcp_end, domain, dns_hosts, mtu, ipv6_cidr, project, host, interface, bridge)",
        f"{tmp_path}/stack.yaml:3: network.web.cidr: invalid IPv4 CIDR '10.0.0.1/24': 10.0.0.1/24 has host bits set",
    ]


def test_the_stack_name(tmp_path: Path) -> None:
    assert _load(tmp_path, "resources: {}\n", "prod.yaml").name == "prod"
    assert _load(tmp_path, "stack: named\n", "prod.yaml").name == "named"
    path = tmp_path / "prod.yaml"
    assert Stack.load(str(path), "given").name == "given"


def test_an_empty_file_is_an_empty_stack(tmp_path: Path) -> None:
    stack = _load(tmp_path, "")
    assert (stack.name, len(stack), stack.outputs) == ("stack", 0, {})
    assert len(_load(tmp_path, "resources:\noutputs:\n")) == 0


# ---------------------------------------------------------------- errors


def test_an_unknown_top_level_key_reads_file_line_message(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        _load(tmp_path, "resources: {}\nresource: {}\n")
    assert str(info.value) == (
        f"{tmp_path}/stack.yaml:2: unknown top-level key 'resource' (known: stack, resources, outputs)"
    )


def test_a_resource_declared_twice_is_refused_at_its_second_line(tmp_path: Path) -> None:
    text = "resources:\n  network:\n    web:\n      cidr: 10.0.0.0/24\n    web:\n      cidr: 10.0.1.0/24\n"
    with pytest.raises(ValidationError) as info:
        _load(tmp_path, text)
    [error] = info.value.errors
    assert error.source == f"{tmp_path}/stack.yaml:5"
    assert error.message == "not valid YAML/JSON: duplicate key 'web' (first at line 3)"


def test_a_kind_declared_twice_is_refused(tmp_path: Path) -> None:
    text = "resources:\n  volume:\n    a: {size_gib: 1}\n  network: {}\n  volume:\n    b: {size_gib: 1}\n"
    error = _the_error(tmp_path, text)
    assert (error.source, error.message) == (
        f"{tmp_path}/stack.yaml:5",
        "not valid YAML/JSON: duplicate key 'volume' (first at line 2)",
    )


def test_a_duplicate_in_json_is_refused(tmp_path: Path) -> None:
    text = '{"resources": {"volume": {\n  "a": {"size_gib": 1},\n  "a": {"size_gib": 2}}}}\n'
    [error] = _errors(tmp_path, text, "stack.json")
    assert (error.source, error.message) == (
        f"{tmp_path}/stack.json:3",
        "not valid YAML/JSON: duplicate key 'a' (first at line 2)",
    )


def test_syntax_errors_carry_the_line(tmp_path: Path) -> None:
    error = _the_error(tmp_path, "resources:\n  volume:\n    a: [1, 2\n")
    assert error.source is not None and error.source.startswith(f"{tmp_path}/stack.yaml:")
    assert error.message.startswith("not valid YAML/JSON: while parsing a flow sequence")
    error = _the_error(tmp_path, "resources:\n  volume:\n    a: b: c\n")
    assert (error.source, error.message) == (
        f"{tmp_path}/stack.yaml:3",
        "not valid YAML/JSON: mapping values are not allowed here",
    )


def test_an_unknown_kind(tmp_path: Path) -> None:
    error = _the_error(tmp_path, "resources:\n  network: {}\n  frob:\n    x: {}\n")
    assert str(error).startswith(f"{tmp_path}/stack.yaml:4: frob.x: unknown kind 'frob' (known kinds: project, ")


@pytest.mark.parametrize(
    ("lifecycle", "field", "message"),
    [
        ("[prevent_destroy]", "lifecycle", "expected a mapping"),
        ("{prevent_destroy: yes please}", "lifecycle.prevent_destroy", "expected true or false"),
        ("{create_before_destroy: 1}", "lifecycle.create_before_destroy", "expected true or false"),
        ("{ignore_changes: size_gib}", "lifecycle.ignore_changes", "expected a list of field names or 'all'"),
        ("{ignore_changes: [1]}", "lifecycle.ignore_changes", "expected a list of field names or 'all'"),
        (
            "{keep: true}",
            "lifecycle.keep",
            "unknown lifecycle option (known: create_before_destroy, ignore_changes, prevent_destroy)",
        ),
    ],
)
def test_bad_lifecycle_options(tmp_path: Path, lifecycle: str, field: str, message: str) -> None:
    error = _the_error(tmp_path, f"resources:\n  volume:\n    a:\n      size_gib: 1\n      lifecycle: {lifecycle}\n")
    assert (error.address, error.field, error.message, error.source) == (
        "volume.a",
        field,
        message,
        f"{tmp_path}/stack.yaml:3",
    )


def test_good_lifecycle_options(tmp_path: Path) -> None:
    stack = _load(
        tmp_path,
        "resources:\n  volume:\n    a:\n      size_gib: 1\n      lifecycle:\n"
        "        create_before_destroy: true\n        ignore_changes: all\n",
    )
    assert stack["volume.a"].lifecycle == Lifecycle(create_before_destroy=True, ignore_changes="all")


@pytest.mark.parametrize("deps", ["network.web", "{network: web}", "[1, 2]", "true"])
def test_depends_on_is_a_list_of_addresses(tmp_path: Path, deps: str) -> None:
    error = _the_error(tmp_path, f"resources:\n  volume:\n    a:\n      size_gib: 1\n      depends_on: {deps}\n")
    assert (error.address, error.field, error.message) == ("volume.a", "depends_on", "expected a list of addresses")
    assert str(error).startswith(f"{tmp_path}/stack.yaml:3: volume.a.depends_on: ")


def test_depends_on_takes_addresses_and_references(tmp_path: Path) -> None:
    stack = _load(
        tmp_path,
        "resources:\n  volume:\n    a:\n      size_gib: 1\n      depends_on: [network.web, '${image.debian}']\n",
    )
    assert stack["volume.a"].depends_on == ["network.web", "image.debian"]


def test_the_name_is_the_key(tmp_path: Path) -> None:
    assert _load(tmp_path, "resources:\n  volume:\n    a: {name: a, size_gib: 1}\n")["volume.a"].inputs["name"] == "a"
    error = _the_error(tmp_path, "resources:\n  volume:\n    a: {name: b, size_gib: 1}\n")
    assert (error.address, error.field) == ("volume.a", "name")
    assert error.message == "the name is the key of the resource; do not set it again"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- resources\n", "a stack file is a mapping with 'resources'"),
        ("resources: [network]\n", "'resources' must map kinds to resources"),
    ],
)
def test_the_shape_of_the_file(tmp_path: Path, text: str, fragment: str) -> None:
    error = _the_error(tmp_path, text)
    assert str(error).startswith(f"{tmp_path}/stack.yaml: ")
    assert fragment in error.message


def test_the_shape_of_kinds_and_resources(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "resources:\n  volume: [a]\n  network:\n    web: 10.0.0.0/24\n    db: [1]\n")
    assert [(e.address, e.message, e.source) for e in errors] == [
        ("volume", "expected a mapping of resource names to fields", f"{tmp_path}/stack.yaml:2"),
        ("network.web", "expected a mapping of fields", f"{tmp_path}/stack.yaml:4"),
        ("network.db", "expected a mapping of fields", f"{tmp_path}/stack.yaml:5"),
    ]


def test_outputs_are_a_mapping(tmp_path: Path) -> None:
    error = _the_error(tmp_path, "outputs: [a]\n")
    assert (error.address, error.message) == ("outputs", "expected a mapping of output names to values")


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    text = (
        "resources:\n  volume:\n    a: {size_gib: 1, depends_on: x}\n    b: {size_gib: 1, lifecycle: {x: 1}}\n"
        "  frob:\n    c: {}\n"
    )
    errors = _errors(tmp_path, text)
    assert [(e.address, e.source) for e in errors] == [
        ("volume.a", f"{tmp_path}/stack.yaml:3"),
        ("volume.b", f"{tmp_path}/stack.yaml:4"),
        ("frob.c", f"{tmp_path}/stack.yaml:6"),
    ]
    with pytest.raises(ValidationError, match=r"^3 problems:"):
        _load(tmp_path, text)


def test_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"missing.yaml: cannot read stack file: No such file or directory"):
        Stack.load(str(tmp_path / "missing.yaml"))


def test_relative_image_paths_are_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    text = (
        "resources:\n  image:\n    rel: {source: images/d.qcow2}\n    abs: {source: /srv/d.qcow2}\n"
        "    url: {source: 'https://example.com/d.qcow2'}\n    file: {source: 'file:///srv/d.qcow2'}\n"
        "    ref: {source: '${image.rel.source}'}\n"
    )
    stack = _load(tmp_path / "sub", text)
    sources = {d.name: d.inputs["source"] for d in stack}
    assert sources == {
        "rel": "images/d.qcow2",  # resolved against the file's folder only where the file is read
        "abs": "/srv/d.qcow2",
        "url": "https://example.com/d.qcow2",
        "file": "file:///srv/d.qcow2",
        "ref": Reference("image", "rel", "source"),
    }
    assert stack.base == str(tmp_path / "sub")


def test_stack_from_data_names_its_origin() -> None:
    stack = stack_from_data({"resources": {"volume": {"a": {"size_gib": 1}}}}, None, "adapter")
    assert stack.name == "default"
    assert stack["volume.a"].source == "adapter"
    with pytest.raises(ValidationError, match="^adapter: a stack file is a mapping"):
        stack_from_data([1], None, "adapter")


def test_errors_point_at_the_line_of_their_field(tmp_path: Path) -> None:
    from iaas.engine.validate import validate_stack

    text = (
        "resources:\n"
        "  network:\n"
        "    lan:\n"
        "      cidr: 10.0.0.0/24\n"
        "  instance:\n"
        "    vm:\n"
        "      image: some-image\n"
        "      flavor: m1.small\n"
        "      nics:\n"
        "        - network: ${network.lan}\n"
        "          fixed_ip: 10.0.1.5\n"
        "        - network: ${network.lan}\n"
        "          security_groups: [7]\n"
        "      depends_on: [volume.nope]\n"
    )
    stack = _load(tmp_path, text)
    assert stack["instance.vm"].source_of("nics[1].security_groups[0]") == f"{tmp_path}/stack.yaml:13"
    assert stack["instance.vm"].source_of("nics[1]") == f"{tmp_path}/stack.yaml:9"  # an item: its list's line
    with pytest.raises(ValidationError) as caught:
        validate_stack(stack)
    where = {e.field: e.source for e in caught.value.errors}
    assert where == {
        "nics[1].security_groups[0]": f"{tmp_path}/stack.yaml:13",
        "nics[0].fixed_ip": f"{tmp_path}/stack.yaml:11",
        "depends_on[0]": f"{tmp_path}/stack.yaml:14",
    }
