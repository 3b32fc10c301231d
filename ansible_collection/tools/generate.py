"""Write the iaas.cloud modules and the common doc fragment from the iaas model.

Each module file's DOCUMENTATION, RETURN and argument spec come from the
same option descriptions (tools/options.py), which for a resource kind come
from the model; EXAMPLES come from tools/examples.yml.  Run it after a change
to the model::

    .venv/bin/python ansible_collection/tools/generate.py          # write the files
    .venv/bin/python ansible_collection/tools/generate.py --check  # list files that are out of date
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import options as opts  # noqa: E402  (beside this file)

from iaas.api import KINDS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = yaml.safe_load((Path(__file__).parent / "examples.yml").read_text())

HEADER = """#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations
"""

AUTHOR = ["iaas contributors (!UNKNOWN)"]
ATTRIBUTES = {
    "check_mode": {"support": "full", "description": "Reports what would change without changing it."},
    "diff_mode": {"support": "full", "description": "Shows the object before and after the change."},
}
INFO_ATTRIBUTES = {
    "check_mode": {"support": "full", "description": "Reads only; runs the same in check mode."},
    "diff_mode": {"support": "none", "description": "Changes nothing, so has nothing to show."},
}
REQUIREMENTS = ["python >= 3.11", "iaas (in the Python that runs the module)"]
NOTES = [
    "The module runs with the Python that Ansible chooses for the host, which must have iaas installed. With no "
    "inventory, localhost uses the Python that runs ansible-playbook; when localhost is in an inventory, set "
    'C(ansible_python_interpreter: "{{ ansible_playbook_python }}") for it.',
]
FRAGMENT = {
    "cloud": "iaas.cloud.common",
    "state": "iaas.cloud.common.state",
    "wait": "iaas.cloud.common.wait",
    "stack": "iaas.cloud.common.stack",
    "info": "iaas.cloud.common.info",
}


def literal(value: Any, indent: int = 0, lead: int = 0, width: int = 110) -> str:
    """A Python literal of ``value``: on one line when it fits, else one item per line, indented by four.

    ``indent`` is the indentation of the line the literal starts on, ``lead`` how far into it the literal starts.
    """
    flat = repr(value)
    if indent + lead + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{k!r}: {literal(v, indent + 4, len(repr(k)) + 2, width)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{literal(v, indent + 4, 0, width)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100, allow_unicode=True)


def _doc(
    name: str,
    short: str,
    description: list[str],
    options: dict[str, opts.Option],
    groups: tuple[str, ...],
    attributes: dict[str, Any],
    seealso: list[dict[str, str]] | None = None,
) -> str:
    doc: dict[str, Any] = {
        "module": name,
        "short_description": short,
        "description": description,
        "author": AUTHOR,
        "requirements": REQUIREMENTS,
        "extends_documentation_fragment": [FRAGMENT[g] for g in groups],
        "attributes": attributes,
        "options": {k: opts.to_doc(v) for k, v in options.items()},
    }
    if seealso:
        doc["seealso"] = seealso
    return _yaml(doc)


def _module(
    doc: str, examples: str, returns: dict[str, Any], call: str, options: dict[str, opts.Option], extra: str = ""
) -> str:
    spec = literal({k: opts.to_spec(v) for k, v in options.items()})
    runner = call.split("(", 1)[0]
    family = {
        "run_resource": "resource",
        "run_info": "resource",
        "run_instance_action": "resource",
        "run_stack": "stack",
    }[runner]
    return (
        f'{HEADER}\nDOCUMENTATION = r"""\n{doc}"""\n\nEXAMPLES = r"""\n{examples.rstrip()}\n"""\n\n'
        f'RETURN = r"""\n{_yaml(returns)}"""\n\n'
        f"from ansible_collections.iaas.cloud.plugins.module_utils.{family} import {runner}  # noqa: E402\n\n"
        f"OPTIONS = {spec}\n{extra}\n\n"
        f'def main() -> None:\n    """Run the module."""\n    {call}\n\n\n'
        f'if __name__ == "__main__":\n    main()\n'
    )


def _plural(kind: str) -> str:
    return kind + "s"


def _words(kind: str) -> str:
    return kind.replace("_", " ")


def resource_module(kind: str) -> str:
    """The module that creates, updates and deletes objects of ``kind``."""
    cls = KINDS[kind]
    options = opts.kind_options(kind)
    required = opts.required_when_present(kind)
    doc = _doc(
        kind,
        f"Create, update and delete {_words(kind)}s",
        [
            cls.description_doc,
            f"The {_words(kind)} is identified by O(name) within O(stack). With O(state=present) the options "
            "describe the whole object: an option left out takes its default.",
            "A change is made in place when the model allows it; a change of an option marked as replacing the "
            "object deletes it and creates it anew.",
        ],
        options,
        opts.RESOURCE_GROUPS,
        ATTRIBUTES,
        [{"module": f"iaas.cloud.{kind}_info"}],
    )
    returns = {
        kind: {
            "description": f"The {_words(kind)} as the cloud reports it; empty when it does not exist. In check "
            "mode, values known only after the change read C((known after apply)).",
            "returned": "always",
            "type": "dict",
            "contains": opts.kind_return(kind),
        },
        "action": {
            "description": "What was done (or, in check mode, would be done): V(create), V(update), "
            "V(migrate) (an instance moved to another host), V(replace), V(delete) or V(none).",
            "returned": "always",
            "type": "str",
            "sample": "create",
        },
    }
    extra = f"\nREQUIRED_WHEN_PRESENT = {required!r}\n"
    return _module(
        doc, EXAMPLES[kind], returns, f'run_resource("{kind}", OPTIONS, REQUIRED_WHEN_PRESENT)', options, extra
    )


def info_module(kind: str) -> str:
    """The module that lists objects of ``kind``."""
    options = {
        "name": {
            "type": "str",
            "description": [f"The name or id of the {_words(kind)}. When omitted, every {_words(kind)}."],
        }
    }
    doc = _doc(
        f"{kind}_info",
        f"List {_words(kind)}s",
        [
            f"Lists {_words(kind)}s of the cloud, optionally by name or id and by stack.",
            "Finding nothing is not an error: the list is empty.",
        ],
        options,
        opts.INFO_GROUPS,
        INFO_ATTRIBUTES,
        [{"module": f"iaas.cloud.{kind}"}],
    )
    contains = opts.kind_return(kind)
    contains["stack"] = {"description": "The stack the object belongs to.", "returned": "always", "type": "str"}
    contains["address"] = {
        "description": "The object's address in its stack (kind.name).",
        "returned": "always",
        "type": "str",
    }
    returns = {
        _plural(kind): {
            "description": f"The {_words(kind)}s found.",
            "returned": "always",
            "type": "list",
            "elements": "dict",
            "contains": contains,
        }
    }
    return _module(doc, EXAMPLES[f"{kind}_info"], returns, f'run_info("{kind}", OPTIONS)', options)


ACTION_OPTIONS: dict[str, opts.Option] = {
    "name": {"type": "str", "required": True, "description": ["The name or id of the instance."]},
    "action": {
        "type": "str",
        "required": True,
        "choices": ["start", "stop", "reboot"],
        "description": [
            "V(start) starts a stopped instance; V(stop) shuts it down (forcibly when it does not stop in time); "
            "V(reboot) stops it and starts it again.",
            "V(reboot) of a stopped instance starts it.",
            "The instance's recorded power state follows, so a later run of M(iaas.cloud.instance) with the "
            "default power state starts a stopped instance again.",
        ],
    },
}


def instance_action_module() -> str:
    """The module that starts, stops and reboots instances."""
    doc = _doc(
        "instance_action",
        "Start, stop and reboot instances",
        [
            "Changes the power state of an existing instance.",
            "V(start) and V(stop) change nothing when the instance is already in that state; V(reboot) always "
            "changes it.",
        ],
        ACTION_OPTIONS,
        opts.ACTION_GROUPS,
        ATTRIBUTES,
        [{"module": "iaas.cloud.instance"}],
    )
    returns = {
        "instance": {
            "description": "The instance after the action.",
            "returned": "always",
            "type": "dict",
            "contains": opts.kind_return("instance"),
        }
    }
    return _module(doc, EXAMPLES["instance_action"], returns, "run_instance_action(OPTIONS)", ACTION_OPTIONS)


STACK_OPTIONS: dict[str, opts.Option] = {
    "src": {
        "type": "path",
        "description": [
            "A stack file (YAML or JSON) as the C(iaas) command reads it. Relative paths inside it are relative "
            "to the file's folder."
        ],
    },
    "definition": {
        "type": "dict",
        "description": [
            "The stack inline, with the same keys as a stack file (C(resources), C(outputs), C(stack)).",
            "Relative paths inside it are relative to the current directory.",
        ],
    },
    "stack": {
        "type": "str",
        "description": [
            "The name of the stack. Default: the C(stack) key of the stack, else the file's name without its "
            "extension (O(src)), else V(ansible).",
            "Required to delete a stack without giving it.",
        ],
    },
    "parallelism": {
        "type": "int",
        "default": 10,
        "description": ["How many resources are created, changed or deleted at the same time."],
    },
}


def stack_module() -> str:
    """The module that plans and applies a whole stack."""
    doc = _doc(
        "stack",
        "Plan and apply a whole stack",
        [
            "Applies a stack file or an inline stack the way C(iaas apply) does: the plan compares the stack with "
            "its recorded state and the cloud, and only what differs is changed.",
            "The state of the stack is kept under the cloud's home folder (C(state.db)), shared with the C(iaas) "
            "command.",
            "In check mode the plan is made and returned, and nothing is changed. In diff mode the plan is shown as "
            "the diff.",
            "O(state=absent) deletes every resource of the stack.",
            "With O(wait=true), the module waits up to O(timeout) seconds for the stack's lock when another "
            "operation holds it; with O(wait=false) it fails at once.",
        ],
        STACK_OPTIONS,
        opts.STACK_GROUPS,
        {
            "check_mode": {"support": "full", "description": "Makes the plan and changes nothing."},
            "diff_mode": {"support": "full", "description": "Shows the plan."},
        },
        [{"module": "iaas.cloud.instance"}],
    )
    returns = {
        "stack": {"description": "The name of the stack.", "returned": "always", "type": "str", "sample": "web"},
        "plan": {
            "description": "How many resources the plan creates, updates, replaces and deletes.",
            "returned": "always",
            "type": "dict",
            "sample": {"create": 2, "update": 0, "migrate": 0, "replace": 0, "delete": 0},
        },
        "plan_text": {
            "description": "The plan as text, as C(iaas plan) prints it.",
            "returned": "always",
            "type": "str",
        },
        "outputs": {"description": "The outputs of the stack after the apply.", "returned": "always", "type": "dict"},
        "resources": {
            "description": "Every resource of the stack by address, with its id and what the cloud reports.",
            "returned": "always",
            "type": "dict",
        },
    }
    return _module(doc, EXAMPLES["stack"], returns, "run_stack(OPTIONS)", STACK_OPTIONS)


def fragment() -> str:
    """The doc fragment iaas.cloud.common: one attribute per option group."""
    names = {"cloud": "DOCUMENTATION", "state": "STATE", "wait": "WAIT", "stack": "STACK", "info": "INFO"}
    body = []
    for group, attr in names.items():
        entry: dict[str, Any] = {"options": {k: opts.to_doc(v) for k, v in opts.GROUPS[group].items()}}
        if group == "cloud":
            entry["notes"] = NOTES
        doc = _yaml(entry)
        body.append(f'    {attr} = r"""\n{doc}"""\n')
    head = HEADER.replace("#!/usr/bin/python\n\n", "")
    return f'{head}\n\nclass ModuleDocFragment:\n    """Options every iaas module shares."""\n\n' + "\n".join(body)


def options_util() -> str:
    """module_utils/options.py: the shared argument specs, matching the doc fragment."""
    head = HEADER.replace("#!/usr/bin/python\n\n", "").replace("from __future__ import annotations\n", "")
    head = head.rstrip() + "\n"
    groups = {g: {k: opts.to_spec(v) for k, v in o.items()} for g, o in opts.GROUPS.items()}
    families = {
        "RESOURCE": opts.RESOURCE_GROUPS,
        "INFO": opts.INFO_GROUPS,
        "ACTION": opts.ACTION_GROUPS,
        "STACK": opts.STACK_GROUPS,
    }
    lines = [
        head,
        '"""The options iaas modules share, by group (documented by the doc fragment iaas.cloud.common)."""',
        "",
        "from __future__ import annotations",
        "",
        f"GROUPS = {literal(groups)}",
        "",
    ]
    lines += [f"{name}_GROUPS = {groups_!r}" for name, groups_ in families.items()]
    return "\n".join(lines) + "\n"


REQUIRES_ANSIBLE = ">=2.19.0,<2.20.0"  # 2.19 is the last ansible-core line that runs on Python 3.11


def runtime() -> str:
    """meta/runtime.yml: the supported ansible-core range and the action group of every module."""
    names = sorted([*KINDS, *(f"{k}_info" for k in KINDS), "instance_action", "stack"])
    head = "# Written by ansible_collection/tools/generate.py; run it again after adding a module.\n"
    return head + _yaml({"requires_ansible": REQUIRES_ANSIBLE, "action_groups": {"iaas": names}})


def render_all() -> dict[Path, str]:
    """Every generated file, by path, with its content."""
    out: dict[Path, str] = {}
    modules = ROOT / "plugins" / "modules"
    for kind in KINDS:
        out[modules / f"{kind}.py"] = resource_module(kind)
        out[modules / f"{kind}_info.py"] = info_module(kind)
    out[modules / "instance_action.py"] = instance_action_module()
    out[modules / "stack.py"] = stack_module()
    out[ROOT / "plugins" / "doc_fragments" / "common.py"] = fragment()
    out[ROOT / "plugins" / "module_utils" / "options.py"] = options_util()
    out[ROOT / "meta" / "runtime.yml"] = runtime()
    return out


def module_names() -> list[str]:
    """The names of every module of the collection (the action group iaas)."""
    return sorted(p.stem for p in render_all() if p.parent.name == "modules")


def stale() -> list[Path]:
    """Generated files whose content on disk differs from what the model gives."""
    return [p for p, text in render_all().items() if not p.exists() or p.read_text() != text]


def main(argv: list[str]) -> int:
    """Write the files, or with ``--check`` list those that are out of date (exit 1 when any)."""
    if "--check" in argv:
        out = stale()
        for p in out:
            print(f"out of date: {p.relative_to(ROOT)}")
        return 1 if out else 0
    for path, text in render_all().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
