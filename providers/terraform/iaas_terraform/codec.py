"""Terraform values on the wire: msgpack objects, unknown values, attribute paths and diagnostics.

Terraform sends and expects every object value as msgpack (``DynamicValue.msgpack``); a value
known only after apply is a msgpack extension value, which maps to :data:`iaas.UNKNOWN` here.
Upgrades of stored state arrive as JSON instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgpack
from tf.gen import tfplugin_pb2 as pb

from iaas.api import UNKNOWN

_UNKNOWN_WIRE = msgpack.ExtType(0, b"\x00")


def _ext_hook(code: int, data: bytes) -> Any:
    return UNKNOWN


def _default(value: Any) -> Any:
    if value is UNKNOWN:
        return _UNKNOWN_WIRE
    raise TypeError(f"cannot send a {type(value).__name__} to Terraform")


def decode(dv: pb.DynamicValue | None) -> Any:
    """The Python value of a DynamicValue (msgpack or JSON); None for an empty or null value."""
    if dv is None:
        return None
    if dv.msgpack:
        return msgpack.unpackb(dv.msgpack, raw=False, ext_hook=_ext_hook, strict_map_key=False)
    if dv.json:
        return json.loads(dv.json)
    return None


def encode(value: Any) -> pb.DynamicValue:
    """A DynamicValue holding ``value`` as msgpack; :data:`iaas.UNKNOWN` becomes Terraform's unknown."""
    return pb.DynamicValue(msgpack=msgpack.packb(value, default=_default, use_bin_type=True))


_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[\"?([^\]\"]*)\"?\]")


def attribute_path(path: str) -> pb.AttributePath:
    """The AttributePath of a dotted field path such as ``nics[0].fixed_ip``."""
    steps = []
    for m in _STEP.finditer(path):
        if m.group(1) is not None:
            steps.append(pb.AttributePath.Step(attribute_name=m.group(1)))
        elif m.group(2) is not None:
            steps.append(pb.AttributePath.Step(element_key_int=int(m.group(2))))
        else:
            steps.append(pb.AttributePath.Step(element_key_string=m.group(3)))
    return pb.AttributePath(steps=steps)


def error(summary: str, detail: str = "", path: str | None = None) -> pb.Diagnostic:
    """An error diagnostic, pointing at the attribute ``path`` when one is given."""
    diag = pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)
    if path:
        diag.attribute.CopyFrom(attribute_path(path))
    return diag


def warning(summary: str, detail: str = "") -> pb.Diagnostic:
    """A warning diagnostic."""
    return pb.Diagnostic(severity=pb.Diagnostic.WARNING, summary=summary, detail=detail)
