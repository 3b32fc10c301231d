#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: snapshot_info
short_description: List snapshots
description:
- Lists snapshots of the cloud, optionally by name or id and by stack.
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
    - The name or id of the snapshot. When omitted, every snapshot.
    type: str
seealso:
- module: iaas.cloud.snapshot
"""

EXAMPLES = r"""
- name: Every snapshot
  iaas.cloud.snapshot_info:
"""

RETURN = r"""
snapshots:
  description: The snapshots found.
  returned: always
  type: list
  elements: dict
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
    run_info("snapshot", OPTIONS)


if __name__ == "__main__":
    main()
