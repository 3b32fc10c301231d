"""Names on both sides: Pulumi's camelCase properties and type tokens, iaas's snake_case fields and kinds."""

from __future__ import annotations

import hashlib
import re
import secrets

from iaas.api import KINDS, FieldSchema, ObjectSchema, object_schema
from iaas_pulumi import MODULE, PACKAGE


def camel(name: str) -> str:
    """``memory_mib`` -> ``memoryMib``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """``memoryMib`` -> ``memory_mib`` (the inverse of :func:`camel` for model names)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def pascal(name: str) -> str:
    """``security_group`` -> ``SecurityGroup``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def resource_token(kind: str) -> str:
    """The type token of a kind: ``iaas:index:SecurityGroup``."""
    return f"{PACKAGE}:{MODULE}:{pascal(kind)}"


def type_token(cls: type) -> str:
    """The type token of a nested object type: ``iaas:index:Nic``."""
    return f"{PACKAGE}:{MODULE}:{cls.__name__}"


def function_token(kind: str) -> str:
    """The token of the lookup function of a kind: ``iaas:index:getNetwork``."""
    return f"{PACKAGE}:{MODULE}:get{pascal(kind)}"


_BY_TOKEN = {resource_token(kind): kind for kind in KINDS}
_BY_FUNCTION = {function_token(kind): kind for kind in KINDS}


def kind_of_token(token: str) -> str | None:
    """The kind a resource type token names, or None."""
    return _BY_TOKEN.get(token)


def kind_of_function(token: str) -> str | None:
    """The kind whose lookup function a token names, or None."""
    return _BY_FUNCTION.get(token)


def wire_field(schema: ObjectSchema, wire_name: str) -> FieldSchema | None:
    """The model field a Pulumi property name stands for, or None for an unknown property."""
    field = schema.field(snake(wire_name))
    return field if field is not None and camel(field.name) == wire_name else None


_STEP = re.compile(r"([A-Za-z0-9_]+)((?:\[\d+\])*)")


def wire_path(kind: str, path: str) -> str:
    """A field path of the model (``nics[0].fixed_ip``) as Pulumi names it (``nics[0].fixedIp``)."""
    schema: ObjectSchema | None = object_schema(KINDS[kind])
    out = []
    for step in path.split("."):
        m = _STEP.fullmatch(step)
        if m is None or schema is None:
            out.append(step)
            schema = None
            continue
        field = schema.field(m.group(1))
        out.append((camel(m.group(1)) if field is not None else m.group(1)) + m.group(2))
        schema = field.nested if field is not None else None
    return ".".join(out)


_SUFFIX = 7  # hex digits of an auto-name's random suffix


def auto_name(logical: str, seed: bytes, salt: str = "") -> str:
    """A name for a resource declared without one: its logical name, a dash and a random suffix.

    The suffix comes from the engine's random seed of the resource (and ``salt``), else from fresh randomness.
    """
    digest = hashlib.sha256(seed + salt.encode()).hexdigest() if seed else secrets.token_hex(_SUFFIX)
    return f"{logical}-{digest[:_SUFFIX]}"


def is_auto_name(name: object, logical: str) -> bool:
    """True when ``name`` has the shape of an auto-name of the resource ``logical``."""
    return isinstance(name, str) and re.fullmatch(re.escape(logical) + f"-[0-9a-f]{{{_SUFFIX}}}", name) is not None
