#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: stack
short_description: Plan and apply a whole stack
description:
- 'Applies a stack file or an inline stack the way C(iaas apply) does: the plan compares the stack with
  its recorded state and the cloud, and only what differs is changed.'
- The state of the stack is kept under the cloud's home folder (C(state.db)), shared with the C(iaas)
  command.
- In check mode the plan is made and returned, and nothing is changed. In diff mode the plan is shown
  as the diff.
- O(state=absent) deletes every resource of the stack.
- With O(wait=true), the module waits up to O(timeout) seconds for the stack's lock when another operation
  holds it; with O(wait=false) it fails at once.
author:
- iaas contributors (!UNKNOWN)
requirements:
- python >= 3.11
- iaas (in the Python that runs the module)
extends_documentation_fragment:
- iaas.cloud.common
- iaas.cloud.common.state
- iaas.cloud.common.wait
attributes:
  check_mode:
    support: full
    description: Makes the plan and changes nothing.
  diff_mode:
    support: full
    description: Shows the plan.
options:
  src:
    description:
    - A stack file (YAML or JSON) as the C(iaas) command reads it. Relative paths inside it are relative
      to the file's folder.
    type: path
  definition:
    description:
    - The stack inline, with the same keys as a stack file (C(resources), C(outputs), C(stack)).
    - Relative paths inside it are relative to the current directory.
    type: dict
  stack:
    description:
    - 'The name of the stack. Default: the C(stack) key of the stack, else the file''s name without its
      extension (O(src)), else V(ansible).'
    - Required to delete a stack without giving it.
    type: str
  parallelism:
    description:
    - How many resources are created, changed or deleted at the same time.
    type: int
    default: 10
seealso:
- module: iaas.cloud.instance
"""

EXAMPLES = r"""
- name: Apply a stack file
  iaas.cloud.stack:
    src: stacks/web.yaml
  register: web

- name: Show an output of the stack
  ansible.builtin.debug:
    msg: "{{ web.outputs.gateway }}"

- name: A small stack given inline
  iaas.cloud.stack:
    stack: lab
    definition:
      resources:
        network:
          lab: {cidr: 10.60.0.0/24}
      outputs:
        gateway: ${network.lab.gateway}

- name: Delete every resource of the stack lab
  iaas.cloud.stack:
    stack: lab
    state: absent
"""

RETURN = r"""
stack:
  description: The name of the stack.
  returned: always
  type: str
  sample: web
plan:
  description: How many resources the plan creates, updates, replaces and deletes.
  returned: always
  type: dict
  sample:
    create: 2
    update: 0
    migrate: 0
    replace: 0
    delete: 0
plan_text:
  description: The plan as text, as C(iaas plan) prints it.
  returned: always
  type: str
outputs:
  description: The outputs of the stack after the apply.
  returned: always
  type: dict
resources:
  description: Every resource of the stack by address, with its id and what the cloud reports.
  returned: always
  type: dict
"""

from ansible_collections.iaas.cloud.plugins.module_utils.stack import run_stack  # noqa: E402

OPTIONS = {
    'src': {'type': 'path'},
    'definition': {'type': 'dict'},
    'stack': {'type': 'str'},
    'parallelism': {'type': 'int', 'default': 10},
}


def main() -> None:
    """Run the module."""
    run_stack(OPTIONS)


if __name__ == "__main__":
    main()
