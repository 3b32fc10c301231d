#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: image
short_description: Create, update and delete images
description:
- A bootable disk image, imported once per host and shared by copy-on-write.
- 'The image is identified by O(name) within O(stack). With O(state=present) the options describe the
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
  source:
    description:
    - Local path or http(s) URL of the image file; a relative path is relative to the stack file's folder
      (in Python, to the working directory when planning). Set this, source_instance or source_snapshot.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  source_instance:
    description:
    - Instance whose root disk the image is a copy of (a clone; the instance must be stopped). The image
      is kept on the instance's host.
    - The name or id of an instance; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  source_snapshot:
    description:
    - Snapshot whose saved root disk the image is a copy of (a clone; the instance may run). The image
      is kept on the instance's host.
    - The name or id of a snapshot; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  format:
    description:
    - Disk format of the image file.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    default: qcow2
    choices:
    - qcow2
    - raw
  sha256:
    description:
    - Expected SHA-256 checksum of the file; verified on import.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  architecture:
    description:
    - 'CPU architecture the image runs on; its instances go only to hosts of that architecture (default:
      any host).'
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    choices:
    - x86_64
    - aarch64
    - i686
    - armv7l
    - ppc64le
    - s390x
    - riscv64
  kernel:
    description:
    - Absolute path, on every host, of a kernel that instances of this image boot directly (no boot loader);
      the image is then their root disk only.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  initrd:
    description:
    - Absolute path, on every host, of the initial ramdisk booted with kernel.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  cmdline:
    description:
    - Kernel command line booted with kernel.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.image_info
"""

EXAMPLES = r"""
- name: An image from a local file
  iaas.cloud.image:
    name: debian-12
    source: /srv/images/debian-12-genericcloud-amd64.qcow2

- name: An image downloaded by every host, checked against its checksum
  iaas.cloud.image:
    name: debian-12-web
    source: https://images.example.org/debian-12-genericcloud-amd64.qcow2
    sha256: 2f5b1d2b0e8d2a6c0a9bc5c4a1f1f3c0c2a0f3a8f2b8c3d2e1f0a9b8c7d6e5f4
"""

RETURN = r"""
image:
  description: The image as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    source:
      description: Local path or http(s) URL of the image file; a relative path is relative to the stack
        file's folder (in Python, to the working directory when planning). Set this, source_instance or
        source_snapshot.
      returned: always
      type: str
    source_instance:
      description: Instance whose root disk the image is a copy of (a clone; the instance must be stopped).
        The image is kept on the instance's host.
      returned: always
      type: str
    source_snapshot:
      description: Snapshot whose saved root disk the image is a copy of (a clone; the instance may run).
        The image is kept on the instance's host.
      returned: always
      type: str
    format:
      description: Disk format of the image file.
      returned: always
      type: str
    sha256:
      description: Expected SHA-256 checksum of the file; verified on import.
      returned: always
      type: str
    architecture:
      description: 'CPU architecture the image runs on; its instances go only to hosts of that architecture
        (default: any host).'
      returned: always
      type: str
    kernel:
      description: Absolute path, on every host, of a kernel that instances of this image boot directly
        (no boot loader); the image is then their root disk only.
      returned: always
      type: str
    initrd:
      description: Absolute path, on every host, of the initial ramdisk booted with kernel.
      returned: always
      type: str
    cmdline:
      description: Kernel command line booted with kernel.
      returned: always
      type: str
    id:
      description: Identifier of the imported image.
      returned: always
      type: str
    size:
      description: Size of the image file in bytes.
      returned: always
      type: int
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
    'source': {'type': 'str'},
    'source_instance': {'type': 'str'},
    'source_snapshot': {'type': 'str'},
    'format': {'type': 'str', 'default': 'qcow2', 'choices': ['qcow2', 'raw']},
    'sha256': {'type': 'str'},
    'architecture': {
        'type': 'str',
        'choices': ['x86_64', 'aarch64', 'i686', 'armv7l', 'ppc64le', 's390x', 'riscv64'],
    },
    'kernel': {'type': 'str'},
    'initrd': {'type': 'str'},
    'cmdline': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = []


def main() -> None:
    """Run the module."""
    run_resource("image", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
