"""Where one ``iaas`` command spends its time: each phase timed inside the command's own process.

Run from the repository root: ``--keys N`` first applies N independent key pairs (the stack of ``bench/cli.py``)
in a fresh directory and times the command there; without it, the command runs in the current directory, whose
stack should be applied (``bench/realistic.py --keep DIR`` leaves such directories)::

    .venv/bin/python bench/phases.py --keys 1000 --runs 5      # `iaas plan`, medians in milliseconds
    .venv/bin/python bench/phases.py --keys 1000 -- plan --no-refresh

Each run is a fresh process started as the ``iaas`` console script starts (``from iaas.cli import main``), with the
functions of the phases below wrapped to time them; "python and site" is ``python -c pass`` in the same environment,
"imports" is the time from the start of the script to the parse of the command line, and "other" what the listed
phases leave of the command.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import stack_yaml  # noqa: E402

#: (module, class or None, function, label), in the order a plan runs them.
PHASES = (
    ("iaas.cli", None, "build_parser", "declaring the subcommand"),
    ("iaas.cli.commands", None, "_load", "reading the stack file"),
    ("iaas.engine.engine", "Engine", "_plan", "planning (all of what follows)"),
    ("iaas.state.sqlite", "SQLiteStore", "read", "  reading the state"),
    ("iaas.engine.engine", None, "unrecorded", "  objects the state lost"),
    ("iaas.engine.planner", None, "validate_stack", "  validating and ordering the stack"),
    ("iaas.engine.planner", None, "reconcile", "  the refresh"),
    ("iaas.engine.planner", "Planner", "_plan_apply", "  the changes"),
    ("iaas.engine.planner", "Planner", "_check_lifecycle", "  lifecycle checks"),
    ("iaas.engine.planner", "Planner", "_check_cloud", "  the cloud's checks"),
    ("iaas.cli.commands", None, "_show_plan", "printing the plan"),
)

_CHILD = """
import importlib, json, sys, time
start = time.perf_counter()
spent, parsed = {}, []
def wrap(module, owner, name, label):
    target = importlib.import_module(module)
    target = getattr(target, owner) if owner else target
    fn = getattr(target, name)
    def timed(*a, **k):
        t = time.perf_counter()
        if label == "declaring the subcommand":
            parsed.append(t)
        try:
            return fn(*a, **k)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
    setattr(target, name, timed)
from iaas.cli import main
for phase in json.loads(sys.argv[1]):
    wrap(*phase)
code = 0
try:
    code = main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
total = time.perf_counter() - start
spent["imports"] = (parsed[0] if parsed else time.perf_counter()) - start
spent["total"] = total
print(json.dumps(spent), file=sys.stderr)
"""


def _wall(args: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(list(args), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", type=int, help="apply this many independent key pairs in a fresh directory first")
    parser.add_argument("command", nargs="*", default=["plan"], help="the iaas command line (default: plan)")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    cwd = None
    if args.keys:
        cwd = tempfile.mkdtemp(prefix="iaas-phases-")
        Path(cwd, "stack.yaml").write_text(stack_yaml("independent", args.keys))
        iaas = Path(sys.executable).with_name("iaas")
        subprocess.run([str(iaas), "apply", "--auto-approve"], cwd=cwd, env=env, check=True, capture_output=True)
    runs = []
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(PHASES), *args.command],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        runs.append(json.loads(done.stderr.strip().splitlines()[-1]))
    start = statistics.median(_wall([sys.executable, "-c", "pass"]) for _ in range(max(args.runs, 5)))
    rows = [("python and site", start), ("imports", statistics.median(r["imports"] for r in runs))]
    rows += [(label, statistics.median(r.get(label, 0.0) for r in runs)) for *_, label in PHASES]
    listed = sum(v for label, v in rows[2:] if not label.startswith("  "))
    total = statistics.median(r["total"] for r in runs)
    rows += [("other", total - rows[1][1] - listed), ("the command, from its start", start + total)]
    print(f"iaas {' '.join(args.command)}: medians of {args.runs} runs, milliseconds")
    for label, value in rows:
        print(f"{label:40s} {value * 1000:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
