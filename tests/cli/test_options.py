"""Options every command shares: the stack file, the stack name, the home, the state, the environment."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

import iaas
from iaas.cli import _SUBCOMMANDS, build_parser, command_word, main
from iaas.model import KINDS

from .conftest import Runner


def test_stack_file_is_found_under_its_other_names(iaas: Runner, project: Path) -> None:
    (project / "stack.yaml").rename(project / "stack.yml")
    assert iaas("validate").code == 0


def test_stack_option_overrides_the_file(iaas: Runner) -> None:
    assert iaas("apply", "--auto-approve", "--stack", "other").code == 0
    assert iaas("state", "list").out == ""  # stack 't' has nothing
    assert len(iaas("state", "list", "--stack", "other").out.split()) == 4


def test_state_option_puts_the_state_elsewhere(iaas: Runner, tmp_path: Path, home: Path) -> None:
    state = tmp_path / "elsewhere.db"
    assert iaas("apply", "--auto-approve", "--state", str(state)).code == 0
    assert state.exists()
    assert not (home / "state.db").exists()
    assert len(iaas("state", "list", "--state", str(state)).out.split()) == 4


def test_home_from_the_environment(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IAAS_HOME", str(tmp_path / "env-home"))
    assert main(["apply", "--auto-approve"]) == 0
    assert (tmp_path / "env-home" / "state.db").exists()
    assert not (project / ".iaas").exists()
    capsys.readouterr()
    assert main(["state", "list"]) == 0
    assert len(capsys.readouterr().out.split()) == 4


def test_default_home_is_dot_iaas_in_the_current_directory(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply", "--auto-approve", "--target", "network.lan"]) == 0
    assert (project / ".iaas" / "state.db").exists()
    assert (project / ".iaas" / "hosts" / "default.db").exists()


def test_no_color_output_is_plain(iaas: Runner) -> None:
    result = iaas("plan", "--no-color")
    assert "\x1b[" not in result.out and "\x1b[" not in result.err


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["plan", "--no-such-option"]])
def test_version_help_and_usage_errors_load_neither_the_engine_nor_libvirt(argv: list[str]) -> None:
    # Start-up cost is what a user feels on every command: these answers must not wait for the cloud's libraries.
    code = (
        "import sys\n"
        "from iaas.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('libvirt', 'rich', 'yaml', 'iaas.engine', 'iaas.cloud') if m in sys.modules)\n"
        "print('loaded:', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert "loaded: []" in done.stderr, done.stderr
    if argv == ["--version"]:
        assert done.stdout.strip() == f"iaas {iaas.__version__}"


def test_validate_loads_neither_the_apply_machinery_nor_the_cloud_nor_rich(project: Path) -> None:
    # Checking a stack touches nothing: it must not pay for the cloud's libraries, the state store or the terminal.
    code = (
        "import sys\n"
        "from iaas.cli import main\n"
        "code = main(['validate', '--no-color'])\n"
        "heavy = ('libvirt', 'rich', 'jinja2', 'cattrs', 'sqlite3', 'iaas.engine.apply', 'iaas.engine.engine',\n"
        "         'iaas.cloud', 'iaas.state', 'iaas.drivers')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules), code, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False, cwd=project
    )
    assert "loaded: [] 0" in done.stderr, done.stderr
    assert "is valid" in done.stdout


_OTHER_KINDS = tuple(f"iaas.model.{kind}" for kind in KINDS if kind != "key_pair")


def test_a_plan_of_key_pairs_loads_neither_libvirt_nor_the_other_kinds(tmp_path: Path) -> None:
    # A stack of inventory-only kinds on the simulated host never uses a host: its plan must not pay for libvirt,
    # nor for the kinds, the scheduler, the walker or the threads it does not use (a tenth of its start-up).
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d t@iaas"
    (tmp_path / "stack.yaml").write_text(f"stack: keys\nresources:\n  key_pair:\n    k1: {{public_key: {key}}}\n")
    home = str(tmp_path / "home")
    code = (
        "import sys\n"
        "from iaas.cli import main\n"
        f"code = main(['plan', '--detailed-exitcode', '--no-color', '--home', {home!r}])\n"
        f"heavy = ('libvirt', 'iaas.drivers.libvirt.host', *{_OTHER_KINDS!r}, 'iaas.cloud.scheduler',\n"
        "         'iaas.graph.walker', 'concurrent.futures', 'socket', 'hashlib')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules), code, file=sys.stderr)\n"
    )
    for applied in (False, True):
        if applied:
            assert (
                main(["apply", "--auto-approve", "--no-color", "--home", home, "-f", str(tmp_path / "stack.yaml")]) == 0
            )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
        )
        assert f"loaded: [] {0 if applied else 2}" in done.stderr, done.stderr


def _declared(parser: argparse.ArgumentParser) -> list[tuple[object, ...]]:
    """Everything a parser declares, its subcommands' parsers included, as comparable values."""
    found: list[tuple[object, ...]] = []
    for action in parser._actions:
        found.append(
            (
                type(action).__name__,
                action.dest,
                tuple(action.option_strings),
                action.nargs,
                action.default,
                action.type,
                action.choices if not isinstance(action, argparse._SubParsersAction) else None,
                action.required,
                action.help,
                action.metavar,
            )
        )
        if isinstance(action, argparse._SubParsersAction):
            found += [(name, *_declared(sub)) for name, sub in action.choices.items()]
    return found


@pytest.mark.parametrize("command", sorted(_SUBCOMMANDS))
def test_a_command_line_declares_only_its_subcommand_and_parses_the_same(command: str) -> None:
    # `iaas plan` need not declare the other subcommands' two hundred options first (a twentieth of its start-up).
    narrow = build_parser(command_word(["-v", command, "--help"]))
    (full_sub,) = (a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    (narrow_sub,) = (a for a in narrow._actions if isinstance(a, argparse._SubParsersAction))
    assert list(narrow_sub.choices) == [command]
    assert _declared(narrow_sub.choices[command]) == _declared(full_sub.choices[command])
    assert narrow.format_usage() == build_parser().format_usage()


@pytest.mark.parametrize("argv", [[], ["--help"], ["-v"], ["no-such-command"], ["--no-such-option"]])
def test_a_command_line_naming_no_subcommand_gets_them_all(argv: list[str]) -> None:
    assert command_word(argv) is None
