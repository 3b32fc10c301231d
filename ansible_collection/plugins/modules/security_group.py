#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: security_group
short_description: Create, update and delete security groups
description:
- 'Firewall rules for instance NICs. Default: deny ingress, allow egress and established traffic.'
- 'The security group is identified by O(name) within O(stack). With O(state=present) the options describe
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
  description:
    description:
    - Free text.
    - Changing it is done in place.
    type: str
    default: ''
  rules:
    description:
    - Allow rules, updated live on every NIC that uses the group.
    - Changing it is done in place.
    type: list
    elements: dict
    suboptions:
      direction:
        description:
        - Traffic direction the rule applies to.
        type: str
        default: ingress
        choices:
        - ingress
        - egress
      protocol:
        description:
        - IP protocol.
        type: str
        default: tcp
        choices:
        - tcp
        - udp
        - icmp
        - any
      port_min:
        description:
        - First port of the range (tcp/udp).
        - From V(1) to V(65535).
        type: int
      port_max:
        description:
        - 'Last port of the range (default: port_min).'
        - From V(1) to V(65535).
        type: int
      remote_cidr:
        description:
        - 'Peer addresses the rule allows (default: any).'
        type: str
      remote_group:
        description:
        - 'Security group whose members the rule allows, by name or id. Groups may allow each other: this
          reference orders nothing, and a group that does not exist yet allows nobody until it has members.'
        - The name or id of a security group; a name is looked up in O(stack) first.
        type: str
  project:
    description:
    - Project the group belongs to.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.security_group_info
"""

EXAMPLES = r"""
- name: HTTP from anywhere, SSH from the admin network
  iaas.cloud.security_group:
    name: web
    description: Web servers
    rules:
      - protocol: tcp
        port_min: 80
      - protocol: tcp
        port_min: 22
        remote_cidr: 192.0.2.0/24
"""

RETURN = r"""
security_group:
  description: The security group as the cloud reports it; empty when it does not exist. In check mode,
    values known only after the change read C((known after apply)).
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
    'rules': {
        'type': 'list',
        'elements': 'dict',
        'options': {
            'direction': {'type': 'str', 'default': 'ingress', 'choices': ['ingress', 'egress']},
            'protocol': {'type': 'str', 'default': 'tcp', 'choices': ['tcp', 'udp', 'icmp', 'any']},
            'port_min': {'type': 'int'},
            'port_max': {'type': 'int'},
            'remote_cidr': {'type': 'str'},
            'remote_group': {'type': 'str'},
        },
    },
    'project': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = []


def main() -> None:
    """Run the module."""
    run_resource("security_group", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
