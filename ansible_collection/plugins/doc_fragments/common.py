# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations


class ModuleDocFragment:
    """Options every iaas module shares."""

    DOCUMENTATION = r"""
options:
  cloud:
    description:
    - 'The cloud to work on: the path of a cloud config file (YAML or JSON), or the config as a mapping
      (C(hosts), C(home), C(scheduler)).'
    - A mapping with only C(home) is the embedded cloud (one simulated host) kept in that folder.
    - 'When omitted: the file named by the E(IAAS_CLOUD) environment variable, else the embedded cloud
      under E(IAAS_HOME) (default C(.iaas) in the current directory).'
    - Set it once for every iaas module with C(module_defaults) and the action group C(group/iaas.cloud.iaas).
    type: raw
notes:
- 'The module runs with the Python that Ansible chooses for the host, which must have iaas installed.
  With no inventory, localhost uses the Python that runs ansible-playbook; when localhost is in an inventory,
  set C(ansible_python_interpreter: "{{ ansible_playbook_python }}") for it.'
"""

    STATE = r"""
options:
  state:
    description:
    - V(present) creates the object or brings it in line with the options; V(absent) deletes it.
    type: str
    default: present
    choices:
    - present
    - absent
"""

    WAIT = r"""
options:
  wait:
    description:
    - Wait until the object has reached the state asked for (an instance runs or is stopped; a deleted
      object is gone).
    type: bool
    default: true
  timeout:
    description:
    - How long to wait, in seconds, when O(wait=true); it also bounds an instance's C(wait_for_address)
      and how long a guest is given to shut down before a restart.
    type: int
    default: 180
"""

    STACK = r"""
options:
  stack:
    description:
    - The stack label the object carries. An object is identified by its kind and O(name) within this
      stack, so the same name may be used by different stacks.
    - References to other objects (an image, a network, ...) are looked up in this stack first.
    type: str
    default: ansible
"""

    INFO = r"""
options:
  stack:
    description:
    - Only objects of this stack. When omitted, objects of every stack.
    type: str
"""
