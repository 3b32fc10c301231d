#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: network
short_description: Create, update and delete networks
description:
- A virtual network with an IPv4 subnet, DHCP and DNS.
- 'The network is identified by O(name) within O(stack). With O(state=present) the options describe the
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
  cidr:
    description:
    - IPv4 subnet in CIDR notation; the first address is the gateway.
    - Required when O(state=present).
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  mode:
    description:
    - 'Forwarding mode: nat (outbound through the host), isolated, routed; or a provider network on the
      operator''s LAN: bridge (an existing host bridge) or macvtap (a host interface).'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    default: nat
    choices:
    - nat
    - isolated
    - routed
    - bridge
    - macvtap
  dhcp:
    description:
    - Serve addresses by DHCP.
    - Changing it stops and starts the object.
    type: bool
    default: true
  dhcp_start:
    description:
    - 'First address of the DHCP range (default: gateway + 1); changed without restarting the network.'
    - Changing it is done in place.
    type: str
  dhcp_end:
    description:
    - 'Last address of the DHCP range (default: last usable address); changed without restarting the network.'
    - Changing it is done in place.
    type: str
  domain:
    description:
    - DNS domain served to guests.
    - Changing it stops and starts the object.
    type: str
  dns_hosts:
    description:
    - 'DNS records the network''s DNS service answers guests with: host name to IPv4 address; changed
      without restarting the network.'
    - Changing it is done in place.
    type: dict
  mtu:
    description:
    - MTU of the bridge.
    - From V(576) to V(9216).
    - Changing it stops and starts the object.
    type: int
  ipv6_cidr:
    description:
    - 'IPv6 subnet in CIDR notation. Not supported yet: the hosts'' networks are IPv4 only, and a value
      is refused.'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  project:
    description:
    - Project the network counts against.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  host:
    description:
    - Host to create the network on; chosen by the scheduler when unset.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  interface:
    description:
    - 'Mode macvtap: the host interface the guests sit on (it must exist on every host of the network).'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  bridge:
    description:
    - 'Name of the host bridge. Mode bridge: the existing bridge on each host, which iaas never creates
      or deletes; nat, isolated, routed: the bridge iaas makes (default: iaas- and the start of the id).'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.network_info
"""

EXAMPLES = r"""
- name: A NAT network with DHCP and a DNS domain
  iaas.cloud.network:
    name: web
    cidr: 10.42.0.0/24
    domain: web.internal

- name: An isolated network without DHCP
  iaas.cloud.network:
    name: storage
    cidr: 10.43.0.0/24
    mode: isolated
    dhcp: false
"""

RETURN = r"""
network:
  description: The network as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
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
    'cidr': {'type': 'str'},
    'mode': {'type': 'str', 'default': 'nat', 'choices': ['nat', 'isolated', 'routed', 'bridge', 'macvtap']},
    'dhcp': {'type': 'bool', 'default': True},
    'dhcp_start': {'type': 'str'},
    'dhcp_end': {'type': 'str'},
    'domain': {'type': 'str'},
    'dns_hosts': {'type': 'dict'},
    'mtu': {'type': 'int'},
    'ipv6_cidr': {'type': 'str'},
    'project': {'type': 'str'},
    'host': {'type': 'str'},
    'interface': {'type': 'str'},
    'bridge': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = ['cidr']


def main() -> None:
    """Run the module."""
    run_resource("network", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
