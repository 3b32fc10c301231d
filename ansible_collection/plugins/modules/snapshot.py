#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: snapshot
short_description: Create, update and delete snapshots
description:
- A snapshot of an instance's disks, with its memory when asked; bump `revert` to revert the instance
  to it.
- 'The snapshot is identified by O(name) within O(stack). With O(state=present) the options describe the
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
  instance:
    description:
    - Instance to snapshot.
    - Required when O(state=present).
    - The name or id of an instance; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
  memory:
    description:
    - 'Also save the guest''s memory: a revert resumes the guest where it was, instead of booting it from
      the restored disks. Needs the instance running when the snapshot is taken.'
    - Changing it replaces the object (it is deleted and created anew).
    type: bool
    default: false
  description:
    description:
    - Free text kept with the snapshot.
    - Changing it is done in place.
    type: str
  revert:
    description:
    - 'Change this number (for instance add 1) to revert the instance to this snapshot: the plan shows
      it as an update of the snapshot, and apply puts the instance''s disks (and memory) back. The instance
      keeps its power_state. Creating the snapshot never reverts.'
    - At least V(0).
    - Changing it is done in place.
    type: int
    default: 0
  project:
    description:
    - Project the snapshot belongs to.
    - The name or id of a project; a name is looked up in O(stack) first.
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.snapshot_info
"""

EXAMPLES = r"""
- name: Snapshot web-1 with its memory before an upgrade
  iaas.cloud.snapshot:
    name: before-upgrade
    instance: web-1
    memory: true
    description: before the upgrade

- name: Revert web-1 to that snapshot (change revert again to revert again)
  iaas.cloud.snapshot:
    name: before-upgrade
    instance: web-1
    memory: true
    description: before the upgrade
    revert: 1
"""

RETURN = r"""
snapshot:
  description: The snapshot as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    instance:
      description: Instance to snapshot.
      returned: always
      type: str
    memory:
      description: 'Also save the guest''s memory: a revert resumes the guest where it was, instead of
        booting it from the restored disks. Needs the instance running when the snapshot is taken.'
      returned: always
      type: bool
    description:
      description: Free text kept with the snapshot.
      returned: always
      type: str
    revert:
      description: 'Change this number (for instance add 1) to revert the instance to this snapshot: the
        plan shows it as an update of the snapshot, and apply puts the instance''s disks (and memory)
        back. The instance keeps its power_state. Creating the snapshot never reverts.'
      returned: always
      type: int
    project:
      description: Project the snapshot belongs to.
      returned: always
      type: str
    id:
      description: Identifier of the snapshot.
      returned: always
      type: str
    host:
      description: Host the snapshot is kept on (the instance's host).
      returned: always
      type: str
    created_at:
      description: When the snapshot was taken (UTC, ISO 8601).
      returned: always
      type: str
    state:
      description: 'The instance''s state when the snapshot was taken: running or shutoff.'
      returned: always
      type: str
    disks:
      description: Disks whose state the snapshot keeps (vda, vdb, ...).
      returned: always
      type: list
      elements: str
    reverted_at:
      description: When the instance was last reverted to this snapshot (UTC, ISO 8601).
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
    'memory': {'type': 'bool', 'default': False},
    'description': {'type': 'str'},
    'revert': {'type': 'int', 'default': 0},
    'project': {'type': 'str'},
}

REQUIRED_WHEN_PRESENT = ['instance']


def main() -> None:
    """Run the module."""
    run_resource("snapshot", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
