"""``iaas validate``, ``plan`` (saved plans, exit codes, targeting, replacement) and ``graph``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from iaas.cli import COMPACT_ABOVE, main

from .conftest import ADDRESSES, PUBLIC_KEY, Runner

BAD = """\
stack: bad
resources:
  network:
    lan:
      cidr: 10.0.0.0/33
  instance:
    vm:
      flavor: m1 huge  # malformed: an unknown but well-formed name is the cloud's to refuse, at plan
      image: ${image.nope}
"""


def test_validate_ok(iaas: Runner, home: Path) -> None:
    result = iaas("validate")
    assert result.code == 0
    assert "'t' is valid: 4 resource(s)" in result.out
    assert not (home / "state.db").exists()  # validate touches nothing


def test_validate_names_file_line_resource_and_field(iaas: Runner, project: Path) -> None:
    (project / "bad.yaml").write_text(BAD)
    result = iaas("validate", "-f", "bad.yaml")
    assert result.code == 1
    assert result.out == ""
    assert "Error: 3 problems:" in result.err
    assert "bad.yaml:5: network.lan.cidr: invalid IPv4 CIDR '10.0.0.0/33'" in result.err  # the field's own line
    assert "bad.yaml:8: instance.vm.flavor: invalid flavor name 'm1 huge'" in result.err
    assert "bad.yaml:7: instance.vm: refers to image.nope, which is not declared" in result.err  # the resource
    assert "Traceback" not in result.err


def test_validate_yaml_syntax_error(iaas: Runner, project: Path) -> None:
    (project / "broken.yaml").write_text("stack: x\nresources:\n  network: [\n")
    result = iaas("validate", "-f", "broken.yaml")
    assert result.code == 1
    assert result.err.startswith("Error: broken.yaml:")
    assert "not valid YAML/JSON" in result.err


def test_no_stack_file(iaas: Runner, project: Path) -> None:
    (project / "stack.yaml").unlink()
    result = iaas("plan")
    assert result.code == 1
    assert "no stack file: pass -f FILE" in result.err


def test_plan_on_empty_state_shows_creates(iaas: Runner) -> None:
    result = iaas("plan")
    assert result.code == 0
    for address in ADDRESSES:
        assert f"# {address} will be created" in result.out
    assert '+ instance "vm" {' in result.out
    assert re.search(r"\+ user_data +?= \(sensitive value\)", result.out)
    assert "hunter2" not in result.out
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in result.out


def test_plan_detailed_exitcode(iaas: Runner) -> None:
    assert iaas("plan", "--detailed-exitcode").code == 2
    assert iaas("apply", "--auto-approve").code == 0
    result = iaas("plan", "--detailed-exitcode")
    assert result.code == 0
    assert "No changes." in result.out
    assert iaas("plan").code == 0  # without the flag, changes or not, success is 0


def test_plan_detailed_exitcode_error_is_1(iaas: Runner, project: Path) -> None:
    (project / "bad.yaml").write_text(BAD)
    assert iaas("plan", "--detailed-exitcode", "-f", "bad.yaml").code == 1


def test_saved_plan_applies_exactly_that_plan_once(iaas: Runner, project: Path) -> None:
    result = iaas("plan", "-out", "tf.plan")
    assert result.code == 0
    assert "Saved the plan to tf.plan" in result.out
    (project / "stack.yaml").write_text((project / "stack.yaml").read_text().replace("m1.tiny", "m1.small"))
    applied = iaas("apply", "tf.plan")  # no question asked: the saved plan was the approval
    assert applied.code == 0, applied.err
    assert "Apply complete! Resources: 4 added, 0 changed, 0 destroyed" in applied.out
    state = iaas("state", "show", "instance.vm")
    assert '"flavor": "m1.tiny"' in state.out  # the plan's flavor, not the edited file's
    again = iaas("apply", "tf.plan")
    assert again.code == 1
    assert "stale" in again.err
    assert "Traceback" not in again.err


def test_saved_plan_is_refused_by_another_state(
    iaas: Runner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert iaas("plan", "-out", "tf.plan").code == 0
    assert main(["apply", "tf.plan", "--home", str(tmp_path / "elsewhere")]) == 1
    assert "another state" in capsys.readouterr().err
    assert iaas("apply", "tf.plan").code == 0


def test_saved_plan_for_another_state_says_so(iaas: Runner, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert iaas("plan", "-out", "tf.plan").code == 0
    assert main(["apply", "tf.plan", "--home", str(tmp_path / "elsewhere")]) == 1
    err = capsys.readouterr().err
    assert "different state" in err or "lineage" in err


def test_saved_plan_file_is_private(iaas: Runner, project: Path) -> None:
    assert iaas("plan", "-out", "tf.plan").code == 0
    assert (project / "tf.plan").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("option", [["--target", "network.lan"], ["--replace", "network.lan"], ["--no-refresh"]])
def test_planning_options_with_a_saved_plan_are_refused(iaas: Runner, option: list[str]) -> None:
    assert iaas("plan", "-out", "tf.plan").code == 0
    result = iaas("apply", "tf.plan", *option)
    assert result.code == 1
    assert f"{option[0]} cannot be used with a saved plan" in result.err
    assert iaas("state", "list").out == ""  # nothing was applied
    assert iaas("apply", "tf.plan").code == 0


def test_apply_of_a_file_that_is_no_plan(iaas: Runner, project: Path) -> None:
    (project / "junk.plan").write_text("{}")
    result = iaas("apply", "junk.plan")
    assert result.code == 1
    assert "junk.plan: not an iaas plan file" in result.err
    missing = iaas("apply", "missing.plan")
    assert missing.code == 1
    assert "missing.plan: cannot read plan file" in missing.err


def test_target_limits_the_plan_to_the_resource_and_its_dependencies(iaas: Runner) -> None:
    result = iaas("plan", "--target", "network.lan")
    assert result.code == 0
    assert "# network.lan will be created" in result.out
    assert "instance.vm" not in result.out
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in result.out
    assert "Warning: --target is in effect" in result.err
    result = iaas("plan", "--target", "instance.vm")
    assert "Plan: 4 to add" in result.out


def test_targeted_apply(iaas: Runner) -> None:
    result = iaas("apply", "--auto-approve", "--target", "key_pair.admin")
    assert result.code == 0
    assert "Apply complete! Resources: 1 added" in result.out
    assert "Warning: --target is in effect" in result.err
    assert iaas("state", "list").out.split() == ["key_pair.admin"]
    assert "Warning" not in iaas("plan").err


def test_unknown_target_is_an_error(iaas: Runner) -> None:
    result = iaas("plan", "--target", "network.nope")
    assert result.code == 1
    assert "network.nope: target is neither declared nor in the state" in result.err


def test_replace_forces_a_replacement(applied: Runner) -> None:
    result = applied("plan", "--replace", "key_pair.admin", "--detailed-exitcode")
    assert result.code == 2
    assert "# key_pair.admin must be replaced (replacement requested)" in result.out
    assert "# instance.vm must be replaced" in result.out  # its key pair is one that forces replacement
    assert "Plan: 2 to add, 0 to change, 2 to destroy." in result.out
    result = applied("apply", "--auto-approve", "--replace", "key_pair.admin")
    assert result.code == 0
    assert "Resources: 2 added, 0 changed, 2 destroyed" in result.out
    assert applied("plan", "--detailed-exitcode").code == 0


def test_unknown_replace_address_is_an_error(applied: Runner) -> None:
    result = applied("plan", "--replace", "network.typo")
    assert result.code == 1
    assert "network.typo" in result.err


def test_graph_dot(iaas: Runner) -> None:
    result = iaas("graph")
    assert result.code == 0
    out = result.out
    assert out.startswith("digraph {")
    for address in ADDRESSES:
        assert f'label="{address}"' in out
    assert out.count("->") == 3  # the instance depends on the image, the key pair and the network


def test_graph_mermaid(iaas: Runner) -> None:
    result = iaas("graph", "--format", "mermaid")
    assert result.code == 0
    assert result.out.startswith("flowchart")
    assert '["instance.vm"]' in result.out
    assert result.out.count("-->") == 3


def test_graph_of_an_invalid_stack(iaas: Runner, project: Path) -> None:
    (project / "bad.yaml").write_text(BAD)
    result = iaas("graph", "-f", "bad.yaml")
    assert result.code == 1
    assert "image.nope" in result.err


@pytest.mark.parametrize("how", ["move", "copy"])
def test_a_moved_or_copied_project_plans_no_change(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    assert main(["apply", "--auto-approve"]) == 0  # state and embedded cloud in the project's own .iaas
    assert main(["state", "show", "image.tiny"]) == 0
    assert '"source": "./tiny.qcow2"' in capsys.readouterr().out  # as the stack file says
    elsewhere = tmp_path / "elsewhere" / "project"
    elsewhere.parent.mkdir()
    (shutil.move if how == "move" else shutil.copytree)(project, elsewhere)
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert main(["plan", "--detailed-exitcode"]) == 0, capsys.readouterr().out
    assert main(["plan", "--detailed-exitcode", "-f", str(elsewhere / "stack.yaml")]) == 0
    monkeypatch.chdir(tmp_path)  # from another folder too: the path is relative to the stack file
    assert (
        main(["plan", "--detailed-exitcode", "-f", str(elsewhere / "stack.yaml"), "--home", str(elsewhere / ".iaas")])
        == 0
    )


def test_a_state_holding_the_absolute_path_plans_no_change(iaas: Runner, project: Path) -> None:
    (project / "stack.yaml").write_text(
        (project / "stack.yaml").read_text().replace("./tiny.qcow2", str(project / "tiny.qcow2"))
    )
    assert iaas("apply", "--auto-approve").code == 0
    (project / "stack.yaml").write_text(
        (project / "stack.yaml").read_text().replace(str(project / "tiny.qcow2"), "./tiny.qcow2")
    )
    result = iaas("plan", "--detailed-exitcode")
    assert result.code == 0, result.out


def _key_pairs(project: Path, n: int) -> None:
    body = "".join(f"    k{i}: {{public_key: {PUBLIC_KEY}}}\n" for i in range(n))
    (project / "stack.yaml").write_text(f"stack: t\nresources:\n  key_pair:\n{body}")


def test_a_large_plan_is_shown_one_line_per_resource(iaas: Runner, project: Path) -> None:
    _key_pairs(project, COMPACT_ABOVE + 1)
    result = iaas("plan")
    assert result.code == 0, result.err
    assert "  + key_pair.k0\n" in result.out and "public_key" not in result.out
    assert f"Plan: {COMPACT_ABOVE + 1} to add, 0 to change, 0 to destroy." in result.out
    assert "pass --no-compact to see every field" in result.err
    full = iaas("plan", "--no-compact")
    assert '+ key_pair "k0" {' in full.out and "+ public_key" in full.out and "--no-compact" not in full.err


def test_a_small_plan_is_shown_whole_unless_compact_is_asked_for(iaas: Runner) -> None:
    assert "+ public_key" in iaas("plan").out
    result = iaas("plan", "--compact")
    assert [ln for ln in result.out.splitlines() if ln.startswith("  +")] == [f"  + {a}" for a in ADDRESSES]
    assert "--no-compact" not in result.err


def test_a_compact_plan_names_the_fields_of_an_update(applied: Runner, project: Path) -> None:
    stack = project / "stack.yaml"
    stack.write_text(stack.read_text().replace("cidr: 10.60.0.0/24", "cidr: 10.60.0.0/24\n      mtu: 1400"))
    result = applied("plan", "--compact")
    note = "restarts the network: running guests lose connectivity for a moment: vm on host default"
    assert re.search(rf"^\s+~ network\.lan \(mtu\)  # {note}$", result.out, re.M), result.out
