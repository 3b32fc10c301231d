#!/usr/bin/python

# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

from __future__ import annotations

DOCUMENTATION = r"""
module: key_pair_info
short_description: List key pairs
description:
- Lists key pairs of the cloud, optionally by name or id and by stack.
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
    - The name or id of the key pair. When omitted, every key pair.
    type: str
seealso:
- module: iaas.cloud.key_pair
"""

EXAMPLES = r"""
- name: Every key pair of the stack ansible
  iaas.cloud.key_pair_info:
    stack: ansible
"""

RETURN = r"""
key_pairs:
  description: The key pairs found.
  returned: always
  type: list
  elements: dict
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
    run_info("key_pair", OPTIONS)


if __name__ == "__main__":
    main()
