#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: security_group_info
short_description: List security groups
description:
- Lists security groups of the cloud, optionally by name or id and by stack.
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
    - The name or id of the security group. When omitted, every security group.
    type: str
seealso:
- module: iaas.cloud.security_group
"""

EXAMPLES = r"""
- name: Every security group
  iaas.cloud.security_group_info:
"""

RETURN = r"""
security_groups:
  description: The security groups found.
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
    rules:
      description: Allow rules, updated live on every NIC that uses the group.
      returned: always
      type: list
      elements: dict
      contains:
        direction:
          description: Traffic direction the rule applies to.
          returned: always
          type: str
        protocol:
          description: IP protocol.
          returned: always
          type: str
        port_min:
          description: First port of the range (tcp/udp).
          returned: always
          type: int
        port_max:
          description: 'Last port of the range (default: port_min).'
          returned: always
          type: int
        remote_cidr:
          description: 'Peer addresses the rule allows (default: any).'
          returned: always
          type: str
        remote_group:
          description: 'Security group whose members the rule allows, by name or id. Groups may allow
            each other: this reference orders nothing, and a group that does not exist yet allows nobody
            until it has members.'
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
    dataplane:
      description: 'Whether its host still carries it, checked at every refresh: `present`, or `missing:
        …` naming what a host lost (a reboot, say), which an update puts back; a plan shows a loss as
        drift of this field. The output `programmed` says what was programmed (`nft: DNAT to …`, `recorded
        only: …`).'
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
    run_info("security_group", OPTIONS)


if __name__ == "__main__":
    main()
