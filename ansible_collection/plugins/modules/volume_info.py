#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: volume_info
short_description: List volumes
description:
- Lists volumes of the cloud, optionally by name or id and by stack.
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
    - The name or id of the volume. When omitted, every volume.
    type: str
seealso:
- module: iaas.cloud.volume
"""

EXAMPLES = r"""
- name: Every volume
  iaas.cloud.volume_info:
  register: found

- name: Their paths
  ansible.builtin.debug:
    msg: "{{ found.volumes | map(attribute='path') | list }}"
"""

RETURN = r"""
volumes:
  description: The volumes found.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    size_gib:
      description: Size in GiB. Growing is done in place; shrinking is refused.
      returned: always
      type: int
    image:
      description: Image the volume is an overlay on.
      returned: always
      type: str
    format:
      description: Disk format of the volume.
      returned: always
      type: str
    project:
      description: Project the volume counts against.
      returned: always
      type: str
    host:
      description: Host to place the volume on; chosen by the scheduler when unset.
      returned: always
      type: str
    id:
      description: Identifier of the volume.
      returned: always
      type: str
    path:
      description: Path of the volume on its host.
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
    run_info("volume", OPTIONS)


if __name__ == "__main__":
    main()
