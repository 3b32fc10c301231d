"""The package schema: valid against Pulumi's metaschema, complete, derived from the model, served by the plugin."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto

from iaas.model import KINDS, Nic, object_schema
from iaas_pulumi.generate import ROOT, SCHEMA_PATH, stale_files
from iaas_pulumi.names import camel, resource_token, type_token
from iaas_pulumi.schema import package_schema
from tests.pulumi.harness import Plugin

#: Where Pulumi's metaschema is looked for: $IAAS_PULUMI_METASCHEMA, else the shared folder beside the checkout.
METASCHEMA_PLACES = (ROOT.parent / "shared/pulumi/metaschema.json", Path("/work/shared/pulumi/metaschema.json"))


def metaschema_validator() -> jsonschema.Draft202012Validator:
    """Pulumi's metaschema; its ECMAScript named groups ``(?<name>`` are written the Python way."""
    places = [Path(os.environ["IAAS_PULUMI_METASCHEMA"])] if os.environ.get("IAAS_PULUMI_METASCHEMA") else []
    path = next((p for p in [*places, *METASCHEMA_PLACES] if p.is_file()), None)
    if path is None:
        pytest.skip("set IAAS_PULUMI_METASCHEMA to a copy of Pulumi's metaschema")
    return jsonschema.Draft202012Validator(json.loads(path.read_text().replace("(?<", "(?P<")))


def test_schema_validates_against_pulumis_metaschema() -> None:
    validator = metaschema_validator()
    assert [e.message for e in validator.iter_errors(package_schema())] == []
    broken = {**package_schema(), "resources": {"not a token": {}}}
    assert list(validator.iter_errors(broken))  # the validator does reject a bad schema


def test_every_kind_and_field_is_in_the_schema_with_its_facts() -> None:
    schema = package_schema()
    for kind, cls in KINDS.items():
        res = schema["resources"][resource_token(kind)]
        assert res["description"] == cls.description_doc
        for f in object_schema(cls).fields:
            if f.name == "id":
                assert "id" not in res["properties"]  # the object id is the Pulumi resource id
                continue
            prop = res["properties"][camel(f.name)]
            assert prop["description"].startswith(f.spec.description)
            assert prop.get("secret", False) == f.spec.secret
            if f.input:
                inp = res["inputProperties"][camel(f.name)]
                assert inp.get("willReplaceOnChanges", False) == (f.spec.update == "replace")
                assert (camel(f.name) in res["requiredInputs"]) == (f.required and f.name != "name")
            else:
                assert camel(f.name) not in res["inputProperties"]
        assert f"iaas:index:get{resource_token(kind).rsplit(':', 1)[1]}" in schema["functions"]
    nic = schema["types"][type_token(Nic)]
    assert set(nic["properties"]) == {"network", "fixedIp", "securityGroups"} and nic["required"] == ["network"]
    user_data = schema["resources"]["iaas:index:Instance"]["inputProperties"]["userData"]
    assert user_data["secret"] is True and user_data["willReplaceOnChanges"] is True


def test_config_names_the_environment_variables() -> None:
    variables: dict[str, Any] = package_schema()["config"]["variables"]
    assert variables["home"]["defaultInfo"]["environment"] == ["IAAS_HOME"]
    assert variables["cloud"]["defaultInfo"]["environment"] == ["IAAS_CLOUD"]
    assert "cloudConfig" in variables


def test_the_plugin_serves_the_committed_schema(plugin: Plugin) -> None:
    served = plugin.stub.GetSchema(proto.GetSchemaRequest(version=0)).schema
    assert json.loads(served) == package_schema()
    assert served == (ROOT / SCHEMA_PATH).read_text()
    info = plugin.stub.GetPluginInfo(empty_pb2.Empty())
    assert info.version == package_schema()["version"]


def test_regenerating_gives_the_committed_files() -> None:
    assert stale_files() == [], "run: python -m iaas_pulumi.generate"


def test_a_changed_file_is_reported(tmp_path: Path) -> None:
    from iaas_pulumi.generate import write

    assert len(write(tmp_path)) > 20  # schema, SDK modules, docs pages
    assert stale_files(tmp_path) == []
    (tmp_path / SCHEMA_PATH).write_text("{}")
    (tmp_path / "docs/pulumi/leftover.md").write_text("old page")
    assert set(stale_files(tmp_path)) == {SCHEMA_PATH, Path("docs/pulumi/leftover.md")}
