"""Security groups: allow rules for instance NICs, compiled to libvirt nwfilters.

A group lives in the cloud's inventory.  On every host that is not
simulated it is also defined as two network filters, both named after the
group's id:

* ``iaas-sg-<id>-rules`` holds the group's allow rules;
* ``iaas-sg-<id>`` is the firewall of a NIC that uses only this group:
  libvirt's ``clean-traffic`` (no MAC, IP or ARP spoofing), established
  traffic allowed, egress allowed unless the group has egress rules (then
  only what they allow, as in OpenStack), the group's rules, every other
  packet dropped.  A NIC with several groups uses a filter made by
  :meth:`Handler.policy` that refers to each group's rules filter; its
  egress is restricted when any of them has an egress rule.

Simulated hosts have no packet filtering: there the group is recorded only,
and the ``dataplane`` output and the log say so.  A rule with a
``remote_group`` allows the addresses of the group's member instances (a
NIC's address, else its fixed IP); the group is named by id, or by name in
the rule's project, and looked up each time the rules are written, so two
groups may allow each other and a group named before it exists allows
nobody until it has members.  The rules follow membership: when an
instance is created, changed or deleted, every group whose rules name one of
its groups is written again on every real host (:meth:`Handler.follow`), and
a refresh shows rules whose members differ from the cloud's as ``dataplane``
drift.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds._record import RecordHandler
from iaas.errors import HostUnreachableError, IaasError
from iaas.model.base import DATAPLANE, PRESENT

if TYPE_CHECKING:
    import jinja2

log = logging.getLogger(__name__)

#: libvirt's own filter against MAC, IP and ARP spoofing: the whole firewall of a NIC in no security group.
CLEAN_TRAFFIC = "clean-traffic"

_ELEMENTS = {  # protocol -> (IPv4 element, IPv6 element)
    "tcp": ("tcp", "tcp-ipv6"),
    "udp": ("udp", "udp-ipv6"),
    "icmp": ("icmp", "icmpv6"),
    "any": ("all", "all-ipv6"),
}
_RULE_PRIORITY = 0  # after the policy's accepts (-500..-300), before its drops (500)


def policy_name(group_id: str) -> str:
    """Name of the nwfilter that is the whole firewall of a NIC using only this group."""
    return f"iaas-sg-{group_id}"


def rules_name(group_id: str) -> str:
    """Name of the nwfilter that holds this group's allow rules."""
    return f"iaas-sg-{group_id}-rules"


def filter_uuid(group_id: str, part: str = "") -> str:
    """A stable filter uuid: the group id itself for the policy, derived from it for a part."""
    try:
        base = uuid.UUID(group_id)
    except ValueError:
        base = uuid.uuid5(uuid.NAMESPACE_URL, f"iaas:security_group:{group_id}")
    return str(uuid.uuid5(base, part) if part else base)


@cache
def _templates() -> jinja2.Environment:
    import jinja2  # loaded on the first render only

    return jinja2.Environment(
        loader=jinja2.PackageLoader("iaas.cloud", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _match(rule: dict[str, Any], remote: str | None) -> list[dict[str, Any]]:
    """The nwfilter rule entries for one allow rule and one remote (None: any peer)."""
    ingress = rule.get("direction", "ingress") == "ingress"
    protocol = rule.get("protocol") or "tcp"
    families: tuple[int, ...] = (4, 6)
    attributes: list[tuple[str, str]] = []
    if remote is not None:
        net = ipaddress.ip_network(remote, strict=False)
        families = (net.version,)
        side = "src" if ingress else "dst"
        attributes += [(f"{side}ipaddr", str(net.network_address)), (f"{side}ipmask", str(net.prefixlen))]
    if rule.get("port_min") is not None:
        attributes += [
            ("dstportstart", str(rule["port_min"])),
            ("dstportend", str(rule.get("port_max") or rule["port_min"])),
        ]
    attributes.append(("state", "NEW"))
    return [
        {
            "direction": "in" if ingress else "out",
            "priority": _RULE_PRIORITY,
            "element": _ELEMENTS[protocol][family == 6],
            "attributes": attributes,
        }
        for family in families
    ]


def compile_rules(rules: list[dict[str, Any]], members: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """The nwfilter entries of a group's rules.

    ``members`` maps a remote group's id to its members' addresses; a rule
    whose remote group has no member yet allows nothing.
    """
    members = members or {}
    entries: list[dict[str, Any]] = []
    for rule in rules:
        if rule.get("remote_group"):
            remotes: list[str | None] = [
                f"{a}/{32 if ':' not in a else 128}" for a in members.get(rule["remote_group"], [])
            ]
        else:
            remotes = [rule.get("remote_cidr")]
        for remote in remotes:
            entries += _match(rule, remote)
    return entries


def render_rules(group_id: str, rules: list[dict[str, Any]], members: dict[str, list[str]] | None = None) -> str:
    """The XML of a group's rules filter."""
    return (
        _templates()
        .get_template("nwfilter_rules.xml.j2")
        .render(name=rules_name(group_id), uuid=filter_uuid(group_id, "rules"), rules=compile_rules(rules, members))
    )


def render_policy(name: str, filter_uuid: str, group_ids: list[str], *, egress_open: bool = True) -> str:
    """The XML of a NIC firewall that allows what any of the given groups allows.

    Every NIC gets libvirt's ``clean-traffic`` (no MAC, IP or ARP spoofing).
    With ``egress_open`` (none of the groups has an egress rule) the guest
    may send anything; else only what an egress rule allows (and DHCP).
    """
    return (
        _templates()
        .get_template("nwfilter_policy.xml.j2")
        .render(name=name, uuid=filter_uuid, rule_filters=[rules_name(g) for g in group_ids], egress_open=egress_open)
    )


class Handler(RecordHandler):
    """Security groups: kept in the inventory, defined as nwfilters on every real host."""

    kind = "security_group"
    reads_hosts = True  # a refresh asks the hosts whether they still carry it (see lost)

    def apply(self, id: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        """Define (or redefine) the group's filters on every host that is not simulated."""
        members = self._members(inputs.get("rules") or [], _project(inputs.get("project")))
        real = self.cloud.real_hosts
        egress = any(r.get("direction") == "egress" for r in inputs.get("rules") or [])
        policy = render_policy(policy_name(id), filter_uuid(id), [id], egress_open=not egress)
        for name in real:
            self.cloud.hosts[name].define_nwfilter(render_rules(id, inputs.get("rules") or [], members))
            self.cloud.hosts[name].define_nwfilter(policy)
        simulated = sorted(set(self.cloud.hosts) - set(real))
        note = f"nwfilter {policy_name(id)} defined on " + ", ".join(real) if real else ""
        if simulated:
            sim = "recorded only on simulated host(s) " + ", ".join(simulated) + ": no packets are filtered there"
            note = f"{note}; {sim}" if note else sim
            log.warning("security group %s: %s", inputs.get("name"), sim)
        return {DATAPLANE: PRESENT, "programmed": note}

    def remove(self, id: str, outputs: dict[str, Any]) -> None:
        """Undefine the group's filters on every real host."""
        for name in self.cloud.real_hosts:
            self.cloud.hosts[name].undefine_nwfilter(policy_name(id))
            self.cloud.hosts[name].undefine_nwfilter(rules_name(id))

    def lost(self, rec: InventoryRecord, outputs: dict[str, Any]) -> list[str]:
        """The real hosts that lack the group's filters (a host added to the cloud later, say), or whose rules
        allow other addresses than the remote groups' members have now."""
        rules = (rec.data.get("inputs") or {}).get("rules") or []
        wanted = {policy_name(rec.id), rules_name(rec.id)}
        expected = (
            allowed_peers(render_rules(rec.id, rules, self._members(rules, rec.project))) if _remote(rules) else None
        )
        missing = []
        for name in self.cloud.real_hosts:
            host = self.cloud.hosts[name]
            try:
                if not wanted <= set(host.nwfilter_names()):
                    missing.append(f"network filters on host {name}")
                elif expected is not None and allowed_peers(host.nwfilter_xml(rules_name(rec.id)) or "") != expected:
                    missing.append(f"rules for the current members of its remote groups on host {name}")
            except HostUnreachableError as exc:
                log.warning("security group %s: filters on host %s not checked: %s", rec.name, name, exc.detail)
        return missing

    def policy(self, name: str, uuid: str, ids: list[str]) -> str:
        """The firewall of a NIC in the groups ``ids``: egress is restricted when any of them has an egress rule."""
        rules = [r for id in ids if (rec := self.inventory.get(id)) for r in _rules_of(rec)]
        return render_policy(name, uuid, ids, egress_open=not any(r.get("direction") == "egress" for r in rules))

    def ensure_on(self, host_name: str, ids: Iterable[str]) -> None:
        """Define the filters of the groups ``ids`` on a host that lacks them (one added to the cloud later)."""
        host = self.cloud.hosts[host_name]
        present = set(host.nwfilter_names())
        for id in ids:
            rec = self.inventory.get(id)
            if rec is None or {policy_name(id), rules_name(id)} <= present:
                continue
            rules = (rec.data.get("inputs") or {}).get("rules") or []
            log.info("security group %s: defining its filters on host %s", rec.name, host_name)
            host.define_nwfilter(render_rules(id, rules, self._members(rules, rec.project)))
            host.define_nwfilter(self.policy(policy_name(id), filter_uuid(id), [id]))

    def follow(self, groups: Iterable[str]) -> None:
        """Write again, on every real host, the rules of each group that names one of ``groups`` as remote group
        (their members changed).  A host that fails is logged; the next refresh shows it as drift."""
        changed = set(groups)
        if not changed or self.cloud.simulated:
            return
        for rec in self.inventory.list(self.kind):
            rules = (rec.data.get("inputs") or {}).get("rules") or []
            if not {self._group_id(value, rec.project) for value in _remote(rules)} & changed:
                continue
            xml = render_rules(rec.id, rules, self._members(rules, rec.project))
            for name in self.cloud.real_hosts:
                try:
                    self.cloud.hosts[name].define_nwfilter(xml)
                except IaasError as exc:
                    log.warning("security group %s: rules on host %s not updated: %s", rec.name, name, exc)

    def users(self, rec: InventoryRecord) -> list[str]:
        """Instances with a NIC in the group.  A group whose rules name it as remote group does not hold it:
        once it is gone, those rules allow nobody (so two groups that allow each other go in either order)."""
        found = []
        for inst in self.inventory.list("instance"):
            nics = (inst.data.get("inputs") or {}).get("nics") or []
            groups = [g for nic in nics if isinstance(nic, dict) for g in nic.get("security_groups") or []]
            if any(self.refers_to(g, rec) for g in groups):
                found.append(self.label(inst))
        return found

    def _group_id(self, value: str, project: str | None) -> str | None:
        """The id of the group a rule's ``remote_group`` names: by id, else by name in the rule's project."""
        rec = self.inventory.get(value)
        if rec is not None and rec.kind == self.kind:
            return rec.id
        named = [r for r in self.inventory.named(self.kind, value) if r.project == project]
        return named[0].id if named else None

    def _members(self, rules: list[dict[str, Any]], project: str | None) -> dict[str, list[str]]:
        """Addresses of the member instances of every remote group the rules name (by each name as written);
        a group that does not exist (yet) has none."""
        wanted = {value: self._group_id(value, project) for value in _remote(rules)}
        by_group: dict[str, list[str]] = {gid: [] for gid in wanted.values() if gid}
        for inst in self.inventory.list("instance"):
            inputs, outputs = inst.data.get("inputs") or {}, inst.data.get("outputs") or {}
            addresses = outputs.get("ip_addresses") or []
            for i, nic in enumerate(inputs.get("nics") or []):
                address = (addresses[i] if i < len(addresses) else None) or nic.get("fixed_ip")
                for group in set(by_group) & set(nic.get("security_groups") or []):
                    if address:
                        by_group[group].append(address)
        return {value: by_group[gid] if gid else [] for value, gid in wanted.items()}


def _project(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _rules_of(rec: InventoryRecord) -> list[dict[str, Any]]:
    return list((rec.data.get("inputs") or {}).get("rules") or [])


def _remote(rules: list[dict[str, Any]]) -> set[str]:
    """The remote groups the rules name."""
    return {str(r["remote_group"]) for r in rules if r.get("remote_group")}


def allowed_peers(xml: str) -> set[tuple[str, str, str]]:
    """(direction, protocol element, peer address) of each rule of a filter: what membership changes."""
    if not xml:
        return set()
    found = set()
    for rule in ET.fromstring(xml).iter("rule"):
        for match in rule:
            peer = match.get("srcipaddr") or match.get("dstipaddr")
            if peer:
                found.add((rule.get("direction") or "", match.tag, peer))
    return found
