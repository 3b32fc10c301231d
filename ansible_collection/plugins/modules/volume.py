#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: volume
short_description: Create, update and delete volumes
description:
- 'A block storage volume: empty, or a copy-on-write overlay on an image.'
- 'The volume is identified by O(name) within O(stack). With O(state=present) the options describe the
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
  size_gib:
    description:
    - Size in GiB. Growing is done in place; shrinking is refused.
    - Required when O(state=present).
    - From V(1) to V(65536).
    - Changing it is done in place.
    type: int
  image:
    description:
    - Image the volume is an overlay on.
    - The name or id of an image; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  format:
    description:
    - Disk format of the volume.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
    default: qcow2
    choices:
    - qcow2
    - raw
  project:
    description:
    - Project the volume counts against.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  host:
    description:
    - Host to place the volume on; chosen by the scheduler when unset.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.volume_info
"""

EXAMPLES = r"""
- name: An empty 20 GiB data volume
  iaas.cloud.volume:
    name: data
    size_gib: 20
    project: web-team

- name: A volume on top of an image
  iaas.cloud.volume:
    name: scratch
    size_gib: 10
    image: debian-12
"""

RETURN = r"""
volume:
  description: The volume as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
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
    'size_gib': {'type': 'int'},
    'image': {'type': 'str'},
    'format': {'type': 'str', 'default': 'qcow2', 'choices': ['qcow2', 'raw']},
    'project': {'type': 'str'},
    'host': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = ['size_gib']


def main() -> None:
    """Run the module."""
    run_resource("volume", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
