"""Local file paths in inputs: kept as the user wrote them, resolved only where a file is read.

A relative path (an image's ``source``) is relative to the stack file's
folder.  State records it as written, so a project moved or copied elsewhere
(stack file, images and state together) plans no change; the cloud is given
the resolved path.
"""

from __future__ import annotations

import os
from typing import Any

from iaas.model import KINDS, object_schema


def _relative(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and "://" not in value and not os.path.isabs(value)


def _local_fields(kind: str) -> list[str]:
    cls = KINDS.get(kind)
    return [f.name for f in object_schema(cls).inputs if f.spec.local_path] if cls is not None else []


def resolved(kind: str, inputs: dict[str, Any], base: str | None) -> dict[str, Any]:
    """``inputs`` with each relative local path made absolute against ``base`` (the working directory if None)."""
    names = [n for n in _local_fields(kind) if _relative(inputs.get(n))]
    if not names:
        return inputs
    folder = base or os.getcwd()
    return {**inputs, **{n: os.path.normpath(os.path.join(folder, inputs[n])) for n in names}}


def keep_recorded(kind: str, recorded: dict[str, Any], desired: dict[str, Any], base: str | None) -> dict[str, Any]:
    """``desired`` with each local path that names the recorded file given as recorded.

    A state written before paths were kept as written holds absolute paths:
    the same file, spelled differently, is no change.
    """
    same = [
        n
        for n in _local_fields(kind)
        if recorded.get(n) != desired.get(n)
        and isinstance(recorded.get(n), str)
        and resolved(kind, {n: recorded[n]}, base) == resolved(kind, {n: desired.get(n)}, base)
    ]
    return {**desired, **{n: recorded[n] for n in same}} if same else desired
