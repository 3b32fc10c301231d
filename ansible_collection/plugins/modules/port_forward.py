#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: port_forward
short_description: Create, update and delete port forwards
description:
- 'Forwards a host address and port to an instance: the floating IP of a host.'
- 'The port forward is identified by O(name) within O(stack). With O(state=present) the options describe
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
  instance:
    description:
    - Instance that receives the traffic.
    - Required when O(state=present).
    - The name or id of an instance; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  target_port:
    description:
    - Port on the instance.
    - Required when O(state=present).
    - From V(1) to V(65535).
    - Changing it replaces the object (it is deleted and created anew).
    type: int
  host_port:
    description:
    - Port on the host.
    - Required when O(state=present).
    - From V(1) to V(65535).
    - Changing it replaces the object (it is deleted and created anew).
    type: int
  host_address:
    description:
    - 'Host IPv4 address to listen on (0.0.0.0: every address); not a loopback address.'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    default: 0.0.0.0
  protocol:
    description:
    - Transport protocol.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    default: tcp
    choices:
    - tcp
    - udp
  project:
    description:
    - Project the port forward counts against.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.port_forward_info
"""

EXAMPLES = r"""
- name: Forward port 2222 of the host to SSH on web-1
  iaas.cloud.port_forward:
    name: web-1-ssh
    instance: web-1
    host_port: 2222
    target_port: 22
"""

RETURN = r"""
port_forward:
  description: The port forward as the cloud reports it; empty when it does not exist. In check mode,
    values known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    instance:
      description: Instance that receives the traffic.
      returned: always
      type: str
    target_port:
      description: Port on the instance.
      returned: always
      type: int
    host_port:
      description: Port on the host.
      returned: always
      type: int
    host_address:
      description: 'Host IPv4 address to listen on (0.0.0.0: every address); not a loopback address.'
      returned: always
      type: str
    protocol:
      description: Transport protocol.
      returned: always
      type: str
    project:
      description: Project the port forward counts against.
      returned: always
      type: str
    id:
      description: Identifier of the port forward.
      returned: always
      type: str
    host:
      description: Host the forward lives on (the instance's host).
      returned: always
      type: str
    target_address:
      description: Instance address the traffic goes to.
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
    'instance': {'type': 'str'},
    'target_port': {'type': 'int'},
    'host_port': {'type': 'int'},
    'host_address': {'type': 'str', 'default': '0.0.0.0'},
    'protocol': {'type': 'str', 'default': 'tcp', 'choices': ['tcp', 'udp']},
    'project': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = ['instance', 'target_port', 'host_port']


def main() -> None:
    """Run the module."""
    run_resource("port_forward", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
