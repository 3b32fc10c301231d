"""An instance whose host changes moves there (the plan's ``migrate``), on simulated hosts: a cold move."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import iaas
from iaas.engine.render import render_plan
from iaas.errors import ApplyError, IaasError


def cloud(tmp_path: Path, **sizes: Any) -> dict[str, Any]:
    """Two simulated hosts joined by an underlay."""
    hosts = [{"name": f"ho{i}", "uri": "test:///default", "underlay": f"192.0.2.{i}", **sizes} for i in (1, 2)]
    return {"hosts": hosts, "home": str(tmp_path / "cloud")}


def stack(
    image_file: Path,
    host: str,
    *,
    group: bool = False,
    volume: bool = False,
    volume_host: str | None = None,
    dhcp: bool = False,
) -> iaas.Stack:
    """One server with a fixed IP on a network of ho1 (and a volume, a NIC without a fixed IP, and an
    anti-affinity peer pinned to ho2)."""
    s = iaas.Stack("web")
    image = s.add(iaas.Image(name="tiny", source=str(image_file)))
    net = s.add(iaas.Network(name="web", cidr="10.20.0.0/24", mode="isolated", host="ho1"))
    extra: dict[str, Any] = {}
    if group:
        extra["server_group"] = s.add(iaas.ServerGroup(name="apart", policy="anti-affinity"))
        s.add(iaas.Instance(name="peer", image=image, vcpus=1, memory_mib=256, host="ho2", **extra))
    if volume:
        extra["volumes"] = [s.add(iaas.Volume(name="data", size_gib=2, host=volume_host))]
    s.add(
        iaas.Instance(
            name="app",
            image=image,
            vcpus=2,
            memory_mib=512,
            root_disk_gib=1,
            host=host,
            nics=[{"network": net, "fixed_ip": "10.20.0.10"}, *([{"network": net}] if dhcp else [])],
            **extra,
        )
    )
    return s


def usage(engine: iaas.Engine, host: str) -> tuple[int, int]:
    """vCPUs and memory the inventory counts on a host."""
    store = engine.cloud.inventory
    return store.used(f"host:{host}", "vcpus"), store.used(f"host:{host}", "memory_mib")


def test_a_changed_host_plans_a_migration_and_moves_the_instance(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, "ho1", volume=True, dhcp=True))
        before = engine.resources()["instance.app"]
        assert usage(engine, "ho1") == (2, 512)
        plan = engine.plan(stack(image_file, "ho2", volume=True, dhcp=True))
        change = plan.changes["instance.app"]
        assert change.action == "migrate"
        assert [c.field for c in change.changes] == ["host"]
        assert plan.summary()["migrate"] == 1 and plan.summary()["replace"] == 0
        text = render_plan(plan)
        assert '~> instance "app"' in text
        assert "will be migrated from host ho1 to host ho2" in text
        assert "Plan: 0 to add, 0 to change, 1 to migrate, 0 to destroy." in text

        result = engine.apply(stack(image_file, "ho2", volume=True, dhcp=True))
        assert result.ok and result.done == ["instance.app (migrated)"]
        hosts = engine.cloud.hosts
        after = engine.resources()["instance.app"]
        assert after.id == before.id and after.outputs["host"] == "ho2"
        assert hosts["ho1"].get_domain(before.id) is None
        guest = hosts["ho2"].get_domain(before.id)
        assert guest is not None and guest.state == "running"
        # the same MACs, and the fixed IP and the address iaas gave still given by the network's DHCP on ho1
        assert after.outputs["mac_addresses"] == before.outputs["mac_addresses"]
        net = engine.resources()["network.web"]
        entries = {h.mac: h.ip for h in hosts["ho1"].get_network(net.id).spec.dhcp_hosts}
        macs = before.outputs["mac_addresses"]
        assert entries == {macs[0]: "10.20.0.10", macs[1]: "10.20.0.2"}
        assert after.outputs["ip_addresses"] == before.outputs["ip_addresses"] == ["10.20.0.10", "10.20.0.2"]
        assert hosts["ho2"].get_network(net.id) is not None  # ho2 joined the network's span
        # its disks moved: nothing of it is left on ho1
        vol = engine.resources()["volume.data"]
        names = {v.name for v in hosts["ho1"].list_volumes("iaas-volumes")}
        assert not any(before.id in n or vol.id in n for n in names), names
        assert engine.cloud.inventory.get(vol.id).host == "ho2"
        # admission moved its claim: nothing counted on ho1, all of it on ho2
        assert usage(engine, "ho1") == (0, 0)
        assert usage(engine, "ho2") == (2, 512)
        assert engine.cloud.inventory.used("host:ho2", "disk_gib") == 1 + 2
        assert engine.plan(stack(image_file, "ho2", volume=True, dhcp=True)).empty
        assert engine.plan(stack(image_file, "ho2", volume=True, dhcp=True), refresh=True).empty


def test_setting_the_host_the_instance_is_on_moves_nothing(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, "ho1"))
        plan = engine.plan(stack(image_file, "ho1"))
        assert plan.empty


def test_a_migration_against_anti_affinity_is_a_plan_error(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, "ho1", group=True))
        with pytest.raises(IaasError) as caught:
            engine.plan(stack(image_file, "ho2", group=True))
        message = str(caught.value)
        assert "instance.app" in message and "cannot migrate to host ho2" in message
        assert "anti-affinity with instance.peer" in message


def test_a_migration_to_a_full_host_is_a_plan_error(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path, sim_cpus=1, cpu_ratio=1.0)) as engine:
        with pytest.raises(IaasError) as caught:
            engine.plan(stack(image_file, "ho2"))
        assert "needs 2 vCPUs" in str(caught.value)


def test_a_failed_migration_leaves_the_guest_on_its_host_and_the_next_apply_moves_it(
    tmp_path: Path, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iaas.cloud.kinds import _migrate

    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, "ho1", volume=True))
        id = engine.resources()["instance.app"].id
        real_cold = _migrate._cold
        calls = []

        def broken(*args: Any) -> None:  # the copy to the destination fails half way
            calls.append(args)
            raise IaasError("the destination went away")

        monkeypatch.setattr(_migrate, "_cold", broken)
        with pytest.raises(ApplyError, match="instance.app: the destination went away"):
            engine.apply(stack(image_file, "ho2", volume=True))
        assert len(calls) == 1
        hosts = engine.cloud.hosts
        assert hosts["ho1"].get_domain(id).state == "running"
        assert hosts["ho2"].get_domain(id) is None
        assert hosts["ho2"].list_volumes("iaas-volumes") == [], "no orphan disk on the destination"
        assert usage(engine, "ho1") == (2, 512) and usage(engine, "ho2") == (0, 0)
        assert engine.resources()["instance.app"].outputs["host"] == "ho1"

        monkeypatch.setattr(_migrate, "_cold", real_cold)
        assert engine.plan(stack(image_file, "ho2", volume=True)).changes["instance.app"].action == "migrate"
        assert engine.apply(stack(image_file, "ho2", volume=True)).ok
        assert hosts["ho1"].get_domain(id) is None and hosts["ho2"].get_domain(id) is not None
        assert usage(engine, "ho1") == (0, 0) and usage(engine, "ho2") == (2, 512)
        assert engine.plan(stack(image_file, "ho2", volume=True), refresh=True).empty


def test_an_instance_cannot_leave_a_volume_pinned_to_its_host(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, "ho1", volume=True, volume_host="ho1"))
        with pytest.raises(IaasError) as caught:
            engine.plan(stack(image_file, "ho2", volume=True, volume_host="ho1"))
        assert "instance.app" in str(caught.value) and "volume.data is pinned to host ho1" in str(caught.value)


def test_the_command_line_shows_and_counts_the_migration(
    tmp_path: Path, image_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from iaas.cli import main

    home = tmp_path / "home"
    (tmp_path / "cloud.yaml").write_text(yaml.safe_dump(cloud(tmp_path)))
    for host in ("ho1", "ho2"):
        (tmp_path / "stack.yaml").write_text(
            f"""
resources:
  image:
    tiny: {{source: {image_file}}}
  network:
    lan: {{cidr: 10.78.0.0/24, mode: isolated, host: ho1}}
  instance:
    app:
      image: ${{image.tiny}}
      flavor: m1.tiny
      host: {host}
      nics: [{{network: "${{network.lan}}", fixed_ip: 10.78.0.10}}]
"""
        )
        args = ["--home", str(home), "--cloud", str(tmp_path / "cloud.yaml"), "-f", str(tmp_path / "stack.yaml")]
        assert main(["apply", *args, "--auto-approve"]) == 0
    out = capsys.readouterr().out
    assert "# instance.app will be migrated from host ho1 to host ho2" in out
    assert "Plan: 0 to add, 0 to change, 1 to migrate, 0 to destroy." in out
    assert "Apply complete! Resources: 0 added, 0 changed, 1 migrated, 0 destroyed" in out


def test_a_port_forward_follows_its_instance_to_the_new_host(tmp_path: Path, image_file: Path) -> None:
    def with_forward(host: str) -> iaas.Stack:
        s = stack(image_file, host)
        s.add(iaas.PortForward(name="ssh", instance=iaas.Reference("instance", "app"), target_port=22, host_port=2222))
        return s

    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(with_forward("ho1"))
        assert engine.resources()["port_forward.ssh"].outputs["host"] == "ho1"
        plan = engine.plan(with_forward("ho2"))
        assert plan.changes["instance.app"].action == "migrate"
        assert plan.changes["port_forward.ssh"].action == "replace"
        assert plan.changes["port_forward.ssh"].reasons == ["instance.app moves to another host"]
        engine.apply(with_forward("ho2"))
        assert engine.resources()["port_forward.ssh"].outputs["host"] == "ho2"
        assert engine.plan(with_forward("ho2"), refresh=True).empty


def test_an_instance_with_snapshots_is_not_moved_until_they_are_deleted(tmp_path: Path, image_file: Path) -> None:
    def with_snapshot(host: str) -> iaas.Stack:
        s = stack(image_file, host)
        s.add(iaas.Snapshot(name="before", instance="${instance.app}"))
        return s

    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(with_snapshot("ho1"))
        with pytest.raises(IaasError) as refused:
            engine.plan(with_snapshot("ho2"))
        assert "instance.app.host: cannot move with its snapshot snapshot.before" in str(refused.value)
        assert engine.cloud.hosts["ho1"].get_snapshot(engine.resources()["instance.app"].id, "before") is not None
        plan = engine.plan(stack(image_file, "ho2"))  # the snapshot goes in the same plan, before the move
        assert {a: c.action for a, c in plan.changes.items() if c.action != "noop"} == {
            "snapshot.before": "delete",
            "instance.app": "migrate",
        }
        result = engine.apply(stack(image_file, "ho2"))
        assert result.ok and result.done == ["snapshot.before (deleted)", "instance.app (migrated)"]
