# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by ansible_collection/tools/generate.py from the iaas model: change the model, then run it again.

"""The options iaas modules share, by group (documented by the doc fragment iaas.cloud.common)."""

from __future__ import annotations

GROUPS = {
    'cloud': {'cloud': {'type': 'raw'}},
    'state': {'state': {'type': 'str', 'default': 'present', 'choices': ['present', 'absent']}},
    'wait': {'wait': {'type': 'bool', 'default': True}, 'timeout': {'type': 'int', 'default': 180}},
    'stack': {'stack': {'type': 'str', 'default': 'ansible'}},
    'info': {'stack': {'type': 'str'}},
}

RESOURCE_GROUPS = ('cloud', 'state', 'wait', 'stack')
INFO_GROUPS = ('cloud', 'info')
ACTION_GROUPS = ('cloud', 'wait', 'stack')
STACK_GROUPS = ('cloud', 'state', 'wait')
