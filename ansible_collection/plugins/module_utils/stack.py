# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A whole stack: load it, plan it and apply it with the iaas engine, its state under the cloud's home."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ansible_collections.iaas.cloud.plugins.module_utils.base import IAAS_IMPORT_ERROR, IaasModule, plain
from ansible_collections.iaas.cloud.plugins.module_utils.options import STACK_GROUPS

if IAAS_IMPORT_ERROR is None:
    import iaas
    from iaas.api import load_stack, stack_from_data

DEFAULT_STACK = "ansible"


def _stack(params: dict[str, Any]) -> iaas.Stack:
    """The stack the options give: a file, an inline definition, or (to delete) just a name."""
    name = params.get("stack")
    if params.get("src"):
        return load_stack(params["src"], name=name)
    if params.get("definition") is not None:
        return stack_from_data(
            params["definition"], name, "definition", default_name=DEFAULT_STACK, base=Path(os.getcwd())
        )
    return iaas.Stack(name or DEFAULT_STACK)


def _resources(engine: iaas.Engine) -> dict[str, Any]:
    return {
        address: {"kind": rec.kind, "id": rec.id, **rec.outputs} for address, rec in sorted(engine.resources().items())
    }


def run_stack(options: dict[str, Any]) -> None:
    """The main function of the module ``stack``."""
    module = IaasModule(
        options,
        STACK_GROUPS,
        mutually_exclusive=[("src", "definition")],
        required_if=[
            ("state", "present", ("src", "definition"), True),
            ("state", "absent", ("stack", "src", "definition"), True),
        ],
    )

    def body() -> dict[str, Any]:
        params = module.params
        stack = _stack(params)
        module.address = f"stack {stack.name}"
        destroy = params["state"] == "absent"
        lock_timeout = float(params["timeout"]) if params["wait"] else 0.0
        engine = iaas.Engine.open(
            stack.name,
            home=module.cloud.home,
            cloud=module.cloud,
            lock_timeout=lock_timeout,
            parallelism=params["parallelism"],
        )
        with engine:
            plan = engine.plan(stack, destroy=destroy, refresh=not destroy)
            text = iaas.render_plan(plan)
            changed = not plan.empty
            outputs = engine.outputs()
            if changed and not module.check_mode:
                outputs = engine.apply(plan).outputs
            result: dict[str, Any] = {
                "changed": changed,
                "stack": stack.name,
                "plan": plan.summary(),
                "plan_text": text,
                "outputs": plain(outputs),
                "resources": plain(_resources(engine)),
            }
        if module.diff_mode:
            result["diff"] = {"prepared": text}
        return result

    module.run(body)
