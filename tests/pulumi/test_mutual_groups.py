"""Two security groups that allow each other, over gRPC: neither waits for the other, in either order."""

from __future__ import annotations

import pytest
from pulumi.runtime import proto

from tests.pulumi.harness import Plugin

DIFF_NONE = proto.DiffResponse.DIFF_NONE


def group(name: str, port: int, other: str) -> dict[str, object]:
    """A group that lets members of ``other`` (named, as a Pulumi program writes it) reach ``port``."""
    return {"name": name, "rules": [{"protocol": "tcp", "portMin": port, "remoteGroup": other}]}


@pytest.mark.parametrize("first", ["web", "db"])
def test_groups_that_allow_each_other_check_diff_and_create_in_either_order(plugin: Plugin, first: str) -> None:
    names = {"web": f"web-{first}", "db": f"db-{first}"}
    written = {"web": group(names["web"], 8080, names["db"]), "db": group(names["db"], 5432, names["web"])}
    order = [first, "db" if first == "web" else "web"]
    created: dict[str, tuple[str, dict, dict]] = {}
    for role in order:  # the first is checked and created while the group it names does not exist yet
        inputs, failures = plugin.check("security_group", names[role], written[role])
        assert failures == []
        preview = plugin.create("security_group", names[role], inputs, preview=True)
        assert preview[1]["rules"][0]["remoteGroup"] == names["db" if role == "web" else "web"]
        id, props = plugin.create("security_group", names[role], inputs)
        created[role] = (id, props, inputs)
    for role, (id, props, inputs) in created.items():
        assert props["rules"][0]["remoteGroup"] == written[role]["rules"][0]["remoteGroup"]  # type: ignore[index]
        assert plugin.diff("security_group", names[role], id, props, inputs).changes == DIFF_NONE
        _, refreshed, kept = plugin.read("security_group", names[role], id, props, inputs)
        assert kept["rules"][0]["remoteGroup"] == names["db" if role == "web" else "web"]
        assert plugin.diff("security_group", names[role], id, refreshed, inputs).changes == DIFF_NONE
    for role in order:  # deleted in the order they were made: naming a group does not hold it
        id, props, _ = created[role]
        plugin.delete("security_group", names[role], id, props)
    for role, (id, props, inputs) in created.items():
        assert plugin.read("security_group", names[role], id, props, inputs)[0] == ""  # gone
