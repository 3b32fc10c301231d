#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: network_info
short_description: List networks
description:
- Lists networks of the cloud, optionally by name or id and by stack.
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
    - The name or id of the network. When omitted, every network.
    type: str
seealso:
- module: iaas.cloud.network
"""

EXAMPLES = r"""
- name: The network web, if it exists
  iaas.cloud.network_info:
    name: web
  register: found

- name: Use its gateway
  ansible.builtin.debug:
    msg: "{{ found.networks[0].gateway }}"
  when: found.networks | length > 0
"""

RETURN = r"""
networks:
  description: The networks found.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    cidr:
      description: IPv4 subnet in CIDR notation; the first address is the gateway.
      returned: always
      type: str
    mode:
      description: 'Forwarding mode: nat (outbound through the host), isolated, routed; or a provider
        network on the operator''s LAN: bridge (an existing host bridge) or macvtap (a host interface).'
      returned: always
      type: str
    dhcp:
      description: Serve addresses by DHCP.
      returned: always
      type: bool
    dhcp_start:
      description: 'First address of the DHCP range (default: gateway + 1); changed without restarting
        the network.'
      returned: always
      type: str
    dhcp_end:
      description: 'Last address of the DHCP range (default: last usable address); changed without restarting
        the network.'
      returned: always
      type: str
    domain:
      description: DNS domain served to guests.
      returned: always
      type: str
    dns_hosts:
      description: 'DNS records the network''s DNS service answers guests with: host name to IPv4 address;
        changed without restarting the network.'
      returned: always
      type: dict
    mtu:
      description: MTU of the bridge.
      returned: always
      type: int
    ipv6_cidr:
      description: 'IPv6 subnet in CIDR notation. Not supported yet: the hosts'' networks are IPv4 only,
        and a value is refused.'
      returned: always
      type: str
    project:
      description: Project the network counts against.
      returned: always
      type: str
    host:
      description: Host to create the network on; chosen by the scheduler when unset.
      returned: always
      type: str
    interface:
      description: 'Mode macvtap: the host interface the guests sit on (it must exist on every host of
        the network).'
      returned: always
      type: str
    id:
      description: UUID of the network.
      returned: always
      type: str
    bridge:
      description: 'Name of the host bridge. Mode bridge: the existing bridge on each host, which iaas
        never creates or deletes; nat, isolated, routed: the bridge iaas makes (default: iaas- and the
        start of the id).'
      returned: always
      type: str
    gateway:
      description: Gateway address of the subnet.
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
    run_info("network", OPTIONS)


if __name__ == "__main__":
    main()
