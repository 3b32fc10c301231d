"""``iaas state list|show|rm|history|pull``, ``taint`` and ``untaint``."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import ADDRESSES, Runner


def test_state_list(applied: Runner) -> None:
    result = applied("state", "list")
    assert result.code == 0
    assert result.out.split() == ADDRESSES
    listed = json.loads(applied("state", "list", "--json").out)
    assert sorted(listed) == ADDRESSES
    assert listed["network.lan"]["kind"] == "network"
    assert listed["network.lan"]["status"] == "ready"
    assert listed["network.lan"]["id"]


def test_state_list_of_an_empty_stack(iaas: Runner) -> None:
    result = iaas("state", "list")
    assert (result.code, result.out) == (0, "")


def test_state_show_masks_secrets(applied: Runner) -> None:
    result = applied("state", "show", "instance.vm")
    assert result.code == 0
    shown = json.loads(result.out)
    assert shown["address"] == "instance.vm"
    assert shown["inputs"]["user_data"] == "(sensitive value)"
    assert "hunter2" not in result.out
    assert shown["inputs"]["flavor"] == "m1.tiny"
    assert shown["outputs"]["ip_address"] == "10.60.0.10"
    assert sorted(shown["dependencies"]) == ["image.tiny", "key_pair.admin", "network.lan"]


def test_state_show_unknown_address(applied: Runner) -> None:
    result = applied("state", "show", "network.nope")
    assert result.code == 1
    assert "network.nope is not in the state of stack 't'" in result.err


def test_state_rm_forgets_without_deleting(applied: Runner) -> None:
    result = applied("state", "rm", "key_pair.admin")
    assert result.code == 0
    assert "Removed key_pair.admin from the state; the cloud object was left as it is." in result.out
    assert "key_pair.admin" not in applied("state", "list").out
    plan = applied("plan")  # the object keeps its name in the cloud: a second key pair of that name is refused
    assert plan.code == 1 and "key_pair name 'admin' is already used" in plan.err
    assert "which no stack manages (import it)" in plan.err
    again = applied("state", "rm", "key_pair.admin")
    assert again.code == 1
    assert "not in the state" in again.err


def test_state_history(applied: Runner) -> None:
    assert applied("destroy", "--auto-approve", "--target", "key_pair.admin").code == 0
    lines = applied("state", "history").out.splitlines()
    assert len(lines) == 2
    newest, oldest = lines
    assert "destroy" in newest and "succeeded" in newest and '"delete": 2' in newest
    assert "apply" in oldest and "succeeded" in oldest and '"create": 4' in oldest


def test_state_pull_is_the_whole_state_as_json(applied: Runner) -> None:
    result = applied("state", "pull")
    assert result.code == 0
    state = json.loads(result.out)
    assert state["stack"] == "t"
    assert sorted(r["address"] for r in state["resources"]) == ADDRESSES
    assert state["outputs"]["ip"] == "10.60.0.10"
    assert state["serial"] >= 1 and state["lineage"]


def test_taint_then_plan_replaces(applied: Runner) -> None:
    result = applied("taint", "network.lan")
    assert result.code == 0
    assert "network.lan will be replaced on the next apply." in result.out
    assert "network.lan  (tainted)" in applied("state", "list").out
    plan = applied("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "# network.lan must be replaced (tainted)" in plan.out
    assert applied("apply", "--auto-approve").code == 0
    assert "tainted" not in applied("state", "list").out
    assert applied("plan", "--detailed-exitcode").code == 0


def test_untaint(applied: Runner) -> None:
    assert applied("taint", "network.lan").code == 0
    result = applied("untaint", "network.lan")
    assert result.code == 0
    assert "network.lan is no longer tainted." in result.out
    assert applied("plan", "--detailed-exitcode").code == 0


def test_taint_unknown_address(applied: Runner) -> None:
    result = applied("taint", "network.nope")
    assert result.code == 1
    assert "network.nope is not in the state of stack 't'" in result.err


def test_lost_state_is_refused_then_recovered(applied: Runner, home: Path) -> None:
    for path in home.glob("state.db*"):
        path.unlink()
    for command in (("plan",), ("apply", "--auto-approve"), ("destroy", "--auto-approve")):
        result = applied(*command)
        assert result.code == 1, result.out
        assert "Traceback" not in result.err
        assert "does not record" in result.err and "iaas state recover" in result.err
        for address in ADDRESSES:
            assert address in result.err
    result = applied("state", "recover")
    assert result.code == 0, result.err
    assert "4 object(s) adopted" in result.out
    plan = applied("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes" in plan.out
    assert applied("state", "recover").out.startswith("The state already records")
