"""Bad input: every value the core rejects is a Check failure naming the property; nothing crashes the plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pulumi.runtime import proto

from iaas import resources
from iaas.model import KINDS
from iaas.model.schema import FieldSchema, ObjectSchema
from iaas_pulumi.names import camel, snake, wire_path
from tests.pulumi.harness import UNKNOWN, Plugin, reveal
from tests.pulumi.scenarios import SCENARIOS


def model_base(kind: str) -> dict[str, Any]:
    """Valid model inputs of a kind (references are plain ids; Check does not look them up)."""

    def fill(value: Any) -> Any:
        value = reveal(value)
        if isinstance(value, str) and value.startswith("$"):
            return "/srv/images/base.qcow2" if value == "$image_file" else f"{value[1:]}-id"
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    def snaked(value: Any) -> Any:
        if isinstance(value, dict):
            return {snake(k): snaked(v) for k, v in value.items()}
        if isinstance(value, list):
            return [snaked(v) for v in value]
        return value

    return {"name": f"bad-{kind}", **snaked(fill(SCENARIOS[kind].inputs))}


def wire(value: Any) -> Any:
    """Model values as a program sends them: camelCase keys."""
    if isinstance(value, dict):
        return {camel(k): wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def bad_values(f: FieldSchema) -> Iterator[Any]:
    """Values of a field that its declared facts refuse: wrong type, not a choice, out of bounds, failing checks."""
    yield {
        "string": 12,
        "integer": "twelve",
        "number": "twelve",
        "boolean": "yes",
        "list": "one",
        "map": "one",
        "object": "one",
    }[f.type.name]
    if f.type.name == "integer":
        yield 1.5
    if f.spec.choices:
        yield "not-a-choice"
    if f.spec.minimum is not None:
        yield f.spec.minimum - 1
    if f.spec.maximum is not None:
        yield f.spec.maximum + 1
    if f.spec.check is not None and f.type.name == "string":  # the first of these the check refuses
        candidates = ("nonsense value!", "../\x1b[2J", "x" * (1 << 17), "ftp://nonsense")
        yield next(v for v in candidates if f.spec.check(v))


def cases(kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(description, model inputs) with one bad value each, at the top level and inside nested objects."""
    base = model_base(kind)
    schema: ObjectSchema = resources.schema(kind)
    for f in schema.inputs:
        for bad in bad_values(f):
            yield f"{f.name}={bad!r}", {**base, f.name: bad}
        if f.nested is not None:
            item = {
                k: v
                for k, v in ((base.get(f.name) or [{}])[0] if f.type.name == "list" else base.get(f.name) or {}).items()
            }
            for g in f.nested.inputs:
                for bad in bad_values(g):
                    nested = {**item, g.name: bad}
                    yield f"{f.name}.{g.name}={bad!r}", {**base, f.name: [nested] if f.type.name == "list" else nested}


ALL_CASES = [(kind, label, inputs) for kind in KINDS for label, inputs in cases(kind)]


def test_the_cases_cover_every_kind_and_are_refused_by_the_core() -> None:
    refused = [(k, label) for k, label, inputs in ALL_CASES if resources.check(k, inputs).errors]
    assert {k for k, _ in refused} == set(KINDS)
    assert len(refused) == len(ALL_CASES) > 100


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_value_the_core_rejects_is_a_failure_naming_the_property(plugin: Plugin, kind: str) -> None:
    _, failures = plugin.check(kind, f"bad-{kind}", wire(model_base(kind)))
    assert failures == []
    checked_cases = 0
    for label, inputs in ((label, i) for k, label, i in ALL_CASES if k == kind):
        errors = resources.check(kind, inputs).errors
        if not errors:
            continue
        _, failures = plugin.check(kind, f"bad-{kind}", wire(inputs))
        assert {p for p, _ in failures} == {wire_path(kind, e.field) for e in errors}, label
        assert all(reason for _, reason in failures)
        checked_cases += 1
    assert checked_cases > 0


def test_rules_across_fields_name_their_property(plugin: Plugin) -> None:
    _, failures = plugin.check("network", "n", {"cidr": "10.0.0.0/24", "dhcpStart": "10.9.0.5"})
    assert [p for p, _ in failures] == ["dhcpStart"]
    _, failures = plugin.check("instance", "vm", {"image": "i"})
    assert [p for p, _ in failures] == ["flavor"]
    _, failures = plugin.check("security_group", "sg", {"rules": [{"remoteCidr": "10.0.0.0/8", "remoteGroup": "g"}]})
    assert [p for p, _ in failures] == ["rules[0].remoteGroup"]
    _, failures = plugin.check("instance", "vm", {"image": "i", "flavor": "m1.tiny", "nics": [{"fixedIp": "x"}]})
    assert sorted(p for p, _ in failures) == ["nics[0].fixedIp", "nics[0].network"]


def test_unknown_properties_are_failures_even_in_model_spelling(plugin: Plugin) -> None:
    _, failures = plugin.check(
        "instance",
        "vm",
        {
            "image": "i",
            "flavor": "m1.tiny",
            "colour": "blue",
            "memory_mib": 512,
            "nics": [{"network": "n", "speed": 10}],
        },
    )
    assert sorted(p for p, _ in failures) == ["colour", "memory_mib", "nics[0].speed"]
    assert all("unknown property" in r and "memoryMib" in r for p, r in failures if p != "nics[0].speed")


def test_a_change_the_core_refuses_is_a_failure(plugin: Plugin) -> None:
    olds, failures = plugin.check("volume", "v", {"sizeGib": 5})
    _, failures = plugin.check("volume", "v", {"sizeGib": 4}, olds)
    assert failures == [("sizeGib", "cannot shrink a volume from 5 GiB to 4 GiB")]


def test_unknown_values_pass_check_and_diff_as_the_core_decides(plugin: Plugin) -> None:
    inputs, failures = plugin.check(
        "instance", "vm", {"image": UNKNOWN, "flavor": "m1.tiny", "nics": [{"network": UNKNOWN}]}
    )
    assert failures == [] and inputs["image"] == UNKNOWN and inputs["nics"][0]["network"] == UNKNOWN
    assert inputs["memoryMib"] == 512  # filled from the flavor
    _, preview = plugin.create("instance", "vm", inputs, preview=True)
    assert preview["ipAddress"] == UNKNOWN and preview["host"] == "default" and preview["image"] == UNKNOWN
    olds, _ = plugin.check("instance", "vm", {"image": "img", "flavor": "m1.tiny", "maxMemoryMib": 2048})
    state = {**olds, "host": "default", "ipAddress": "10.0.0.2"}
    d = plugin.diff("instance", "vm", "id-1", state, {**olds, "image": UNKNOWN})
    assert list(d.replaces) == ["image"] and d.changes == proto.DiffResponse.DIFF_SOME
    d = plugin.diff("instance", "vm", "id-1", state, {**olds, "memoryMib": UNKNOWN})
    assert list(d.replaces) == [] and list(d.diffs) == ["memoryMib"]
    d = plugin.diff("instance", "vm", "id-1", state, {**olds, "memoryMib": 1024.0})
    assert list(d.diffs) == ["memoryMib"] and d.detailedDiff["memoryMib"].kind == proto.PropertyDiff.UPDATE
    d = plugin.diff("instance", "vm", "id-1", state, {**olds, "memoryMib": 1024.0}, ignore=["memoryMib"])
    assert d.changes == proto.DiffResponse.DIFF_NONE
    d = plugin.diff("instance", "vm", "id-1", state, {**olds, "host": "other"})  # set by hand: a migration
    assert list(d.replaces) == [] and list(d.diffs) == ["host"]
    assert d.detailedDiff["host"].kind == proto.PropertyDiff.UPDATE


def test_quota_and_capacity_fail_the_preview(plugin: Plugin, image_file: Path) -> None:
    image, _ = plugin.check("image", "img", {"name": "img", "source": str(image_file)})
    plugin.create("image", "img", image)  # the image the instances name: a reference to nothing fails first
    inputs, _ = plugin.check("project", "tight", {"quota": {"instances": 0}})
    project_id, _ = plugin.create("project", "tight", inputs)
    vm, _ = plugin.check("instance", "vm", {"image": "img", "flavor": "m1.tiny", "project": project_id})
    with pytest.raises(grpc.RpcError, match="instances"):
        plugin.create("instance", "vm", vm, preview=True)
    big, _ = plugin.check("instance", "big", {"image": "img", "vcpus": 256, "memoryMib": 4 * 1024 * 1024})
    with pytest.raises(grpc.RpcError, match="(?i)capacity|host") as caught:
        plugin.create("instance", "big", big, preview=True)
    details = caught.value.details()  # type: ignore[attr-defined]
    assert details.startswith("instance.big.") and 'File "' not in details  # the message alone, no traceback


JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=8),  # NaN: not JSON
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def garbage(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(list(KINDS)))
    names = [camel(f.name) for f in resources.schema(kind).fields]
    keys = draw(st.lists(st.sampled_from(names) | st.text(min_size=1, max_size=6), max_size=5))
    return kind, {k: draw(JSON | st.just(UNKNOWN)) for k in keys}


@example(case=("project", {"name": float("inf"), "quota": {"instances": float("-inf")}}))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=garbage())
def test_malformed_properties_never_crash_the_plugin(plugin: Plugin, case: tuple[str, dict[str, Any]]) -> None:
    kind, props = case
    inputs, failures = plugin.check(kind, "junk", props)  # Check always answers, with inputs or failures
    assert failures or inputs
    for call in (
        lambda: plugin.diff(kind, "junk", "id-x", props, props),
        lambda: plugin.create(kind, "junk", props, preview=True),
        lambda: plugin.update(kind, "junk", "id-x", props, props, preview=True),
        lambda: plugin.read(kind, "junk", "id-x", props, props),
    ):
        try:
            call()
        except grpc.RpcError as exc:  # an error answer is fine; a dead plugin is not
            assert exc.code() in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INVALID_ARGUMENT)
    assert plugin.proc.poll() is None


def test_an_unknown_resource_type_is_an_error_answer(plugin: Plugin) -> None:
    with pytest.raises(grpc.RpcError, match="unknown resource type"):
        plugin.stub.Check(proto.CheckRequest(urn="urn:pulumi:dev::p::iaas:index:Toaster::t"))
    assert plugin.proc.poll() is None
