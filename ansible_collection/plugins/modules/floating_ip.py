#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: floating_ip
short_description: Create, update and delete floating ips
description:
- 'An address of a host''s floating pool (cloud config) carried 1:1 to an instance: every port in, the
  instance''s outbound traffic out from it. Attach, move or detach it live.'
- 'The floating ip is identified by O(name) within O(stack). With O(state=present) the options describe
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
    - 'Instance the address is carried to (changed live: the address moves); unset: held, carried nowhere.'
    - The name or id of an instance; a name is looked up in O(stack) first.
    - Changing it is done in place.
    type: str
  ip_address:
    description:
    - Floating IPv4 address; taken from the floating pool of the instance's host when unset.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  project:
    description:
    - Project the floating IP belongs to.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.floating_ip_info
"""

EXAMPLES = r"""
- name: Give web-1 a floating IP from its host's pool
  iaas.cloud.floating_ip:
    name: web-public
    instance: web-1

- name: Move that address to web-2 (live; the address stays the same)
  iaas.cloud.floating_ip:
    name: web-public
    instance: web-2
"""

RETURN = r"""
floating_ip:
  description: The floating ip as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    instance:
      description: 'Instance the address is carried to (changed live: the address moves); unset: held,
        carried nowhere.'
      returned: always
      type: str
    ip_address:
      description: Floating IPv4 address; taken from the floating pool of the instance's host when unset.
      returned: always
      type: str
    project:
      description: Project the floating IP belongs to.
      returned: always
      type: str
    id:
      description: Identifier of the floating IP.
      returned: always
      type: str
    host:
      description: Host that carries the address (the instance's host).
      returned: always
      type: str
    target_address:
      description: Instance address the traffic goes to.
      returned: always
      type: str
    interface:
      description: Host interface that answers for the address.
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
    'ip_address': {'type': 'str'},
    'project': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = []


def main() -> None:
    """Run the module."""
    run_resource("floating_ip", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
