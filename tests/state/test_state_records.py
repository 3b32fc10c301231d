"""Records and the portable JSON document of a snapshot."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from iaas.errors import StateError
from iaas.state import (
    ApplyRecord,
    ResourceRecord,
    Snapshot,
    export_json,
    import_json,
)
from iaas.state.holders import describe_time

from .conftest import make_record


def _snapshot() -> Snapshot:
    records = [
        make_record("network.web", dependencies=["project.p"], extra={"lifecycle": {"prevent_destroy": True}}),
        make_record("instance.vm", id=None, status="creating", outputs={}, updated_at=12.5),
        make_record("project.p", inputs={"quota": {"cores": 8}}),
    ]
    return Snapshot(
        stack="web",
        lineage="0" * 32,
        serial=9,
        resources={r.address: r for r in records},
        outputs={"ip": "10.0.0.7", "ports": [22, 80]},
    )


def test_records_refuse_unknown_statuses_and_empty_addresses() -> None:
    with pytest.raises(ValueError, match="status"):
        ResourceRecord(address="network.a", kind="network", status="gone")
    with pytest.raises(ValueError, match="address"):
        ResourceRecord(address="", kind="network")
    with pytest.raises(ValueError, match="status"):
        ApplyRecord(id=1, stack="s", operation="apply", owner="me", started_at=0.0, status="paused")


def test_records_have_empty_defaults_that_are_not_shared() -> None:
    first = ResourceRecord(address="network.a", kind="network")
    second = ResourceRecord(address="network.b", kind="network")
    first.inputs["x"] = 1
    assert second.inputs == {}
    assert (first.id, first.status, first.dependencies) == (None, "ready", [])


def test_export_is_json_with_resources_sorted_by_address() -> None:
    document = export_json(_snapshot())
    assert document["format"] == "iaas-state"
    assert document["version"] == 1
    assert [r["address"] for r in document["resources"]] == ["instance.vm", "network.web", "project.p"]
    assert json.loads(json.dumps(document)) == document


def test_export_then_import_gives_the_same_snapshot() -> None:
    snapshot = _snapshot()
    assert import_json(json.loads(json.dumps(export_json(snapshot)))) == snapshot


def _document(**changes: Any) -> dict[str, Any]:
    document = export_json(_snapshot())
    document.update(changes)
    return document


def _with_resource(**changes: Any) -> dict[str, Any]:
    document = export_json(_snapshot())
    document["resources"][0].update(changes)
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"format": "terraform"}, "not an iaas state document"),
        (_document(version=99), "version 99, newer than this iaas reads"),
        (_document(version="1"), "'version' must be an integer"),
        (_document(version=0), "unknown version 0"),
        (_document(serial="9"), r"expected int, found str '9' @ document.serial"),
        (_document(resources={}), "'resources' must be a list"),
        (_document(outputs={"x": float("inf")}), "outputs cannot be stored as JSON"),
        (_document(surprise=1), r"extra fields found \(surprise\)"),
        (_with_resource(status="melted"), r"'status' must be in .* @ resources\[0\] \(instance.vm\)"),
        (_with_resource(dependencies=[1]), r"expected str, found int 1 @ resources\[0\] \(instance.vm\)"),
        (_with_resource(kind=None), r"expected str, found NoneType"),
        (_with_resource(address="network.web", kind="network"), "'network.web' appears twice"),
        (_with_resource(address="network.web"), r"address 'network.web' is not instance.NAME"),
        (_document(resources=[{"address": "a.b"}]), r"required field missing @ resources\[0\] \(a.b\).kind"),
    ],
)
def test_import_names_what_is_wrong(document: Any, message: str) -> None:
    with pytest.raises(StateError, match=message):
        import_json(document)


def test_times_are_described_in_utc() -> None:
    assert describe_time(0) == "1970-01-01 00:00:00 UTC"
    assert describe_time(time.time()).endswith(" UTC")
