"""Security groups: recorded in the inventory, compiled to nwfilter XML for real hosts."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from iaas.cloud import Cloud
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds.security_group import policy_name, render_policy, render_rules, rules_name
from iaas.errors import IaasError

SSH = {
    "direction": "ingress",
    "protocol": "tcp",
    "port_min": 22,
    "port_max": 22,
    "remote_cidr": "10.0.0.0/8",
    "remote_group": None,
}


def inputs(name: str = "ssh", rules: list | None = None) -> dict:
    return {"name": name, "description": "ssh from inside", "rules": [SSH] if rules is None else rules, "project": None}


def test_create_on_a_simulated_host_records_it_and_says_so(cloud: Cloud, op, caplog) -> None:
    ctx = op("security_group.ssh")
    out = cloud.create("security_group", ctx, inputs(), {})
    assert out["id"] == ctx.pending_id
    assert "recorded only on simulated host(s) h1" in out["programmed"]
    assert "no packets are filtered" in caplog.text
    assert cloud.inventory.get(ctx.pending_id).data["inputs"]["rules"] == [SSH]


def test_create_again_with_the_same_pending_id_makes_no_duplicate(cloud: Cloud, op) -> None:
    ctx = op("security_group.ssh")
    assert cloud.create("security_group", ctx, inputs(), {}) == cloud.create("security_group", ctx, inputs(), {})
    assert len(cloud.inventory.list("security_group")) == 1


def test_read_update_and_a_missing_group(cloud: Cloud, op) -> None:
    ctx = op("security_group.ssh")
    out = cloud.create("security_group", ctx, inputs(), {})
    web = {**SSH, "port_min": 80, "port_max": 443, "remote_cidr": None}
    cloud.update("security_group", ctx, out["id"], inputs(), inputs(rules=[SSH, web]), ["rules"], out)
    assert cloud.read("security_group", ctx, out["id"], out).inputs["rules"] == [SSH, web]
    assert cloud.read("security_group", ctx, "missing", out) is None


def test_delete_and_delete_again(cloud: Cloud, op) -> None:
    ctx = op("security_group.ssh")
    out = cloud.create("security_group", ctx, inputs(), {})
    cloud.delete("security_group", ctx, out["id"], out)
    cloud.delete("security_group", ctx, out["id"], out)
    assert cloud.read("security_group", ctx, out["id"], out) is None


def test_lookup_by_name_and_by_id(cloud: Cloud, op) -> None:
    ctx = op("security_group.ssh")
    out = cloud.create("security_group", ctx, inputs(), {})
    assert cloud.lookup("security_group", ctx, "ssh").id == out["id"]
    assert cloud.lookup("security_group", ctx, out["id"]).inputs["description"] == "ssh from inside"
    assert cloud.lookup("security_group", ctx, "web") is None


def test_delete_is_refused_while_an_instance_nic_uses_it(cloud: Cloud, op) -> None:
    ctx = op("security_group.ssh")
    out = cloud.create("security_group", ctx, inputs(), {})
    nics = [{"network": "n-1", "security_groups": []}, {"network": "n-2", "security_groups": [out["id"]]}]
    cloud.inventory.put(
        InventoryRecord(
            "i-1",
            "instance",
            "app",
            stack="s1",
            address="instance.app",
            host="h1",
            data={"inputs": {"nics": nics}, "outputs": {}},
        )
    )
    with pytest.raises(IaasError, match=r"cannot delete security_group 'ssh': still used by instance.app"):
        cloud.delete("security_group", ctx, out["id"], out)
    cloud.inventory.delete("i-1")
    cloud.delete("security_group", ctx, out["id"], out)


def _member(cloud: Cloud, id: str, group: str, address: str) -> None:
    nics = [{"network": "n-1", "security_groups": [group]}]
    data = {"inputs": {"nics": nics}, "outputs": {"ip_addresses": [address]}}
    cloud.inventory.put(InventoryRecord(id, "instance", id, stack="s1", address=f"instance.{id}", host="h1", data=data))


def test_groups_that_allow_each_other_by_name_follow_members_and_go_in_either_order(cloud: Cloud, op) -> None:
    handler = cloud.handler("security_group")
    for first in ("web", "db"):
        to_db = {**SSH, "remote_cidr": None, "remote_group": "db"}  # db does not exist yet: web allows nobody
        web = cloud.create("security_group", op("security_group.web"), inputs("web", [to_db]), {})
        assert handler._members([to_db], None) == {"db": []}
        to_web = {**SSH, "remote_cidr": None, "remote_group": web["id"]}  # by id works too
        db = cloud.create("security_group", op("security_group.db"), inputs("db", [to_web]), {})
        _member(cloud, "i-db", db["id"], "10.0.0.5")
        _member(cloud, "i-web", web["id"], "10.0.0.6")
        assert handler._members([to_db], None) == {"db": ["10.0.0.5"]}
        assert handler._members([to_web], None) == {web["id"]: ["10.0.0.6"]}
        assert handler._members([to_db], "another-project") == {"db": []}  # a name is looked up in its project
        cloud.inventory.delete("i-db")
        cloud.inventory.delete("i-web")
        groups = {"web": web, "db": db}
        for name in (first, "db" if first == "web" else "web"):  # naming a group does not hold it
            cloud.delete("security_group", op(f"security_group.{name}"), groups[name]["id"], groups[name])
        assert cloud.inventory.list("security_group") == []


# ---------------------------------------------------------------- nwfilter XML


def _rules(xml: str) -> list[tuple[str, str, str, dict[str, str]]]:
    root = ET.fromstring(xml)
    return [(r.get("action"), r.get("direction"), r[0].tag, dict(r[0].attrib)) for r in root.iter("rule")]


def test_rules_filter_is_named_after_the_group_and_holds_its_rules() -> None:
    gid = str(uuid.uuid4())
    icmp = {"direction": "ingress", "protocol": "icmp"}
    out6 = {"direction": "egress", "protocol": "udp", "port_min": 53, "remote_cidr": "2001:db8::/32"}
    root = ET.fromstring(render_rules(gid, [SSH, icmp, out6]))
    assert root.get("name") == rules_name(gid) == f"iaas-sg-{gid}-rules"
    assert _rules(render_rules(gid, [SSH, icmp, out6])) == [
        (
            "accept",
            "in",
            "tcp",
            {"srcipaddr": "10.0.0.0", "srcipmask": "8", "dstportstart": "22", "dstportend": "22", "state": "NEW"},
        ),
        ("accept", "in", "icmp", {"state": "NEW"}),
        ("accept", "in", "icmpv6", {"state": "NEW"}),
        (
            "accept",
            "out",
            "udp-ipv6",
            {"dstipaddr": "2001:db8::", "dstipmask": "32", "dstportstart": "53", "dstportend": "53", "state": "NEW"},
        ),
    ]


def test_rules_filter_is_stable_for_the_same_group() -> None:
    gid = str(uuid.uuid4())
    assert render_rules(gid, [SSH]) == render_rules(gid, [SSH])
    assert ET.fromstring(render_rules(gid, [SSH])).findtext("uuid") != gid


def test_remote_group_allows_the_members_addresses() -> None:
    rule = {"direction": "ingress", "protocol": "tcp", "port_min": 5432, "remote_group": "g-app"}
    got = _rules(render_rules(str(uuid.uuid4()), [rule], {"g-app": ["10.1.0.5", "10.1.0.6"]}))
    assert [r[3]["srcipaddr"] for r in got] == ["10.1.0.5", "10.1.0.6"]
    assert _rules(render_rules(str(uuid.uuid4()), [rule], {})) == []


def test_policy_allows_established_and_egress_then_the_groups_then_drops_ingress() -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    root = ET.fromstring(render_policy(policy_name(a), a, [a, b]))
    assert root.get("name") == f"iaas-sg-{a}" and root.findtext("uuid") == a
    assert [f.get("filter") for f in root.iter("filterref")][1:] == [rules_name(a), rules_name(b)]
    assert [f.get("filter") for f in root.iter("filterref")][0] == "clean-traffic"  # no spoofing on any NIC
    rules = _rules(render_policy(policy_name(a), a, [a]))
    assert ("accept", "inout", "all", {"state": "ESTABLISHED,RELATED"}) in rules
    assert ("accept", "out", "all", {}) in rules
    assert rules[-2:] == [("drop", "in", "all", {}), ("drop", "in", "all-ipv6", {})]


def test_egress_rules_restrict_egress_when_present() -> None:
    a = str(uuid.uuid4())
    rules = _rules(render_policy(policy_name(a), a, [a], egress_open=False))
    assert ("accept", "out", "all", {}) not in rules
    assert (
        "accept",
        "out",
        "udp",
        {"srcportstart": "68", "srcportend": "68", "dstportstart": "67", "dstportend": "67"},
    ) in rules
    assert rules[-2:] == [("drop", "out", "all", {}), ("drop", "out", "all-ipv6", {})]


def test_values_are_escaped_in_the_xml() -> None:
    evil = "x'/><rule action='accept"
    xml = render_policy(evil, str(uuid.uuid4()), [])
    assert ET.fromstring(xml).get("name") == evil
