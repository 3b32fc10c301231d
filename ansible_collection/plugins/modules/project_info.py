#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: project_info
short_description: List projects
description:
- Lists projects of the cloud, optionally by name or id and by stack.
- 'Finding nothing is not an error: the list is empty.'
author:
- iaas contributors (!UNKNOWN)
requirements:
- python >= 3.11
- iaas (in the Python that runs the module)
extends_documentation_fragment:
- iaas.cloud.common
- iaas.cloud.common.info
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so has nothing to show.
options:
  name:
    description:
    - The name or id of the project. When omitted, every project.
    type: str
seealso:
- module: iaas.cloud.project
"""

EXAMPLES = r"""
- name: Every project
  iaas.cloud.project_info:
  register: found

- name: One project of the stack ansible, by name
  iaas.cloud.project_info:
    name: web-team
    stack: ansible
"""

RETURN = r"""
projects:
  description: The projects found.
  returned: always
  type: list
  elements: dict
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
    stack:
      description: The stack the object belongs to.
      returned: always
      type: str
    address:
      description: The object's address in its stack (kind.name).
      returned: always
      type: str
"""

from ansible_collections.iaas.cloud.plugins.module_utils.resource import run_info  # noqa: E402

OPTIONS = {'name': {'type': 'str'}}


def main() -> None:
    """Run the module."""
    run_info("project", OPTIONS)


if __name__ == "__main__":
    main()
