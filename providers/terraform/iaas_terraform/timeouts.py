"""The ``timeouts`` block of every resource: how long create, update and delete may wait.

``create`` and ``update`` bound the waiting an instance does for its addresses
(``wait_for_address``, ``wait_for_port``; default 300 s) and, for an update that
restarts a guest, how long it is given to shut down (default 60 s) before it is
powered off.  ``delete`` gives a running guest that long to shut down before it
is powered off (without it, a deleted guest is powered off at once).  Values
are Terraform durations: ``"90s"``, ``"10m"``, ``"1h30m"``.
"""

from __future__ import annotations

import re
from typing import Any

from tf.gen import tfplugin_pb2 as pb

from iaas.api import FieldError, ValidationError

BLOCK = "timeouts"
OPERATIONS = ("create", "update", "delete")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def block() -> pb.Schema.NestedBlock:
    """The schema of the block."""
    return pb.Schema.NestedBlock(
        type_name=BLOCK,
        nesting=pb.Schema.NestedBlock.SINGLE,
        block=pb.Schema.Block(
            description=__doc__.split("\n\n", 1)[1].replace("\n", " ").strip(),
            description_kind=pb.MARKDOWN,
            attributes=[
                pb.Schema.Attribute(
                    name=op, type=b'"string"', optional=True, description=f"How long {op} may wait, e.g. `10m`."
                )
                for op in OPERATIONS
            ],
        ),
    )


def seconds(text: str) -> float:
    """A Terraform duration in seconds; ValueError for anything else."""
    parts = _PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(text)
    return sum(float(n) * _UNIT[u] for n, u in parts)


def problems(address: str, obj: dict[str, Any] | None) -> list[FieldError]:
    """A field error for each duration of the block that Terraform's syntax does not allow."""
    found = []
    for op, value in ((obj or {}).get(BLOCK) or {}).items():
        if isinstance(value, str):
            try:
                seconds(value)
            except ValueError:
                found.append(FieldError(address, f"{BLOCK}.{op}", f"not a duration such as 90s, 10m or 1h: {value!r}"))
    return found


def of(obj: dict[str, Any] | None, op: str) -> float | None:
    """Seconds ``op`` may wait, as the block of ``obj`` says; None when it says nothing."""
    value = ((obj or {}).get(BLOCK) or {}).get(op)
    if not isinstance(value, str):
        return None
    try:
        return seconds(value)
    except ValueError:
        raise ValidationError(problems("", obj)) from None
