#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: image_info
short_description: List images
description:
- Lists images of the cloud, optionally by name or id and by stack.
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
    - The name or id of the image. When omitted, every image.
    type: str
seealso:
- module: iaas.cloud.image
"""

EXAMPLES = r"""
- name: Every image
  iaas.cloud.image_info:
  register: found

- name: The image debian-12, if it exists
  iaas.cloud.image_info:
    name: debian-12
"""

RETURN = r"""
images:
  description: The images found.
  returned: always
  type: list
  elements: dict
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
    run_info("image", OPTIONS)


if __name__ == "__main__":
    main()
