#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: server_group
short_description: Create, update and delete server groups
description:
- 'A placement policy for instances: affinity, anti-affinity or soft variants.'
- 'The server group is identified by O(name) within O(stack). With O(state=present) the options describe
  the whole object: an option left out takes its default.'
- A change is made in place when the model allows it; a change of an option marked as replacing the object
  deletes it and creates it anew.
author:
- iaas contributors (!UNKNOWN)
requirements:
- python >= 3.11
- iaas (in the Python that runs the module)
extends_documentation_fragment:
- iaas.cloud.common
- iaas.cloud.common.state
- iaas.cloud.common.wait
- iaas.cloud.common.stack
attributes:
  check_mode:
    support: full
    description: Reports what would change without changing it.
  diff_mode:
    support: full
    description: Shows the object before and after the change.
options:
  name:
    description:
    - Name of the resource; unique per kind within a stack.
    type: str
    required: true
  policy:
    description:
    - Placement policy of the members.
    - Required when O(state=present).
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    choices:
    - affinity
    - anti-affinity
    - soft-affinity
    - soft-anti-affinity
  project:
    description:
    - Project the group belongs to.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.server_group_info
"""

EXAMPLES = r"""
- name: Spread the web servers over the hosts when possible
  iaas.cloud.server_group:
    name: web
    policy: soft-anti-affinity
"""

RETURN = r"""
server_group:
  description: The server group as the cloud reports it; empty when it does not exist. In check mode,
    values known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    policy:
      description: Placement policy of the members.
      returned: always
      type: str
    project:
      description: Project the group belongs to.
      returned: always
      type: str
    id:
      description: Identifier of the group.
      returned: always
      type: str
action:
  description: 'What was done (or, in check mode, would be done): V(create), V(update), V(migrate) (an
    instance moved to another host), V(replace), V(delete) or V(none).'
  returned: always
  type: str
  sample: create
"""

from ansible_collections.iaas.cloud.plugins.module_utils.resource import run_resource  # noqa: E402

OPTIONS = {
    'name': {'type': 'str', 'required': True},
    'policy': {'type': 'str', 'choices': ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity']},
    'project': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = ['policy']


def main() -> None:
    """Run the module."""
    run_resource("server_group", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
