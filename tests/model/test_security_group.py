"""Security groups: rules, port ranges, protocols, remotes (iaas.model.security_group)."""

from __future__ import annotations

from iaas.model import UNKNOWN, Reference, SecurityGroup
from iaas.model.values import validate


def test_an_unset_protocol_is_tcp_so_ports_are_allowed() -> None:
    assert validate(SecurityGroup, {"name": "web", "rules": [{"protocol": None, "port_min": 22}]}) == []


def test_a_protocol_known_only_after_apply_is_left_alone() -> None:
    rules = [{"protocol": Reference("security_group", "other", "description"), "port_min": 22}]
    assert validate(SecurityGroup, {"name": "web", "rules": rules}) == []


def test_rules_known_only_after_apply_are_left_alone() -> None:
    assert validate(SecurityGroup, {"name": "web", "rules": UNKNOWN}) == []
