"""The ``iaas`` command: plan, apply, destroy, refresh, import, state, output, graph.

Exit codes follow Terraform: 0 success, 1 error; ``plan --detailed-exitcode``
returns 2 when the plan has changes.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from iaas.api import __version__
from iaas.cli import console, hosts, snapshots

if TYPE_CHECKING:
    _Sub = argparse._SubParsersAction[argparse.ArgumentParser]

DEFAULT_FILES = ("stack.yaml", "stack.yml", "stack.json", "iaas.yaml")

COMPACT_ABOVE = 200
"""Plans with more changes than this are shown one line per resource unless ``--no-compact`` is given."""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--file", help="stack file (default: stack.yaml in the current directory)")
    p.add_argument("--stack", help="stack name (default: the file's 'stack' key, else its name)")
    p.add_argument(
        "--home",
        default=os.environ.get("IAAS_HOME", ".iaas"),
        help="directory of the embedded cloud and state (default: .iaas, or $IAAS_HOME)",
    )
    p.add_argument(
        "--cloud",
        default=os.environ.get("IAAS_CLOUD"),
        help="cloud config file listing the hosts (default: $IAAS_CLOUD, else the embedded simulated host)",
    )
    p.add_argument(
        "--state",
        default=os.environ.get("IAAS_STATE"),
        help="state file or URL, e.g. postgresql://user@host/db (default: $IAAS_STATE, else $IAAS_DATABASE_URL, "
        "else the cloud config's database, else <home>/state.db)",
    )
    p.add_argument(
        "--lock-timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another operation's lock (default: 0)",
    )
    p.add_argument("--no-color", action="store_true", help="plain output, without colour or bold (as $NO_COLOR does)")


def _planning(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="limit to this resource and what it depends on (repeatable)",
    )
    p.add_argument(
        "--replace",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="replace this resource even if it has not changed (repeatable)",
    )
    p.add_argument(
        "--refresh",
        dest="refresh",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="read every recorded object from the cloud first (default: on)",
    )
    p.add_argument("--parallelism", type=int, default=10, help="how many steps may run at once (default: 10)")
    _compact(p)


def _compact(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--compact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"show the plan one line per resource (default: when more than {COMPACT_ABOVE} resources change)",
    )


def _plan_parser(sub: _Sub) -> None:
    p = sub.add_parser("plan", help="show what apply would change")
    _common(p)
    _planning(p)
    p.add_argument("--destroy", action="store_true", help="plan to destroy everything")
    p.add_argument("-o", "-out", "--out", dest="out", metavar="PLANFILE", help="save the plan to apply it later")
    p.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when there are changes, 0 when none")


def _apply_parser(sub: _Sub) -> None:
    p = sub.add_parser("apply", help="make the cloud match the stack")
    _common(p)
    _planning(p)
    p.add_argument("planfile", nargs="?", help="a plan saved by 'iaas plan -out'")
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")


def _destroy_parser(sub: _Sub) -> None:
    p = sub.add_parser("destroy", help="delete every resource of the stack")
    _common(p)
    p.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="destroy only this resource and what depends on it (repeatable)",
    )
    p.add_argument("--parallelism", type=int, default=10)
    _compact(p)
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")


def _import_parser(sub: _Sub) -> None:
    p = sub.add_parser("import", help="adopt an existing cloud object as a resource of the stack")
    _common(p)
    p.add_argument("address", help="resource address, kind.name")
    p.add_argument("id", help="id or name of the existing object")
    p.add_argument(
        "--take-over", action="store_true", help="import an object another stack manages (that stack loses it)"
    )


def _output_parser(sub: _Sub) -> None:
    p = sub.add_parser("output", help="show the stack's outputs")
    _common(p)
    p.add_argument("name", nargs="?", help="one output")
    p.add_argument("--json", action="store_true", help="print JSON")


def _graph_parser(sub: _Sub) -> None:
    p = sub.add_parser("graph", help="draw the stack's dependency graph")
    _common(p)
    p.add_argument("--format", choices=("dot", "mermaid"), default="dot")


def _state_parser(sub: _Sub) -> None:
    p = sub.add_parser("state", help="inspect or edit the recorded state")
    ssub = p.add_subparsers(dest="state_command", required=True, metavar="SUBCOMMAND")
    for name, text in (
        ("list", "list recorded resources"),
        ("show", "show one resource"),
        ("rm", "forget a resource without deleting it"),
        ("history", "show past operations"),
        ("pull", "print the state as JSON"),
        ("unlock", "remove a stale lock"),
        ("recover", "adopt the objects the cloud holds for this stack but the state lost"),
        ("migrate", "copy every stack's state (or --stack's) into another database, e.g. a team's PostgreSQL"),
    ):
        sp = ssub.add_parser(name, help=text)
        _common(sp)
        if name in ("show", "rm"):
            sp.add_argument("address")
        if name == "list":
            sp.add_argument("--json", action="store_true")
        if name == "migrate":
            sp.add_argument(
                "--to",
                default=os.environ.get("IAAS_DATABASE_URL"),
                help="the database to copy into (default: $IAAS_DATABASE_URL); the source is --state, "
                "else <home>/state.db",
            )


def _simple_parser(name: str, text: str, *positional: str) -> Callable[[_Sub], None]:
    def declare(sub: _Sub) -> None:
        p = sub.add_parser(name, help=text)
        _common(p)
        for arg in positional:
            p.add_argument(arg)

    return declare


_SUBCOMMANDS: dict[str, Callable[[_Sub], None]] = {
    "validate": _simple_parser("validate", "check the stack file without touching anything"),
    "plan": _plan_parser,
    "apply": _apply_parser,
    "destroy": _destroy_parser,
    "refresh": _simple_parser("refresh", "read every object from the cloud and record what changed"),
    "import": _import_parser,
    "output": _output_parser,
    "graph": _graph_parser,
    "state": _state_parser,
    "force-unlock": _simple_parser(
        "force-unlock", "remove the stack's lock left by an operation that is gone (same as 'state unlock')"
    ),
    "console": lambda sub: console.add_parser(sub, _common),
    "snapshot": lambda sub: snapshots.add_parser(sub, _common),
    "host": lambda sub: hosts.add_parser(sub, _common),
    "taint": _simple_parser("taint", "mark a resource for replacement", "address"),
    "untaint": _simple_parser("untaint", "clear a taint", "address"),
}
"""Each subcommand's declaration, in the order ``iaas --help`` lists them."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``iaas`` command; with ``command``, only that subcommand is declared (a command
    line parses the same, without declaring the other two hundred options first)."""
    parser = argparse.ArgumentParser(prog="iaas", description="Plan and apply IaaS stacks on libvirt hosts.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (repeatable)")
    parser.add_argument("--version", action="version", version=f"iaas {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, declare in _SUBCOMMANDS.items():
        if command is None or name == command:
            declare(sub)
    return parser


def command_word(argv: Sequence[str]) -> str | None:
    """The subcommand a command line names, or None when it names none (``--help``, ``--version``, a typo): the
    top-level options take no value, so it is the first word that is not an option."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in _SUBCOMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``iaas`` command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(command_word(argv)).parse_args(argv)
    # The commands load the engine, the cloud and libvirt: only once the arguments are known to be good, so that
    # --help, --version and usage errors answer at once.
    from iaas.api import IaasError
    from iaas.cli import commands

    # One command, then exit: the cycle collector need not rescan the modules loaded so far, nor run every 700
    # allocations over the hundreds of thousands of objects a large stack makes (a third of a 10,000-resource plan).
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)

    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2), format="%(levelname)s %(message)s", stream=sys.stderr
    )
    ui = commands.UI(color=not (args.no_color or os.environ.get("NO_COLOR")))
    try:
        return commands.run(args, ui)
    except IaasError as exc:
        ui.error(str(exc))
        return 1
    except OSError as exc:  # a file or directory that cannot be read or written: the user's to fix
        ui.error(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
        return 1
    except KeyboardInterrupt:
        ui.error("interrupted; finished steps are saved, run the command again to continue")
        return 130
