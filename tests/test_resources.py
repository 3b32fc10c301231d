"""The one-resource-at-a-time API the faces use: same validation, diff and cloud verbs as the engine."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import iaas
from iaas import resources
from tests.brownfield import stop_network


@pytest.fixture
def session(tmp_path: Path) -> resources.Session:
    return resources.Session(iaas.Cloud.open(home=tmp_path), stack="face")


def test_check_fills_defaults_and_names_fields() -> None:
    ok = resources.check("network", {"name": "web", "cidr": "10.0.0.0/24"})
    assert ok.ok and ok.inputs["mode"] == "nat" and ok.inputs["dhcp"] is True
    bad = resources.check("network", {"name": "web", "cidr": "nope", "colour": 1})
    assert {e.field for e in bad.errors} == {"cidr", "colour"}
    unknown = resources.check("instance", {"name": "vm", "image": iaas.UNKNOWN, "flavor": "m1.tiny"})
    assert unknown.ok and unknown.inputs["image"] is iaas.UNKNOWN
    with pytest.raises(iaas.ValidationError, match="unknown kind"):
        resources.check("frob", {})


def test_diff_matches_the_engine() -> None:
    base = resources.check(
        "instance", {"name": "vm", "image": "i", "vcpus": 1, "memory_mib": 512, "max_memory_mib": 2048}
    ).inputs
    assert resources.diff("instance", base, base).action == "noop"
    live = resources.diff("instance", base, {**base, "memory_mib": 1024})
    assert live.action == "update" and live.changes[0].update == "live"
    assert resources.diff("instance", base, {**base, "image": "j"}).replace_fields == ["image"]
    vol = resources.check("volume", {"name": "v", "size_gib": 5}).inputs
    with pytest.raises(iaas.ValidationError, match="size_gib: cannot shrink"):
        resources.diff("volume", vol, {**vol, "size_gib": 4})


def test_lifecycle_through_a_session(session: resources.Session) -> None:
    inputs = resources.check("network", {"name": "web", "cidr": "10.0.0.0/24"}).inputs
    planned = session.plan_create("network", inputs)
    assert planned == {"host": "default"}
    state = session.create("network", "network.web", inputs, planned, pending_id="00000000-0000-4000-8000-000000000000")
    again = session.create("network", "network.web", inputs, planned, pending_id=state.id)
    assert again.id == state.id  # a retried create adopts, never duplicates
    assert session.read("network", "network.web", state.id).outputs["gateway"] == "10.0.0.1"  # type: ignore[union-attr]
    updated = session.update("network", "network.web", state.id, inputs, {**inputs, "mtu": 1400}, state.outputs)
    assert updated.inputs["mtu"] == 1400
    with pytest.raises(iaas.ValidationError, match="cidr: changing it needs a replacement"):
        session.update("network", "network.web", state.id, inputs, {**inputs, "cidr": "10.1.0.0/24"})
    assert session.lookup("network", "web").id == state.id  # type: ignore[union-attr]
    session.delete("network", "network.web", state.id)
    session.delete("network", "network.web", state.id)
    assert session.read("network", "network.web", state.id) is None


def test_quota_checked_per_resource(session: resources.Session, tmp_path: Path) -> None:
    (tmp_path / "x.qcow2").write_bytes(b"QFI\xfb" + bytes(1020))
    session.create(
        "image", "image.x", resources.check("image", {"name": "x", "source": str(tmp_path / "x.qcow2")}).inputs
    )
    proj = session.create(
        "project", "project.p", resources.check("project", {"name": "p", "quota": {"instances": 0}}).inputs
    )
    img = session.create(
        "key_pair",
        "key_pair.k",
        resources.check(
            "key_pair",
            {
                "name": "k",
                "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d a",
            },
        ).inputs,
    )
    assert img.outputs["fingerprint"].startswith("SHA256:")
    vm = resources.check("instance", {"name": "vm", "image": "x", "flavor": "m1.tiny", "project": proj.id}).inputs
    with pytest.raises(iaas.QuotaError, match="instances"):
        session.plan_create("instance", vm)


def test_recomputed_outputs_name_what_an_update_changes(session: resources.Session, tmp_path: Path) -> None:
    assert resources.recomputed_outputs("instance", ["memory_mib"]) == []
    assert set(resources.recomputed_outputs("instance", ["nics"])) == {"ip_address", "ip_addresses", "mac_addresses"}
    assert resources.recomputed_outputs("network", ["mtu", "dhcp"]) == []
    a = session.create("network", "network.a", resources.check("network", {"name": "a", "cidr": "10.7.0.0/24"}).inputs)
    b = session.create("network", "network.b", resources.check("network", {"name": "b", "cidr": "10.8.0.0/24"}).inputs)
    (tmp_path / "base.qcow2").write_bytes(b"\0" * 512)
    img = session.create(
        "image", "image.i", resources.check("image", {"name": "i", "source": str(tmp_path / "base.qcow2")}).inputs
    )
    old = resources.check(
        "instance",
        {"name": "vm", "image": img.id, "flavor": "m1.tiny", "nics": [{"network": a.id, "fixed_ip": "10.7.0.10"}]},
    ).inputs
    vm = session.create("instance", "instance.vm", old, session.plan_create("instance", old))
    new = {**old, "nics": [*old["nics"], {"network": b.id, "fixed_ip": "10.8.0.10"}], "memory_mib": 256}
    changed = resources.diff("instance", old, new).changed_fields
    after = session.update("instance", "instance.vm", vm.id, old, new, vm.outputs)
    moved = {k for k in vm.outputs if after.outputs.get(k) != vm.outputs[k]}
    assert moved and moved <= set(resources.recomputed_outputs("instance", changed))


def test_plan_checks_of_names_never_list_the_inventory(
    session: resources.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed: list[dict[str, object]] = []  # the names are looked up one by one, the inventory is never listed
    real = session.cloud.inventory.list
    monkeypatch.setattr(session.cloud.inventory, "list", lambda *a, **k: listed.append(k) or real(*a, **k))
    key = {
        "name": "k",
        "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d a",
    }
    assert session.plan_create("key_pair", resources.check("key_pair", key).inputs) == {}  # its name is held once
    assert session.plan_create("security_group", resources.check("security_group", {"name": "g"}).inputs) == {}
    assert listed == []


def test_resolve_names_in_reference_fields(session: resources.Session) -> None:
    net = session.create(
        "network",
        "network.lan",
        resources.check("network", {"name": "lan", "cidr": "10.9.0.0/24"}).inputs,
        {"host": "default"},
    )
    group = session.create(
        "security_group", "security_group.web", resources.check("security_group", {"name": "web"}).inputs
    )
    inputs = {"name": "vm", "image": iaas.UNKNOWN, "nics": [{"network": "lan", "security_groups": ["web", group.id]}]}
    resolved = session.resolve("instance", inputs)
    assert resolved["image"] is iaas.UNKNOWN
    assert resolved["nics"] == [{"network": net.id, "security_groups": [group.id, group.id]}]
    assert inputs["nics"][0]["network"] == "lan"  # the inputs given are left alone
    with pytest.raises(iaas.ValidationError, match=r"instance.vm.nics\[0\].network: no network named or with id "):
        session.resolve("instance", {"name": "vm", "nics": [{"network": "nope"}]})
    assert session.resolve("instance", {"name": "vm", "image": "gone"}, strict=False)["image"] == "gone"


def test_plan_create_refuses_a_reference_to_nothing(session: resources.Session) -> None:
    network = resources.check("network", {"name": "n", "cidr": "10.0.0.0/24", "project": "noproj"}).inputs
    with pytest.raises(iaas.ValidationError, match=r"network.n.project: no project named or with id 'noproj'"):
        session.plan_create("network", network)
    assert session.cloud.managed_objects() == []


def test_a_lost_dataplane_is_read_planned_and_restored(tmp_path: Path) -> None:
    """What the engine's refresh shows as ``dataplane`` drift, a face sees through the session: read, diff, update."""
    session = resources.Session(iaas.Cloud.open(home=tmp_path), stack="face")
    inputs = resources.check("network", {"name": "web", "cidr": "10.0.0.0/24"}).inputs
    state = session.create("network", "network.web", inputs, session.plan_create("network", inputs))
    assert state.outputs["dataplane"] == "present"
    session.cloud.close()
    stop_network(tmp_path, state.id)
    session = resources.Session(iaas.Cloud.open(home=tmp_path), stack="face")
    found = session.read("network", "network.web", state.id, state.outputs)
    assert found is not None and found.outputs["dataplane"] == "missing: network running on host default"
    assert resources.diff("network", inputs, inputs).action == "noop"  # without what the read said: nothing to do
    change = session.diff("network", inputs, inputs, outputs=found.outputs)
    assert (change.action, change.changes, change.repairs) == ("update", [], ("network running on host default",))
    assert resources.planned_outputs("network", found.outputs, change)["dataplane"] == "present"
    done = session.update("network", "network.web", state.id, inputs, inputs, found.outputs)
    assert done.outputs["dataplane"] == "present"
    again = session.read("network", "network.web", state.id, done.outputs)
    assert again is not None and (again.outputs["dataplane"], again.lost) == ("present", ())
    assert session.diff("network", inputs, inputs, outputs=again.outputs).action == "noop"
    other = resources.check("project", {"name": "p"}).inputs  # a kind with nothing on a host: no dataplane
    assert "dataplane" not in session.create("project", "project.p", other, pending_id=str(uuid.uuid4())).outputs
