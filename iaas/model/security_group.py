"""SecurityGroup: stateful firewall rules applied to instance NICs."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import attrs

from iaas.model import checks
from iaas.model.base import Resource, dataplane_field, field


@attrs.define(kw_only=True)
class Rule:
    """One allow rule. Traffic that no rule allows is dropped on ingress."""

    direction: str = field("Traffic direction the rule applies to.", default="ingress", choices=("ingress", "egress"))
    protocol: str = field("IP protocol.", default="tcp", choices=("tcp", "udp", "icmp", "any"))
    port_min: int | None = field("First port of the range (tcp/udp).", minimum=1, maximum=65535)
    port_max: int | None = field("Last port of the range (default: port_min).", minimum=1, maximum=65535)
    remote_cidr: str | None = field("Peer addresses the rule allows (default: any).", check=checks.any_cidr)
    remote_group: str | None = field(
        "Security group whose members the rule allows, by name or id. Groups may allow each other: this "
        "reference orders nothing, and a group that does not exist yet allows nobody until it has members.",
        ref="security_group",
        soft=True,
    )


@attrs.define(kw_only=True)
class SecurityGroup(Resource):
    """A set of rules; by default ingress is denied, egress and established traffic allowed."""

    kind: ClassVar[str] = "security_group"
    unique_name: ClassVar[Literal["project", "cloud"] | None] = "project"
    description_doc: ClassVar[str] = (
        "Firewall rules for instance NICs. Default: deny ingress, allow egress and established traffic."
    )

    description: str = field("Free text.", default="")
    rules: list[Rule] = field("Allow rules, updated live on every NIC that uses the group.", factory=list)
    project: str | None = field("Project the group belongs to.", ref="project", update="replace")
    id: str | None = field("Identifier of the group.", computed=True)
    dataplane: str | None = dataplane_field()

    @classmethod
    def check(cls, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Port ranges ordered and only for tcp/udp; one remote at most."""
        errors: list[tuple[str, str]] = []
        rules = values.get("rules")
        for i, rule in enumerate(rules if isinstance(rules, list | tuple) else []):  # unknown until apply: skip
            if not isinstance(rule, dict):
                continue
            where = f"rules[{i}]"
            pmin, pmax, proto = rule.get("port_min"), rule.get("port_max"), rule.get("protocol") or "tcp"
            if (pmin is not None or pmax is not None) and isinstance(proto, str) and proto not in ("tcp", "udp"):
                errors.append((f"{where}.port_min", f"ports apply only to tcp and udp, not {proto}"))
            if pmin is None and pmax is not None:
                errors.append((f"{where}.port_min", "port_max is set without port_min"))
            if isinstance(pmin, int) and isinstance(pmax, int) and pmax < pmin:
                errors.append((f"{where}.port_max", f"port range {pmin}-{pmax} ends before it starts"))
            if rule.get("remote_cidr") is not None and rule.get("remote_group") is not None:
                errors.append((f"{where}.remote_group", "set remote_cidr or remote_group, not both"))
        return errors
