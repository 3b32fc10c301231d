"""``iaas host list|drain|undrain``: the cloud's hosts, and taking one out for maintenance.

``drain HOST`` shows where each instance on the host goes and each stack's
plan, asks for confirmation (unless ``--auto-approve``), records the host as
drained (no new placements) and applies the plans.  ``--dry-run`` only shows
them.  ``undrain HOST`` lets the host take new instances again; the instances
that left it stay where they are.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line is parsed before the engine is loaded
    from iaas.api import Cloud, DrainPlan
    from iaas.cli.ui import UI


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Callable[..., None]) -> None:
    """Declare the ``host`` subcommand."""
    p = sub.add_parser("host", help="list the cloud's hosts; drain one for maintenance, or undrain it")
    hsub = p.add_subparsers(dest="host_command", required=True, metavar="SUBCOMMAND")
    sp = hsub.add_parser("list", help="each host, whether it is drained, and what runs on it")
    common(sp)
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp = hsub.add_parser("drain", help="stop new placements on a host and move its instances to other hosts")
    common(sp)
    sp.add_argument("host", help="the host's name in the cloud config")
    sp.add_argument("--dry-run", action="store_true", help="only show the plan; change nothing")
    sp.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    sp.add_argument("--parallelism", type=int, default=10, help="how many steps may run at once (default: 10)")
    sp = hsub.add_parser("undrain", help="let a drained host take new instances again (nothing moves back)")
    common(sp)
    sp.add_argument("host", help="the host's name in the cloud config")


def rows(cloud: Cloud) -> list[dict[str, Any]]:
    """One row per host: name, state (ready or drained, and why), instances on it."""
    from iaas.api import drained_hosts

    drained = drained_hosts(cloud)
    counts: dict[str, int] = {}
    for rec in cloud.inventory.list("instance"):
        if rec.host:
            counts[rec.host] = counts.get(rec.host, 0) + 1
    return [
        {
            "name": name,
            "state": "drained" if name in drained else "ready",
            "why": drained.get(name, "").removeprefix("is "),
            "instances": counts.get(name, 0),
        }
        for name in cloud.host_configs
    ]


def show_list(cloud: Cloud, *, as_json: bool, write: Callable[[str], object]) -> int:
    """Write the hosts as a table (or JSON)."""
    table = rows(cloud)
    if as_json:
        write(json.dumps(table, indent=2))
        return 0
    columns = ("name", "state", "instances", "why")
    cells = [[str(row[c]) for c in columns] for row in table]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    for line in [[c.upper() for c in columns], *cells]:
        write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
    return 0


def show_plan(ui: UI, plan: DrainPlan) -> None:
    """The moves, then each stack's plan."""
    from iaas.api import render_plan

    if plan.empty:
        ui.print(f"No instance runs on host {plan.host}: draining it only stops new placements there.")
        return
    ui.print(f"Draining host {plan.host} moves {len(plan.moves)} instance(s):")
    for move in plan.moves:
        ui.print(f"  {move.label}: {move.source} -> {move.target}")
    for stack, stack_plan in plan.plans.items():
        ui.print(f"\nStack {stack}:")
        ui.plan(render_plan(stack_plan))


def undrained_note(host: str) -> str:
    """What undrain tells the user."""
    return (
        f"Host {host} takes new instances again. The instances drained from it stay where they are: "
        f"to move one back, set its host to {host} in its stack and apply it."
    )
