"""Every kind through the provider over gRPC: Check, Create (preview and real), Read, Diff, Update, Delete, import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iaas import resources
from iaas.model import KINDS
from iaas_pulumi.names import camel, is_auto_name, snake
from tests.pulumi.harness import UNKNOWN, Plugin, is_secret, reveal
from tests.pulumi.scenarios import DEPENDENCY_OVERRIDES, SCENARIOS


class World:
    """Objects other kinds depend on, created once through the plugin."""

    def __init__(self, plugin: Plugin, image_file: Path):
        self.plugin = plugin
        self.image_file = image_file
        self.ids: dict[str, str] = {}

    def resolve(self, value: Any) -> Any:
        """Replace ``$kind`` placeholders by the id of a dependency of that kind."""
        if isinstance(value, str) and value.startswith("$"):
            return str(self.image_file) if value == "$image_file" else self.ensure(value[1:])
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def ensure(self, kind: str) -> str:
        """The id of the dependency object of a kind, created on first use."""
        if kind not in self.ids:
            inputs = self.resolve({**SCENARIOS[kind].inputs, **DEPENDENCY_OVERRIDES.get(kind, {})})
            checked, failures = self.plugin.check(kind, f"dep-{kind}", inputs)
            assert not failures
            self.ids[kind], _ = self.plugin.create(kind, f"dep-{kind}", checked)
        return self.ids[kind]


@pytest.fixture(scope="module")
def world(plugin: Plugin, image_file: Path) -> World:
    return World(plugin, image_file)


def model_inputs(props: dict[str, Any]) -> dict[str, Any]:
    """Wire properties as the core's field names and values (numbers the core calls integers as ints)."""

    def plain(value: Any) -> Any:
        value = reveal(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {snake(k): plain(v) for k, v in value.items()}
        return value

    return {snake(k): plain(v) for k, v in props.items()}


def pruned(value: Any) -> Any:
    """A value without its unset (None) members."""
    if isinstance(value, dict):
        return {k: pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def core_inputs(kind: str, props: dict[str, Any]) -> dict[str, Any]:
    fields = {f.name for f in resources.schema(kind).inputs}
    return {k: v for k, v in model_inputs(props).items() if k in fields}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_through_the_whole_lifecycle(plugin: Plugin, world: World, kind: str) -> None:
    scenario, name = SCENARIOS[kind], f"t-{kind}"
    news = world.resolve(scenario.inputs)
    checked, failures = plugin.check(kind, name, news)
    assert failures == []
    assert is_auto_name(checked["name"], name)  # the name defaults to the Pulumi resource name and a suffix
    core = resources.check(kind, core_inputs(kind, news) | {"name": checked["name"]}).inputs
    assert core_inputs(kind, checked) == pruned(core)  # the core's defaults, unset values left out

    _, preview = plugin.create(kind, name, checked, preview=True)
    for f in resources.schema(kind).outputs:
        if f.name != "id" and checked.get(camel(f.name)) is None:
            assert preview[camel(f.name)] in (UNKNOWN, "default"), f.name  # unknown, or the host chosen now

    id, props = plugin.create(kind, name, checked)
    assert id and all(v != UNKNOWN for v in props.values())
    for key, value in checked.items():
        assert reveal(props[key]) == reveal(value)
        assert is_secret(props[key]) == (key == "userData")

    found_id, refreshed, inputs = plugin.read(kind, name, id, props, checked)
    assert found_id == id and model_inputs(refreshed) == model_inputs(props)

    assert plugin.diff(kind, name, id, props, checked).changes == 1  # DIFF_NONE

    replacing, failures = plugin.check(kind, name, {**news, **world.resolve(scenario.replace)}, checked)
    assert failures == []
    d = plugin.diff(kind, name, id, props, replacing)
    expected = resources.diff(kind, core_inputs(kind, checked), core_inputs(kind, replacing))
    assert expected.action == "replace"
    assert sorted(d.replaces) == sorted(camel(f) for f in expected.replace_fields)
    assert d.deleteBeforeReplace == (replacing["name"] == "renamed")  # an auto-named replacement is made first

    if scenario.update is not None:
        changed, failures = plugin.check(kind, name, {**news, **world.resolve(scenario.update)}, checked)
        assert failures == []
        d = plugin.diff(kind, name, id, props, changed)
        expected = resources.diff(kind, core_inputs(kind, checked), core_inputs(kind, changed))
        assert expected.action == "update" and list(d.replaces) == []
        assert sorted(d.diffs) == sorted(camel(c.field) for c in expected.changes)
        preview_props = plugin.update(kind, name, id, props, changed, preview=True)
        assert model_inputs(preview_props)["name"] == checked["name"] == changed["name"]  # kept across updates
        props = plugin.update(kind, name, id, props, changed)
        assert all(props[key] == changed[key] for key in scenario.update)
        _, refreshed, _ = plugin.read(kind, name, id, props, changed)
        assert all(refreshed[key] == changed[key] for key in scenario.update)

    imported_id, imported, imported_inputs = plugin.read(kind, name, id)  # pulumi import NAME ID
    assert imported_id == id and imported_inputs["name"] == checked["name"]
    assert all(imported[k] == props[k] for k in imported if k not in ("userData", "unread"))  # unread: not read back

    plugin.delete(kind, name, id, props)
    assert plugin.read(kind, name, id, props, checked)[0] == ""  # gone: refresh drops it
    plugin.delete(kind, name, id, props)  # deleting again is fine
