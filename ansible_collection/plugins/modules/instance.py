#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: instance
short_description: Create, update and delete instances
description:
- A virtual machine booted from an image, configured by cloud-init.
- 'The instance is identified by O(name) within O(stack). With O(state=present) the options describe the
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
  image:
    description:
    - Image the root disk is built on.
    - Required when O(state=present).
    - The name or id of an image; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  flavor:
    description:
    - A built-in size (m1.tiny ... m1.xlarge) or a flavor of the cloud config; or set vcpus and memory_mib.
      Fields set on the instance win over the flavor's.
    - Changing it stops and starts the object.
    type: str
  vcpus:
    description:
    - 'Number of virtual CPUs (default: from the flavor). Live up to max_vcpus.'
    - From V(1) to V(256).
    - Changing it stops and starts the object.
    type: int
  memory_mib:
    description:
    - 'Memory in MiB (default: from the flavor). Live up to max_memory_mib.'
    - From V(64) to V(4194304).
    - Changing it stops and starts the object.
    type: int
  max_vcpus:
    description:
    - 'Ceiling for live vCPU changes (default: vcpus).'
    - From V(1) to V(256).
    - Changing it stops and starts the object.
    type: int
  max_memory_mib:
    description:
    - 'Ceiling for live memory changes (default: memory_mib).'
    - From V(64) to V(4194304).
    - Changing it stops and starts the object.
    type: int
  root_disk_gib:
    description:
    - 'Size of the root disk in GiB (default: from the flavor, else 10). Grows live.'
    - From V(1) to V(65536).
    - Changing it is done in place.
    type: int
  volumes:
    description:
    - Extra volumes attached to the instance (attached and detached live).
    - The name or id of a volume; a name is looked up in O(stack) first.
    - Changing it is done in place.
    type: list
    elements: str
  nics:
    description:
    - Network interfaces, in order.
    - Changing it is done in place.
    type: list
    elements: dict
    suboptions:
      network:
        description:
        - Network the NIC is attached to.
        - The name or id of a network; a name is looked up in O(stack) first.
        type: str
        required: true
      fixed_ip:
        description:
        - Fixed IPv4 address inside the network (a static DHCP entry).
        type: str
      security_groups:
        description:
        - Security groups applied to the NIC.
        - The name or id of a security group; a name is looked up in O(stack) first.
        type: list
        elements: str
  key_pair:
    description:
    - Key pair injected through cloud-init.
    - The name or id of a key pair; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  user_data:
    description:
    - cloud-init user data.
    - The value is kept out of the module's output and logs.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  power_state:
    description:
    - Desired power state.
    - Changing it is done in place.
    type: str
    default: running
    choices:
    - running
    - stopped
  stop_timeout:
    description:
    - Seconds a guest has to shut down by itself (ACPI power button) when it is deleted, replaced, stopped
      or restarted for a change, before it is powered off.
    - From V(0) to V(3600).
    - Changing it is done in place.
    type: int
    default: 60
  wait_for_address:
    description:
    - When the instance is created or changed while running, wait until every NIC holds an address (up
      to address_timeout), so that ip_address is known when the apply ends; on timeout the step fails
      and says what it saw on each NIC.
    - Changing it is done in place.
    type: bool
    default: false
  wait_for_port:
    description:
    - 'Also wait until this TCP port of the first address accepts connections (implies wait_for_address;
      within the same address_timeout). The probe is made on the host: in its network namespace on this
      machine, through ssh or its command_prefix on a remote host.'
    - From V(1) to V(65535).
    - Changing it is done in place.
    type: int
  address_timeout:
    description:
    - Seconds wait_for_address and wait_for_port wait in all.
    - From V(1) to V(86400).
    - Changing it is done in place.
    type: int
    default: 300
  address_source:
    description:
    - 'Where wait_for_address learns the addresses: lease (the host''s DHCP leases) or agent (the QEMU
      guest agent, which must run in the guest).'
    - Changing it is done in place.
    type: str
    default: lease
    choices:
    - lease
    - agent
  cpu_mode:
    description:
    - 'CPU the guest sees: host-passthrough (the host''s own CPU; KVM hosts only), host-model (the named
      model closest to the host''s CPU), maximum (every feature the hypervisor can emulate) or a CPU model
      name such as Skylake-Client or Nehalem (default: the hypervisor''s, qemu64). The host must offer
      it (checked at plan).'
    - Changing it stops and starts the object.
    type: str
  machine:
    description:
    - 'Machine type: q35 (PCIe, SATA; needed for secure boot), pc (i440fx, IDE) or a versioned one such
      as pc-q35-7.2 (default: the hypervisor''s, pc).'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  firmware:
    description:
    - 'Firmware the guest boots with: bios (SeaBIOS) or uefi (OVMF, from the host''s ovmf package).'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    default: bios
    choices:
    - bios
    - uefi
  secure_boot:
    description:
    - UEFI secure boot with the usual vendor keys enrolled (needs firmware uefi and machine q35).
    - Changing it replaces the object (it is deleted and created anew).
    type: bool
    default: false
  tpm:
    description:
    - An emulated TPM 2.0 device (needs swtpm on the host).
    - Changing it stops and starts the object.
    type: bool
    default: false
  boot_order:
    description:
    - 'Devices to boot from, in order: disk, network (PXE on the first NIC), cdrom (default: disk). Ignored
      when the image boots a kernel directly.'
    - Changing it stops and starts the object.
    type: list
    choices:
    - disk
    - network
    - cdrom
    elements: str
  disk_bus:
    description:
    - 'Bus of the root disk and the volumes: virtio, scsi (virtio-scsi), sata or ide (machine pc only).
      Volumes attach live on virtio and scsi, with a restart on sata and ide.'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    default: virtio
    choices:
    - virtio
    - scsi
    - sata
    - ide
  graphics:
    description:
    - 'A graphical console: vnc, spice or none; it listens on the host''s loopback address, on a port
      the host picks (see graphics_address).'
    - Changing it stops and starts the object.
    type: str
    default: none
    choices:
    - none
    - vnc
    - spice
  host:
    description:
    - Host to place the instance on; chosen by the scheduler when unset. Changing it migrates the instance
      to that host (live while it runs, with its disks; it keeps its addresses).
    - Changing it moves the object to that host in place (live migration).
    type: str
  host_labels:
    description:
    - Labels the host must carry (the labels of the cloud config's hosts); the scheduler places the instance
      only on a host that has every one.
    - Changing it replaces the object (it is deleted and created anew).
    type: dict
  server_group:
    description:
    - Server group whose placement policy applies.
    - The name or id of a server group; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  project:
    description:
    - Project the instance counts against.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.instance_info
"""

EXAMPLES = r"""
- name: A web server on the web network with a fixed address
  iaas.cloud.instance:
    name: web-1
    image: debian-12
    flavor: m1.small
    key_pair: admin
    server_group: web
    volumes: [data]
    nics:
      - network: web
        fixed_ip: 10.42.0.10
        security_groups: [web]
    user_data: |
      #cloud-config
      packages: [nginx]

- name: Grow its memory (live, below the ceiling)
  iaas.cloud.instance:
    name: web-1
    image: debian-12
    vcpus: 2
    memory_mib: 2048
    max_memory_mib: 8192
    nics:
      - network: web
        fixed_ip: 10.42.0.10

- name: Delete it
  iaas.cloud.instance:
    name: web-1
    state: absent
"""

RETURN = r"""
instance:
  description: The instance as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    image:
      description: Image the root disk is built on.
      returned: always
      type: str
    flavor:
      description: A built-in size (m1.tiny ... m1.xlarge) or a flavor of the cloud config; or set vcpus
        and memory_mib. Fields set on the instance win over the flavor's.
      returned: always
      type: str
    vcpus:
      description: 'Number of virtual CPUs (default: from the flavor). Live up to max_vcpus.'
      returned: always
      type: int
    memory_mib:
      description: 'Memory in MiB (default: from the flavor). Live up to max_memory_mib.'
      returned: always
      type: int
    max_vcpus:
      description: 'Ceiling for live vCPU changes (default: vcpus).'
      returned: always
      type: int
    max_memory_mib:
      description: 'Ceiling for live memory changes (default: memory_mib).'
      returned: always
      type: int
    root_disk_gib:
      description: 'Size of the root disk in GiB (default: from the flavor, else 10). Grows live.'
      returned: always
      type: int
    volumes:
      description: Extra volumes attached to the instance (attached and detached live).
      returned: always
      type: list
      elements: str
    nics:
      description: Network interfaces, in order.
      returned: always
      type: list
      elements: dict
      contains:
        network:
          description: Network the NIC is attached to.
          returned: always
          type: str
        fixed_ip:
          description: Fixed IPv4 address inside the network (a static DHCP entry).
          returned: always
          type: str
        security_groups:
          description: Security groups applied to the NIC.
          returned: always
          type: list
          elements: str
    key_pair:
      description: Key pair injected through cloud-init.
      returned: always
      type: str
    user_data:
      description: cloud-init user data. Hidden from the output.
      returned: always
      type: str
    power_state:
      description: Desired power state.
      returned: always
      type: str
    stop_timeout:
      description: Seconds a guest has to shut down by itself (ACPI power button) when it is deleted,
        replaced, stopped or restarted for a change, before it is powered off.
      returned: always
      type: int
    wait_for_address:
      description: When the instance is created or changed while running, wait until every NIC holds an
        address (up to address_timeout), so that ip_address is known when the apply ends; on timeout the
        step fails and says what it saw on each NIC.
      returned: always
      type: bool
    wait_for_port:
      description: 'Also wait until this TCP port of the first address accepts connections (implies wait_for_address;
        within the same address_timeout). The probe is made on the host: in its network namespace on this
        machine, through ssh or its command_prefix on a remote host.'
      returned: always
      type: int
    address_timeout:
      description: Seconds wait_for_address and wait_for_port wait in all.
      returned: always
      type: int
    address_source:
      description: 'Where wait_for_address learns the addresses: lease (the host''s DHCP leases) or agent
        (the QEMU guest agent, which must run in the guest).'
      returned: always
      type: str
    cpu_mode:
      description: 'CPU the guest sees: host-passthrough (the host''s own CPU; KVM hosts only), host-model
        (the named model closest to the host''s CPU), maximum (every feature the hypervisor can emulate)
        or a CPU model name such as Skylake-Client or Nehalem (default: the hypervisor''s, qemu64). The
        host must offer it (checked at plan).'
      returned: always
      type: str
    machine:
      description: 'Machine type: q35 (PCIe, SATA; needed for secure boot), pc (i440fx, IDE) or a versioned
        one such as pc-q35-7.2 (default: the hypervisor''s, pc).'
      returned: always
      type: str
    firmware:
      description: 'Firmware the guest boots with: bios (SeaBIOS) or uefi (OVMF, from the host''s ovmf
        package).'
      returned: always
      type: str
    secure_boot:
      description: UEFI secure boot with the usual vendor keys enrolled (needs firmware uefi and machine
        q35).
      returned: always
      type: bool
    tpm:
      description: An emulated TPM 2.0 device (needs swtpm on the host).
      returned: always
      type: bool
    boot_order:
      description: 'Devices to boot from, in order: disk, network (PXE on the first NIC), cdrom (default:
        disk). Ignored when the image boots a kernel directly.'
      returned: always
      type: list
      elements: str
    disk_bus:
      description: 'Bus of the root disk and the volumes: virtio, scsi (virtio-scsi), sata or ide (machine
        pc only). Volumes attach live on virtio and scsi, with a restart on sata and ide.'
      returned: always
      type: str
    graphics:
      description: 'A graphical console: vnc, spice or none; it listens on the host''s loopback address,
        on a port the host picks (see graphics_address).'
      returned: always
      type: str
    host:
      description: Host to place the instance on; chosen by the scheduler when unset. Changing it migrates
        the instance to that host (live while it runs, with its disks; it keeps its addresses).
      returned: always
      type: str
    host_labels:
      description: Labels the host must carry (the labels of the cloud config's hosts); the scheduler
        places the instance only on a host that has every one.
      returned: always
      type: dict
    server_group:
      description: Server group whose placement policy applies.
      returned: always
      type: str
    project:
      description: Project the instance counts against.
      returned: always
      type: str
    id:
      description: UUID of the instance.
      returned: always
      type: str
    ip_address:
      description: First IPv4 address of the first NIC.
      returned: always
      type: str
    ip_addresses:
      description: IPv4 addresses, one per NIC in order.
      returned: always
      type: list
      elements: str
    mac_addresses:
      description: MAC addresses, one per NIC in order.
      returned: always
      type: list
      elements: str
    graphics_address:
      description: Where to connect a VNC or SPICE viewer (address:port on the host) while the guest runs
        with graphics.
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
    'image': {'type': 'str'},
    'flavor': {'type': 'str'},
    'vcpus': {'type': 'int'},
    'memory_mib': {'type': 'int'},
    'max_vcpus': {'type': 'int'},
    'max_memory_mib': {'type': 'int'},
    'root_disk_gib': {'type': 'int'},
    'volumes': {'type': 'list', 'elements': 'str'},
    'nics': {
        'type': 'list',
        'elements': 'dict',
        'options': {
            'network': {'type': 'str', 'required': True},
            'fixed_ip': {'type': 'str'},
            'security_groups': {'type': 'list', 'elements': 'str'},
        },
    },
    'key_pair': {'type': 'str', 'no_log': False},
    'user_data': {'type': 'str', 'no_log': True},
    'power_state': {'type': 'str', 'default': 'running', 'choices': ['running', 'stopped']},
    'stop_timeout': {'type': 'int', 'default': 60},
    'wait_for_address': {'type': 'bool', 'default': False},
    'wait_for_port': {'type': 'int'},
    'address_timeout': {'type': 'int', 'default': 300},
    'address_source': {'type': 'str', 'default': 'lease', 'choices': ['lease', 'agent']},
    'cpu_mode': {'type': 'str'},
    'machine': {'type': 'str'},
    'firmware': {'type': 'str', 'default': 'bios', 'choices': ['bios', 'uefi']},
    'secure_boot': {'type': 'bool', 'default': False},
    'tpm': {'type': 'bool', 'default': False},
    'boot_order': {'type': 'list', 'choices': ['disk', 'network', 'cdrom'], 'elements': 'str'},
    'disk_bus': {'type': 'str', 'default': 'virtio', 'choices': ['virtio', 'scsi', 'sata', 'ide']},
    'graphics': {'type': 'str', 'default': 'none', 'choices': ['none', 'vnc', 'spice']},
    'host': {'type': 'str'},
    'host_labels': {'type': 'dict'},
    'server_group': {'type': 'str'},
    'project': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = ['image']


def main() -> None:
    """Run the module."""
    run_resource("instance", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
