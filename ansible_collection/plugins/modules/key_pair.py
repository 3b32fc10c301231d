#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: key_pair
short_description: Create, update and delete key pairs
description:
- An SSH public key, injected into instances through cloud-init.
- 'The key pair is identified by O(name) within O(stack). With O(state=present) the options describe the
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
  public_key:
    description:
    - OpenSSH public key line (type, base64 data, optional comment).
    - Required when O(state=present).
    - Changing it replaces the object (it is deleted and created anew).
    type: str
seealso:
- module: iaas.cloud.key_pair_info
"""

EXAMPLES = r"""
- name: The admin's SSH key
  iaas.cloud.key_pair:
    name: admin
    public_key: "{{ lookup('ansible.builtin.file', '~/.ssh/id_ed25519.pub') }}"
"""

RETURN = r"""
key_pair:
  description: The key pair as the cloud reports it; empty when it does not exist. In check mode, values
    known only after the change read C((known after apply)).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the resource; unique per kind within a stack.
      returned: always
      type: str
    public_key:
      description: OpenSSH public key line (type, base64 data, optional comment).
      returned: always
      type: str
    id:
      description: Identifier of the key pair.
      returned: always
      type: str
    fingerprint:
      description: SHA256 fingerprint of the key, as ssh-keygen -l prints it.
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

OPTIONS = {'name': {'type': 'str', 'required': True}, 'public_key': {'type': 'str', 'no_log': False}}

REQUIRED_WHEN_PRESENT = ['public_key']


def main() -> None:
    """Run the module."""
    run_resource("key_pair", OPTIONS, REQUIRED_WHEN_PRESENT)


if __name__ == "__main__":
    main()
