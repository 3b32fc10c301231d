"""Each face runs every case of the table once, in as few processes as it allows, and records what it said.

A face's result for a case is an :class:`Outcome`: the text of its error (where the face attaches errors to a
resource, the text names it the face's way) and, for a change case, the planned action of the case's address.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs

import iaas
from tests.cli.conftest import subprocess_env
from tests.parity.cases import CASES, Case, Item, world_objects
from tests.parity.translate import STACK, address, inputs_for, stack_file


@attrs.define
class Outcome:
    """What a face said about one case."""

    error: str | None = None  # the face's error text (None: accepted)
    action: str | None = None  # noop, live, restart, replace (change cases)
    touched: list[Any] = attrs.field(factory=list)  # objects other than the world's, after a refused case


@attrs.define
class Face:
    """One face's outcomes for the whole table, computed on first use."""

    name: str
    world: Path  # a directory holding the world's cloud home (``home``) and image
    runner: Callable[[Face], dict[str, Outcome]]
    #: How the face names the core's resource address and a field path in its messages.
    designate: Callable[[Case, str], str] = lambda case, addr: addr
    field_name: Callable[[str, str], str] = lambda kind, path: path
    #: None when the face's plan tells a live update from one with a restart, else why it cannot.
    update_class: str | None = None
    _outcomes: dict[str, Outcome] | BaseException | None = None

    def outcome(self, case: Case) -> Outcome:
        """This face's outcome for ``case`` (a face whose run failed fails every case with that error, once run)."""
        if self._outcomes is None:
            try:
                self._outcomes = self.runner(self)
            except Exception as exc:
                self._outcomes = exc
        if isinstance(self._outcomes, BaseException):
            raise AssertionError(f"the {self.name} face could not run the table") from self._outcomes
        return self._outcomes[case.id]

    def fresh_home(self, where: Path) -> Path:
        """A copy of the world's cloud home at ``where``."""
        return copy_home(self.world / "home", where)


def copy_home(source: Path, where: Path) -> Path:
    """Copy a cloud home no one is writing to (a closed cloud has closed its files)."""
    shutil.copytree(source, where)
    return where


def bad_cases(face: str) -> list[Case]:
    """The bad cases the face can express."""
    return [c for c in CASES if c.bad and face not in c.cannot]


def change_cases(face: str) -> list[Case]:
    """The change cases the face can express."""
    return [c for c in CASES if not c.bad and face not in c.cannot]


def extra_objects(home: Path, world: list[Any]) -> list[Any]:
    """The objects at ``home`` beyond ``world``."""
    return [o for o in world_objects(home) if o not in world]


def changed_stack(case: Case) -> tuple[Item, ...]:
    """The stack a change case ends with."""
    assert case.change is not None
    return case.change


# ---------------------------------------------------------------------- Python: import iaas


def python_stack(items: list[Item], cases: dict[str, Case]) -> iaas.Stack:
    """An :class:`iaas.Stack` of items (``cases`` maps an address to its case, for ``depends_on``)."""
    stack = iaas.Stack(STACK)
    for item in items:
        deps = cases[address(item)].depends_on.get(address(item), ())
        stack.add_raw(item[0], item[1], inputs_for(item, lambda k, n: f"${{{k}.{n}}}"), depends_on=deps)
    return stack


def run_python(face: Face) -> dict[str, Outcome]:
    """Apply each bad case to its own copy of the world; apply every change case's stack in one, then plan."""
    out: dict[str, Outcome] = {}
    world = world_objects(face.world / "home")
    for i, case in enumerate(bad_cases("python")):
        home = face.fresh_home(face.world / f"py-{i}")
        try:
            with iaas.Engine.open(STACK, home=home) as engine:
                engine.apply(python_stack(list(case.stack), {address(x): case for x in case.stack}))
            out[case.id] = Outcome(None)
        except iaas.IaasError as exc:
            out[case.id] = Outcome(str(exc))
        out[case.id].touched = extra_objects(home, world)
    changes = change_cases("python")
    owner = {address(x): c for c in changes for x in c.stack}
    home = face.fresh_home(face.world / "py-changes")
    with iaas.Engine.open(STACK, home=home) as engine:
        engine.apply(python_stack([x for c in changes for x in c.stack], owner))
        plan = engine.plan(python_stack([x for c in changes for x in changed_stack(c)], owner))
        planned = dict(plan.changes)
    for case in changes:
        rc = planned.get(case.address or "")
        out[case.id] = Outcome(action=core_action(rc))
    return out


def core_action(rc: Any) -> str:
    """The table's action for one planned change of the core (None: no change)."""
    if rc is None or rc.action == "noop":
        return "noop"
    if rc.action == "update":
        return "live" if all(c.update == "live" for c in rc.changes) else "restart"
    return str(rc.action)


# ---------------------------------------------------------------------- the iaas command, as a subprocess


def iaas_command(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m iaas.cli ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "iaas.cli", *args, "--no-color"],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def run_cli(face: Face) -> dict[str, Outcome]:
    """``iaas apply`` of each bad case in its own copy of the world; the change cases as one stack file."""
    out: dict[str, Outcome] = {}
    world = world_objects(face.world / "home")

    cases = bad_cases("cli")
    for i, case in enumerate(cases):
        face.fresh_home(face.world / f"cli-{i}" / "home")
        (face.world / f"cli-{i}" / "stack.yaml").write_text(stack_file(case.stack, case))

    def one(i: int) -> subprocess.CompletedProcess[str]:
        work = face.world / f"cli-{i}"
        return iaas_command(work, "apply", "--auto-approve", "--home", str(work / "home"))

    with ThreadPoolExecutor(2) as pool:  # two commands at a time: each spends much of its time starting
        done = list(pool.map(one, range(len(cases))))
    for i, (case, run) in enumerate(zip(cases, done, strict=True)):
        touched = extra_objects(face.world / f"cli-{i}" / "home", world)
        out[case.id] = Outcome(run.stderr if run.returncode else None, touched=touched)
    changes = change_cases("cli")
    work = face.world / "cli-changes"
    home = face.fresh_home(work / "home")
    merged = Case("all", tuple(x for c in changes for x in c.stack))
    (work / "stack.yaml").write_text(stack_file(merged.stack, merged))
    done = iaas_command(work, "apply", "--auto-approve", "--home", str(home))
    assert done.returncode == 0, done.stderr
    (work / "stack.yaml").write_text(stack_file(tuple(x for c in changes for x in changed_stack(c)), merged))
    done = iaas_command(work, "plan", "--no-compact", "--home", str(home))
    assert done.returncode == 0, done.stderr
    blocks = plan_blocks(done.stdout)
    for case in changes:
        out[case.id] = Outcome(action=blocks.get(case.address or "", "noop"))
    return out


_HEADER = re.compile(r"^  # (\S+) (.*)$", re.M)


def plan_blocks(text: str) -> dict[str, str]:
    """The action of each address in the CLI's plan text."""
    found: dict[str, str] = {}
    heads = list(_HEADER.finditer(text))
    for i, m in enumerate(heads):
        body = text[m.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        if "replaced" in m.group(2):
            found[m.group(1)] = "replace"
        elif "updated" in m.group(2):
            found[m.group(1)] = "restart" if "needs a restart" in body else "live"
        else:
            found[m.group(1)] = m.group(2)
    return found
