"""``iaas snapshot list INSTANCE``: the snapshots an instance has on its host.

Taking, reverting and deleting snapshots are changes of the stack (a
``snapshot`` resource, its ``revert`` field), planned and applied like any other.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line is parsed before the engine is loaded
    from iaas.api import Engine

COLUMNS = ("name", "created_at", "state", "memory", "address", "description")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Callable[..., None]) -> None:
    """Declare the ``snapshot`` subcommand."""
    p = sub.add_parser("snapshot", help="list an instance's snapshots (take and revert them in the stack)")
    ssub = p.add_subparsers(dest="snapshot_command", required=True, metavar="SUBCOMMAND")
    sp = ssub.add_parser("list", help="list the snapshots an instance has on its host, oldest first")
    common(sp)
    sp.add_argument("instance", help="the instance's address (instance.NAME) or name")
    sp.add_argument("--json", action="store_true", help="print JSON")


def show(engine: Engine, address: str, *, as_json: bool, write: Callable[[str], object]) -> int:
    """Write the instance's snapshots as a table (or JSON)."""
    from iaas.api import printable

    rows = engine.snapshots(address)
    if as_json:
        write(json.dumps(rows, indent=2))
        return 0
    if not rows:
        write(f"{address if '.' in address else 'instance.' + address} has no snapshots.")
        return 0
    cells = [[printable(_cell(row.get(c))) for c in COLUMNS] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
    for line in [list(COLUMNS), *cells]:
        write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
    return 0


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
