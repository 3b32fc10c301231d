"""KINDS: every kind by name, each loaded when first used."""

from __future__ import annotations

import subprocess
import sys

import pytest

from iaas.model import KINDS


def test_kinds_load_on_first_use_and_answer_like_a_mapping() -> None:
    # A command loads only the kinds it uses; KINDS still answers as the mapping of every kind, in documentation order.
    code = (
        "import sys\n"
        "from iaas.model import KINDS\n"
        "before = sorted(k for k in KINDS if f'iaas.model.{k}' in sys.modules)\n"
        "cls = KINDS['volume']\n"
        "after = sorted(k for k in KINDS if f'iaas.model.{k}' in sys.modules)\n"
        "print(before, after, cls.kind, KINDS.get('Quota'), 'volume' in KINDS, 'Quota' in KINDS, len(KINDS))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split("\n")[0] == "[] ['volume'] volume None True False 11"
    assert list(KINDS)[:3] == ["project", "image", "key_pair"]
    assert all(KINDS[kind].kind == kind for kind in KINDS)
    with pytest.raises(KeyError):
        KINDS["Quota"]
