"""Errors: a clean message and exit 1, never a traceback; bugs still fail loudly; the real entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import iaas.cli
from iaas.errors import HostError, IaasError

from .conftest import Runner, run_module, subprocess_env


def test_usage_errors_exit_2(iaas: Runner) -> None:
    with pytest.raises(SystemExit) as exc:
        iaas("plan", "--no-such-flag")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        iaas("state", "show")  # the address is missing
    assert exc.value.code == 2


@pytest.mark.parametrize("error", [IaasError("boom"), HostError("h1", "define network", "boom")])
def test_iaas_errors_print_one_message(iaas: Runner, monkeypatch: pytest.MonkeyPatch, error: IaasError) -> None:
    def fail(*_args: object) -> int:
        raise error

    monkeypatch.setattr(iaas_commands(), "run", fail)
    result = iaas("plan")
    assert result.code == 1
    assert result.err == f"Error: {error}\n"
    assert result.out == ""


def test_a_bug_is_not_hidden(iaas: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_args: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(iaas_commands(), "run", crash)
    with pytest.raises(ZeroDivisionError):
        iaas("plan")


def test_a_bug_exits_non_zero_with_its_traceback(project: Path, home: Path) -> None:
    code = (
        "import runpy, iaas.cli.commands as c\n"
        "def crash(*a): raise ZeroDivisionError('a bug')\n"
        "c.run = crash\n"
        "runpy.run_module('iaas.cli', run_name='__main__', alter_sys=True)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "plan", "--home", str(home)],
        cwd=project,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "ZeroDivisionError: a bug" in proc.stderr
    assert "Traceback" in proc.stderr


def test_plan_out_to_an_unwritable_place(iaas: Runner, tmp_path: Path) -> None:
    result = iaas("plan", "-out", str(tmp_path / "no" / "such" / "dir" / "tf.plan"))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "Error: cannot save the plan to " in result.err
    assert "tf.plan: No such file or directory" in result.err


def test_home_that_cannot_be_made_prints_one_message(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert iaas.cli.main(["plan", "--home", str(blocker / "home")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert "a-file" in err
    assert "Traceback" not in err


def test_entry_point_runs_as_a_module(project: Path, home: Path) -> None:
    proc = run_module("validate", "--home", str(home), cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "The stack 't' is valid" in proc.stdout
    proc = run_module("plan", "--detailed-exitcode", "--home", str(home), cwd=project)
    assert proc.returncode == 2, proc.stderr
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in proc.stdout
    proc = run_module("apply", "--home", str(home), cwd=project)  # stdin is not a terminal
    assert proc.returncode == 1
    assert "pass --auto-approve" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_entry_point_help(project: Path) -> None:
    proc = run_module("--help", cwd=project)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: iaas")
    for command in ("validate", "plan", "apply", "destroy", "refresh", "import", "output", "graph", "state"):
        assert command in proc.stdout


def iaas_commands() -> object:
    """The module whose ``run`` dispatches a parsed command line (loaded by the CLI only once its arguments parse)."""
    import iaas.cli.commands

    return iaas.cli.commands


def test_a_yaml_bomb_and_a_file_that_is_not_utf8_are_refused_without_a_traceback(iaas: Runner, project: Path) -> None:
    from tests.test_yamlfile import LAUGHS

    (project / "stack.yaml").write_text(LAUGHS)
    for command in ("validate", "plan", "apply"):
        result = iaas(command, "--auto-approve") if command == "apply" else iaas(command)
        assert result.code == 1
        assert result.err.startswith("Error: stack.yaml:8: not valid YAML/JSON: aliases expand to more than"), (
            result.err
        )
    (project / "stack.yaml").write_bytes(b"stack: t\nresources:\n  network:\n    n\xe9t: {cidr: 10.0.0.0/24}\n")
    result = iaas("validate")
    assert (result.code, result.err) == (1, "Error: stack.yaml:4: not UTF-8 text: byte 0xe9 cannot be decoded\n")


def _bad_stack(project: Path) -> None:
    (project / "stack.yaml").write_text("stack: t\nresources:\n  volume:\n    ../../etc: {size_gib: 1}\n")


@pytest.mark.parametrize(("flag", "env"), [("--no-color", None), (None, "1")])
def test_no_color_and_NO_COLOR_leave_no_escape_sequence_on_errors_and_notes(
    iaas: Runner, project: Path, monkeypatch: pytest.MonkeyPatch, flag: str | None, env: str | None
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # style as on a terminal
    if env is not None:
        monkeypatch.setenv("NO_COLOR", env)
    result = iaas("output", *([flag] if flag else []))  # a note: nothing applied yet
    assert "No outputs found" in result.err and "\x1b" not in result.err, repr(result.err)
    _bad_stack(project)
    result = iaas("validate", *([flag] if flag else []))
    assert result.code == 1
    assert result.err.startswith("Error: stack.yaml:4: volume.../../etc.name: invalid name '../../etc'"), result.err
    assert "\x1b" not in result.err, repr(result.err)


def test_colour_stays_when_asked_for(iaas: Runner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    _bad_stack(project)
    assert "\x1b[1;31mError:" in iaas("validate").err


def test_control_characters_from_the_stack_file_are_escaped_on_the_terminal(iaas: Runner, project: Path) -> None:
    (project / "stack.yaml").write_text(
        'stack: t\nresources:\n  security_group:\n    sg: {description: "hi\\e]0;pwned\\a\\e[2J"}\n'
        '  volume:\n    "v\\e[31m": {size_gib: 1}\n'
    )
    result = iaas("plan")
    assert result.code == 1
    assert "\x1b" not in result.err and "volume.v\\x1b[31m.name: invalid name 'v\\x1b[31m'" in result.err, result.err
    (project / "stack.yaml").write_text(
        'stack: t\nresources:\n  security_group:\n    sg: {description: "hi\\e]0;pwned\\a\\e[2J"}\n'
    )
    result = iaas("plan")
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert "pwned" in result.out
