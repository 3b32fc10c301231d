"""``iaas apply``, ``destroy`` and ``output``: confirmation, progress, results."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from .conftest import ADDRESSES, Runner


class FakeTerminal(io.StringIO):
    """Standard input that claims to be a terminal, with the user's answer in it."""

    def isatty(self) -> bool:
        return True


def test_apply_without_a_terminal_refuses_and_changes_nothing(iaas: Runner, home: Path) -> None:
    result = iaas("apply")
    assert result.code == 1
    assert "Plan: 4 to add" in result.out  # the plan is shown first
    assert "not asking for confirmation without a terminal: pass --auto-approve" in result.err
    assert "Traceback" not in result.err
    assert iaas("state", "list").out == ""
    assert iaas("plan", "--detailed-exitcode").code == 2


def test_destroy_without_a_terminal_refuses(applied: Runner) -> None:
    result = applied("destroy")
    assert result.code == 1
    assert "pass --auto-approve" in result.err
    assert applied("state", "list").out.split() == ADDRESSES


def test_apply_asks_and_yes_applies(iaas: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", FakeTerminal("yes\n"))
    result = iaas("apply")
    assert result.code == 0, result.err
    assert "Do you really want to perform these actions?" in result.out
    assert "Apply complete!" in result.out


@pytest.mark.parametrize("answer", ["no\n", "y\n", ""])
def test_apply_asks_and_anything_but_yes_cancels(iaas: Runner, monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    monkeypatch.setattr("sys.stdin", FakeTerminal(answer))
    result = iaas("apply")
    assert result.code == 1
    assert "cancelled" in result.err.lower()
    assert "Traceback" not in result.err
    assert iaas("state", "list").out == ""


def test_apply_auto_approve_prints_progress_and_outputs(iaas: Runner) -> None:
    result = iaas("apply", "--auto-approve")
    assert result.code == 0, result.err
    for address in ADDRESSES:
        assert f"{address}: Create..." in result.out
        assert f"{address}: created" in result.out
    assert "Apply complete! Resources: 4 added, 0 changed, 0 destroyed" in result.out
    assert 'ip = "10.60.0.10"' in result.out
    assert "Outputs:" in result.out
    assert "the cloud is simulated" in result.err


def test_a_failed_step_keeps_what_finished(iaas: Runner, project: Path) -> None:
    assert iaas("plan", "-out", "tf.plan").code == 0
    (project / "tiny.qcow2").unlink()  # the image's source is gone by the time the plan is applied
    result = iaas("apply", "tf.plan")
    assert result.code == 1
    assert "image.tiny: failed: image.tiny.source: no such file" in result.err
    assert "instance.vm: skipped (a dependency failed)" in result.err
    assert "Error: 1 resource(s) failed:" in result.err
    assert "1 dependent resource(s) skipped: instance.vm" in result.err
    assert "2 step(s) finished and were saved; fix the problem and apply again." in result.out
    assert "Traceback" not in result.err
    assert iaas("state", "list").out.split() == ["key_pair.admin", "network.lan"]
    assert "failed" in iaas("state", "history").out


def test_interrupt_exits_130(iaas: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("iaas.cli.commands.run", interrupt)
    result = iaas("apply", "--auto-approve")
    assert result.code == 130
    assert "interrupted; finished steps are saved" in result.err


def test_apply_with_nothing_to_do(applied: Runner) -> None:
    result = applied("apply", "--auto-approve")
    assert result.code == 0
    assert "No changes." in result.out
    assert "Apply complete!" not in result.out


def test_apply_of_a_changed_stack_updates_in_place(applied: Runner, project: Path) -> None:
    (project / "stack.yaml").write_text((project / "stack.yaml").read_text().replace("m1.tiny", "m1.small"))
    plan = applied("plan")
    assert "# instance.vm will be updated in place" in plan.out
    assert "needs a restart" in plan.out
    result = applied("apply", "--auto-approve")
    assert result.code == 0, result.err
    assert "instance.vm: Update..." in result.out
    assert "Resources: 0 added, 1 changed, 0 destroyed" in result.out


def test_destroy_removes_everything(applied: Runner) -> None:
    result = applied("destroy", "--auto-approve")
    assert result.code == 0, result.err
    for address in ADDRESSES:
        assert f"# {address} will be destroyed" in result.out
        assert f"{address}: deleted" in result.out
    assert "Destroy complete! Resources: 4 destroyed" in result.out
    assert applied("state", "list").out == ""
    assert json.loads(applied("output", "--json").out) == {}
    assert applied("plan", "--detailed-exitcode").code == 2  # everything would be created again


def test_destroy_twice_has_nothing_to_do(applied: Runner) -> None:
    assert applied("destroy", "--auto-approve").code == 0
    assert applied("plan", "--destroy", "--detailed-exitcode").code == 0


def test_targeted_destroy_takes_the_dependents_along(applied: Runner) -> None:
    result = applied("destroy", "--auto-approve", "--target", "network.lan")
    assert result.code == 0, result.err
    assert "Destroy complete! Resources: 2 destroyed" in result.out
    assert applied("state", "list").out.split() == ["image.tiny", "key_pair.admin"]


def test_destroy_without_a_stack_file(applied: Runner, project: Path) -> None:
    (project / "stack.yaml").unlink()
    result = applied("destroy", "--auto-approve", "--stack", "t")
    assert result.code == 0, result.err
    assert "Destroy complete! Resources: 4 destroyed" in result.out


def test_output_all_one_and_json(applied: Runner) -> None:
    result = applied("output")
    assert result.code == 0
    assert result.out.splitlines() == ['addresses = ["10.60.0.10"]', 'gateway = "10.60.0.1"', 'ip = "10.60.0.10"']
    assert applied("output", "ip").out == "10.60.0.10\n"  # a string alone prints raw, for scripts
    assert applied("output", "ip", "--json").out == '"10.60.0.10"\n'
    assert applied("output", "addresses").out == '["10.60.0.10"]\n'
    assert json.loads(applied("output", "--json").out) == {
        "addresses": ["10.60.0.10"],
        "gateway": "10.60.0.1",
        "ip": "10.60.0.10",
    }


def test_output_of_a_stack_not_applied(iaas: Runner) -> None:
    result = iaas("output")
    assert (result.code, result.out) == (0, "")
    assert "No outputs found" in result.err
    assert iaas("output", "--json").out == "{}\n"


def test_output_unknown_name(applied: Runner) -> None:
    result = applied("output", "nope")
    assert result.code == 1
    assert "no output named 'nope'" in result.err
