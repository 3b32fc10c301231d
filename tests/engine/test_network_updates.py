"""Network edits in the plan: what changes live, and which running guests a restart cuts off."""

from __future__ import annotations

import json
from pathlib import Path

import attrs

import iaas
from iaas.engine.planfile import save_plan
from iaas.engine.render import render_plan
from tests.engine.test_spanning_networks import cloud, web_tier


def _edited(image_file: Path, **network: object) -> iaas.Stack:
    stack = web_tier(image_file)
    stack.add(
        iaas.Instance(
            name="idle",
            image="${image.tiny}",
            flavor="m1.tiny",
            power_state="stopped",
            nics=[iaas.Nic(network="${network.web}")],
        )
    )
    old = stack.resources["network.web"]
    stack.resources["network.web"] = attrs.evolve(old, inputs={**old.inputs, **network})
    return stack


def test_a_restarting_edit_names_the_running_guests_on_every_host_and_a_live_edit_none(
    tmp_path: Path, image_file: Path
) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path, underlay=True)) as engine:
        engine.apply(_edited(image_file))
        hosts = {n: engine.resources()[f"instance.{n}"].outputs["host"] for n in ("web-1", "web-2")}
        assert set(hosts.values()) == {"ho1", "ho2"}

        restart = engine.plan(_edited(image_file, domain="web.test"))
        change = restart.changes["network.web"]
        assert change.action == "update" and [c.update for c in change.changes] == ["offline"]
        where = "; ".join(f"{name} on host {host}" for name, host in sorted(hosts.items(), key=lambda i: i[1]))
        assert change.notes == [f"restarts the network: running guests lose connectivity for a moment: {where}"]
        text = render_plan(restart)
        assert f"# {change.notes[0]}" in text and "# needs a restart" in text
        assert "idle" not in text  # a stopped guest loses nothing
        save_plan(restart, tmp_path / "restart.plan")
        saved = json.loads((tmp_path / "restart.plan").read_text())
        assert saved["plan"]["changes"]["network.web"]["notes"] == change.notes

        live = engine.plan(_edited(image_file, dhcp_end="10.20.0.99", dns_hosts={"db": "10.20.0.5"}))
        change = live.changes["network.web"]
        assert change.action == "update" and {c.update for c in change.changes} == {"live"}
        assert change.notes == [] and "needs a restart" not in render_plan(live)
        engine.apply(live)
        net = engine.resources()["network.web"]
        own = engine.cloud.hosts[net.outputs["host"]].get_network(net.id)
        assert own.spec.dhcp_end == "10.20.0.99" and own.spec.dns_hosts == (("10.20.0.5", ("db",)),)
        assert engine.plan(_edited(image_file, dhcp_end="10.20.0.99", dns_hosts={"db": "10.20.0.5"})).empty
        engine.destroy()


def test_a_nic_removed_from_a_running_instance_takes_its_host_out_of_the_network(
    tmp_path: Path, image_file: Path
) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path, underlay=True)) as engine:
        stack = web_tier(image_file)
        engine.apply(stack)
        net = engine.resources()["network.web"]
        home = net.outputs["host"]
        away = next(n for n in ("web-1", "web-2") if engine.resources()[f"instance.{n}"].outputs["host"] != home)
        other = engine.resources()[f"instance.{away}"].outputs["host"]
        assert engine.cloud.hosts[other].get_network(net.id) is not None  # joined for that instance
        stack.add(iaas.Network(name="own", cidr="10.21.0.0/24", mode="isolated", host=other))
        old = stack.resources[f"instance.{away}"]
        stack.resources[f"instance.{away}"] = attrs.evolve(
            old,
            inputs={**old.inputs, "nics": [{"network": iaas.Reference("network", "own")}], "wait_for_address": False},
        )
        plan = engine.plan(stack)
        assert plan.changes[f"instance.{away}"].action == "update"
        engine.apply(plan)
        assert engine.resources()[f"instance.{away}"].outputs["host"] == other  # the same guest, still running
        assert engine.cloud.hosts[other].get_network(net.id) is None  # no guest there uses the network any more
        assert engine.cloud.hosts[home].get_network(net.id) is not None
        engine.destroy()
