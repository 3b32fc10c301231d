"""The Terraform face: the real ``terraform`` binary and the provider from a filesystem mirror, one working directory.

The bad cases go into one configuration; Terraform reports every resource's error at once (a configuration error
stops it before the provider's plan, so a case that passes that stage is planned in a following run).  The cycle
case, whose error stops everything, runs alone.  The change cases are one configuration applied, edited and planned.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from iaas_terraform import SOURCE
from tests.parity.cases import Case, world_objects
from tests.parity.faces import Face, Outcome, bad_cases, change_cases, changed_stack, extra_objects
from tests.parity.translate import STACK, tf_address, tf_label, tf_resources
from tests.terraform.conftest import Workspace


def configuration(pairs: list[tuple[Case, Any]]) -> dict[str, Any]:
    """The JSON configuration of (case, items) pairs."""
    resources: dict[str, dict[str, Any]] = {}
    for case, items in pairs:
        for kind, block in tf_resources(case, items).items():
            resources.setdefault(kind, {}).update(block)
    config: dict[str, Any] = {
        "terraform": {"required_providers": {"iaas": {"source": SOURCE}}},
        "provider": {"iaas": {"stack": STACK}},
    }
    return {**config, "resource": resources} if resources else config


def errors_by_case(text: str, cases: list[Case]) -> dict[str, str]:
    """Each ``Error:`` block of Terraform's output, by the case whose resource it names."""
    found: dict[str, str] = {}
    for block in text.split("Error: ")[1:]:
        owners = [c for c in cases if any(re.search(rf"\b{tf_label(c, x[1])}\b", block) for x in c.stack)]
        if len(owners) != 1:
            raise AssertionError(f"an error of no single case ({[c.id for c in owners]}):\n{block}")
        found.setdefault(owners[0].id, "Error: " + block)
    return found


def apply_bad(ws: Workspace, cases: list[Case], out: dict[str, Outcome]) -> None:
    """Apply the cases together until each was refused or Terraform reports no more errors."""
    left = list(cases)
    while left:
        (ws.dir / "main.tf.json").write_text(json.dumps(configuration([(c, c.stack) for c in left]), indent=1))
        done = ws.run("apply", "-auto-approve", "-input=false", check=False)
        errors = errors_by_case(done.stdout + done.stderr, left)
        for case in left:
            if case.id in errors:
                out[case.id] = Outcome(errors[case.id])
        if not errors or done.returncode == 0:
            for case in left:
                out.setdefault(case.id, Outcome(None))
            return
        left = [c for c in left if c.id not in errors]


_ACTIONS = {("no-op",): "noop", ("update",): "update", ("delete", "create"): "replace", ("create", "delete"): "replace"}


def run_terraform(face: Face, terraform: Path, cli_config: Path) -> dict[str, Outcome]:
    """Every case through ``terraform apply`` / ``plan`` in one initialised working directory."""
    ws = Workspace(face.world / "tf", terraform, cli_config)
    ws.dir.mkdir()
    face.fresh_home(ws.home)
    (ws.dir / "main.tf.json").write_text(json.dumps(configuration([])))
    ws.run("init", "-input=false")
    world = world_objects(ws.home)
    out: dict[str, Outcome] = {}
    bad = bad_cases("terraform")
    apply_bad(ws, [c for c in bad if not c.depends_on], out)
    for case in (c for c in bad if c.depends_on):
        apply_bad(ws, [case], out)
    extra = extra_objects(ws.home, world)
    for case in bad:
        out[case.id].touched = [o for o in extra if o[1] in {x[1] for x in case.stack}]
    changes = change_cases("terraform")
    (ws.dir / "main.tf.json").write_text(json.dumps(configuration([(c, c.stack) for c in changes]), indent=1))
    ws.apply()
    (ws.dir / "main.tf.json").write_text(json.dumps(configuration([(c, changed_stack(c)) for c in changes]), indent=1))
    ws.run("plan", "-input=false", "-out=change.plan")
    shown = json.loads(ws.run("show", "-json", "change.plan").stdout)
    planned = {rc["address"]: _ACTIONS[tuple(rc["change"]["actions"])] for rc in shown.get("resource_changes", [])}
    for case in changes:
        out[case.id] = Outcome(action=planned[tf_address(case, case.address or "")])
    return out
