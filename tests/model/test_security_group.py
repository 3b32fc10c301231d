"""Security groups: rules, port ranges, protocols, remotes (iaas.model.security_group)."""

from __future__ import annotations

import pytest

from iaas.model import UNKNOWN, Network, Reference, Rule, SecurityGroup
from iaas.model.values import action_of, complete, diff, from_raw, inputs_of, validate

from ._util import assert_valid, problems


def _group(*rules: dict[str, object], **values: object) -> dict[str, object]:
    return {"name": "web", "rules": list(rules), **values}


def test_valid_groups() -> None:
    assert_valid(SecurityGroup, {"name": "empty"})
    assert_valid(
        SecurityGroup,
        _group(
            {"port_min": 22},
            {"protocol": "udp", "port_min": 5000, "port_max": 5100, "remote_cidr": "192.0.2.0/24"},
            {"protocol": "icmp", "direction": "egress"},
            {"protocol": "any", "remote_cidr": "2001:db8::/32"},
            {"port_min": 443, "port_max": 443, "remote_cidr": "10.1.2.3/16"},  # host bits allowed, as in firewalls
            description="web servers",
        ),
    )
    assert_valid(
        SecurityGroup,
        from_raw(SecurityGroup, _group({"remote_group": "${security_group.lb}"}, project="${project.team}")),
    )


def test_rules_from_python_objects() -> None:
    group = SecurityGroup(
        name="web", rules=[Rule(port_min=80), Rule(protocol="icmp", remote_group=SecurityGroup(name="lb"))]
    )
    assert inputs_of(group)["rules"] == [
        {"direction": "ingress", "protocol": "tcp", "port_min": 80},
        {"direction": "ingress", "protocol": "icmp", "remote_group": Reference("security_group", "lb", "name")},
    ]  # a remote group stands for its name: known at plan, and orders nothing
    assert validate(SecurityGroup, inputs_of(group)) == []
    raw = from_raw(SecurityGroup, _group({"remote_group": "${security_group.lb}"}))
    assert raw["rules"][-1]["remote_group"] == Reference("security_group", "lb", "name")


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        ({"direction": "in"}, "rules[1].direction", "must be one of ingress, egress; got 'in'"),
        ({"protocol": "sctp"}, "rules[1].protocol", "must be one of tcp, udp, icmp, any; got 'sctp'"),
        ({"port_min": 0}, "rules[1].port_min", "must be at least 1; got 0"),
        ({"port_min": 65536}, "rules[1].port_min", "must be at most 65535; got 65536"),
        ({"port_min": 1, "port_max": 70000}, "rules[1].port_max", "must be at most 65535; got 70000"),
        ({"port_min": "22"}, "rules[1].port_min", "expected integer, got str '22'"),
        ({"port_min": True}, "rules[1].port_min", "expected integer, got bool True"),
        ({"remote_cidr": "10.0.0.0/33"}, "rules[1].remote_cidr", "invalid CIDR '10.0.0.0/33'"),
        (
            {"remote_group": Reference("network", "n")},
            "rules[1].remote_group",
            "must refer to a security_group, not to network.n",
        ),
        (
            {"bar": 1},
            "rules[1].bar",
            "unknown field (known fields: direction, protocol, port_min, port_max, remote_cidr, remote_group)",
        ),
    ],
)
def test_field_rules_of_a_rule(rule: dict[str, object], path: str, message: str) -> None:
    found = problems(SecurityGroup, _group({"port_min": 22}, rule))
    assert path in found, found
    assert found[path].startswith(message)


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        ({"port_min": 80, "port_max": 22}, "rules[1].port_max", "port range 80-22 ends before it starts"),
        ({"protocol": "icmp", "port_min": 8}, "rules[1].port_min", "ports apply only to tcp and udp, not icmp"),
        (
            {"protocol": "any", "port_min": 8, "port_max": 9},
            "rules[1].port_min",
            "ports apply only to tcp and udp, not any",
        ),
        ({"port_max": 8}, "rules[1].port_min", "port_max is set without port_min"),
        (
            {"remote_cidr": "10.0.0.0/8", "remote_group": "${security_group.lb}"},
            "rules[1].remote_group",
            "set remote_cidr or remote_group, not both",
        ),
    ],
)
def test_rules_across_fields_of_a_rule(rule: dict[str, object], path: str, message: str) -> None:
    assert problems(SecurityGroup, from_raw(SecurityGroup, _group({"port_min": 22}, rule))) == {path: message}


def test_every_broken_rule_is_reported() -> None:
    found = problems(SecurityGroup, _group({"port_min": 9, "port_max": 1}, {"protocol": "icmp", "port_min": 1}))
    assert found == {
        "rules[0].port_max": "port range 9-1 ends before it starts",
        "rules[1].port_min": "ports apply only to tcp and udp, not icmp",
    }


def test_an_unset_protocol_is_tcp_so_ports_are_allowed() -> None:
    assert validate(SecurityGroup, {"name": "web", "rules": [{"protocol": None, "port_min": 22}]}) == []


def test_a_protocol_known_only_after_apply_is_left_alone() -> None:
    rules = [{"protocol": Reference("security_group", "other", "description"), "port_min": 22}]
    assert validate(SecurityGroup, {"name": "web", "rules": rules}) == []


def test_rules_known_only_after_apply_are_left_alone() -> None:
    assert validate(SecurityGroup, {"name": "web", "rules": UNKNOWN}) == []
    assert validate(SecurityGroup, {"name": "web", "rules": [{"port_min": UNKNOWN, "port_max": 10}]}) == []


def test_wrong_types() -> None:
    assert problems(SecurityGroup, {"name": "web", "rules": {"port_min": 22}}) == {
        "rules": "expected a list, got a mapping"
    }
    assert problems(SecurityGroup, {"name": "web", "rules": ["ssh"]}) == {
        "rules[0]": "expected a mapping, got a string"
    }
    assert problems(SecurityGroup, {"name": "web", "description": 7}) == {"description": "expected string, got int 7"}
    assert problems(SecurityGroup, {"name": "web", "project": Network(name="n", cidr="10.0.0.0/24").ref()}) == {
        "project": "must refer to a project, not to network.n"
    }


def test_id_cannot_be_set() -> None:
    assert problems(SecurityGroup, {"name": "web", "id": "x"}) == {"id": "is computed by the cloud and cannot be set"}


def test_complete_fills_every_rule() -> None:
    filled = complete(SecurityGroup, _group({"port_min": 22}, {"protocol": "icmp", "direction": "egress"}))
    assert filled["description"] == ""
    assert [(r["direction"], r["protocol"], r["port_min"], r["port_max"]) for r in filled["rules"]] == [
        ("ingress", "tcp", 22, None),
        ("egress", "icmp", None, None),
    ]


def test_rules_and_description_change_live_the_project_replaces() -> None:
    old = complete(SecurityGroup, _group({"port_min": 22}))
    new = complete(SecurityGroup, _group({"port_min": 22}, {"port_min": 80}, description="web"))
    changes = diff(SecurityGroup, old, new)
    assert {c.field: c.update for c in changes} == {"rules": "live", "description": "live"}
    assert action_of(changes) == "update"
    assert action_of(diff(SecurityGroup, old, {**old, "project": "team"})) == "replace"
