#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: floating_ip_info
short_description: List floating ips
description:
- Lists floating ips of the cloud, optionally by name or id and by stack.
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
    - The name or id of the floating ip. When omitted, every floating ip.
    type: str
seealso:
- module: iaas.cloud.floating_ip
"""

EXAMPLES = r"""
- name: Every floating IP
  iaas.cloud.floating_ip_info:
"""

RETURN = r"""
floating_ips:
  description: The floating ips found.
  returned: always
  type: list
  elements: dict
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
    run_info("floating_ip", OPTIONS)


if __name__ == "__main__":
    main()
