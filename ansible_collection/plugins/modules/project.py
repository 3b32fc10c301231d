#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: project
short_description: Create, update and delete projects
description:
- A tenant with quotas; resources that name it count against them.
- 'The project is identified by O(name) within O(stack). With O(state=present) the options describe the
  whole object: an option left out takes its default.'
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
  description:
    description:
    - Free text.
    - Changing it is done in place.
    type: str
    default: ''
  quota:
    description:
    - Quotas of the project.
    - Changing it is done in place.
    type: dict
    suboptions:
      instances:
        description:
        - Instances.
        - At least V(-1).
        type: int
        default: 10
      vcpus:
        description:
        - Virtual CPUs over all instances.
        - At least V(-1).
        type: int
        default: 20
      memory_mib:
        description:
        - Memory over all instances, in MiB.
        - At least V(-1).
        type: int
        default: 51200
      volumes:
        description:
        - Volumes.
        - At least V(-1).
        type: int
        default: 10
      volume_gib:
        description:
        - Volume and root disk size over all, in GiB.
        - At least V(-1).
        type: int
        default: 1000
      networks:
        description:
        - Networks.
        - At least V(-1).
        type: int
        default: 100
      port_forwards:
        description:
        - Port forwards.
        - At least V(-1).
        type: int
        default: 50
      floating_ips:
        description:
        - Floating IPs.
        - At least V(-1).
        type: int
        default: 50
seealso:
- module: iaas.cloud.project_info
"""

EXAMPLES = r"""
- name: A project with its own quotas
  iaas.cloud.project:
    name: web-team
    description: The web team's resources
    quota:
      instances: 4
      vcpus: 8
      memory_mib: 8192

- name: Delete the project
  iaas.cloud.project:
    name: web-team
    state: absent
"""

RETURN = r"""
project:
  description: The project as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    description:
      description: Free text.
      returned: always
      type: str
    quota:
      description: Quotas of the project.
      returned: always
      type: dict
      contains:
        instances:
          description: Instances.
          returned: always
          type: int
        vcpus:
          description: Virtual CPUs over all instances.
          returned: always
          type: int
        memory_mib:
          description: Memory over all instances, in MiB.
          returned: always
          type: int
        volumes:
          description: Volumes.
          returned: always
          type: int
        volume_gib:
          description: Volume and root disk size over all, in GiB.
          returned: always
          type: int
        networks:
          description: Networks.
          returned: always
          type: int
        port_forwards:
          description: Port forwards.
          returned: always
          type: int
        floating_ips:
          description: Floating IPs.
          returned: always
          type: int
    id:
      description: Identifier of the project.
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
    'description': {'type': 'str', 'default': ''},
    'quota': {
        'type': 'dict',
        'options': {
            'instances': {'type': 'int', 'default': 10},
            'vcpus': {'type': 'int', 'default': 20},
            'memory_mib': {'type': 'int', 'default': 51200},
            'volumes': {'type': 'int', 'default': 10},
            'volume_gib': {'type': 'int', 'default': 1000},
            'networks': {'type': 'int', 'default': 100},
            'port_forwards': {'type': 'int', 'default': 50},
            'floating_ips': {'type': 'int', 'default': 50},
        },
    },
}

REQUIRED_WHEN_PRESENT = []


def main() -> None:
    """Run the module."""
    run_resource("project", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
