"""The Ansible face: real ``ansible-playbook``, one run for the whole table.

Each bad case is a block of one task per resource, in the stack's order; its rescue records the failed task and
its message (the play goes on with the next case).  Each change case creates its resource, then runs the edited task
in check mode and records the action the module reports.  The records are written to a JSON file at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.ansible.conftest import Run
from tests.parity.cases import Case, world_objects
from tests.parity.faces import Face, Outcome, bad_cases, change_cases, changed_stack, extra_objects
from tests.parity.translate import STACK, ansible_task

_ACTIONS = {"none": "noop", "update": "update", "replace": "replace"}


def record(case: Case, value: str) -> dict[str, Any]:
    """A task adding ``value`` (a Jinja expression) to the records under the case's id."""
    return {"ansible.builtin.set_fact": {"parity": f"{{{{ parity | combine({{{case.id!r}: {value}}}) }}}}"}}


def bad_block(case: Case) -> dict[str, Any]:
    """The block of a bad case: its tasks, and a rescue recording which task failed and why."""
    failed = "{'task': ansible_failed_task.name, 'msg': ansible_failed_result.msg | default('')}"
    return {
        "name": f"case {case.id}",
        "block": [ansible_task(item) for item in case.stack] + [record(case, "{'task': None, 'msg': None}")],
        "rescue": [record(case, failed)],
    }


def change_block(case: Case) -> dict[str, Any]:
    """The block of a change case: create, then the edit in check mode, its action recorded."""
    edited = [{**ansible_task(item), "check_mode": True, "register": "edited"} for item in changed_stack(case)]
    return {
        "name": f"case {case.id}",
        "block": [ansible_task(item) for item in case.stack] + edited + [record(case, "{'action': edited.action}")],
    }


def playbook(home: Path, results: Path) -> list[dict[str, Any]]:
    """One play on the implicit localhost: every case, then the records written to ``results``."""
    tasks = [bad_block(c) for c in bad_cases("ansible")] + [change_block(c) for c in change_cases("ansible")]
    tasks.append({"ansible.builtin.copy": {"content": "{{ parity | to_json }}", "dest": str(results)}})
    return [
        {
            "name": "The parity table",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {"parity": {}},
            "module_defaults": {"group/iaas.cloud.iaas": {"cloud": {"home": str(home)}, "stack": STACK}},
            "tasks": tasks,
        }
    ]


def run_ansible(face: Face, ansible: Callable[..., Run]) -> dict[str, Outcome]:
    """The table as one ``ansible-playbook`` run."""
    home, results = face.world / "home", face.world / "results.json"
    world = world_objects(home)
    (face.world / "parity.yml").write_text(json.dumps(playbook(home, results), indent=1))
    ansible("ansible-playbook", "parity.yml")
    records = json.loads(results.read_text())
    extra = extra_objects(home, world)
    out: dict[str, Outcome] = {}
    for case in bad_cases("ansible"):
        rec = records[case.id]
        error = None if rec["task"] is None else f"{rec['task']}: {rec['msg']}"
        touched = [o for o in extra if o[1] in {x[1] for x in case.stack}]
        out[case.id] = Outcome(error, touched=touched)
    for case in change_cases("ansible"):
        out[case.id] = Outcome(action=_ACTIONS.get(records[case.id]["action"], records[case.id]["action"]))
    return out
