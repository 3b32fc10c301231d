"""Helpers shared by the model tests: validation shortcuts, sample inputs and hand-made SSH keys."""

from __future__ import annotations

import base64
import struct
from typing import Any

from iaas.errors import FieldError
from iaas.model import Resource
from iaas.model.values import validate


def problems(cls: type[Resource], values: dict[str, Any]) -> dict[str, str]:
    """Validation problems of one resource as ``{field path: message}``."""
    errors = validate(cls, values)
    for e in errors:
        assert e.address == f"{cls.kind}.{values.get('name', '?')}"
    return {e.field: e.message for e in errors}


def assert_valid(cls: type[Resource], values: dict[str, Any]) -> None:
    """Fail with the problems found unless ``values`` are valid inputs of ``cls``."""
    assert validate(cls, values) == []


def assert_invalid(cls: type[Resource], values: dict[str, Any], path: str, *fragments: str) -> FieldError:
    """Fail unless validation reports a problem at ``path`` whose message holds every fragment."""
    errors = validate(cls, values)
    found = [e for e in errors if e.field == path]
    assert found, f"no problem at {path!r}; got {errors}"
    for fragment in fragments:
        assert fragment in found[0].message, found[0].message
    assert path in str(found[0])
    return found[0]


def wire_string(data: bytes) -> bytes:
    """One length-prefixed string of the SSH wire format."""
    return struct.pack(">I", len(data)) + data


def ed25519_public_key(seed: int = 7, comment: str = "test@example") -> str:
    """A well-formed OpenSSH ed25519 public key line, built by hand (any 32 bytes make a key blob)."""
    blob = wire_string(b"ssh-ed25519") + wire_string(bytes((seed + i) % 256 for i in range(32)))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


PUBLIC_KEY = ed25519_public_key()

#: Small valid inputs of every kind (stack-file form: references as ``${...}`` strings).
SAMPLES: dict[str, dict[str, Any]] = {
    "project": {"name": "team"},
    "image": {"name": "debian", "source": "https://example.com/debian.qcow2"},
    "key_pair": {"name": "admin", "public_key": PUBLIC_KEY},
    "network": {"name": "web", "cidr": "10.10.0.0/24"},
    "security_group": {"name": "ssh", "rules": [{"port_min": 22}]},
    "server_group": {"name": "spread", "policy": "anti-affinity"},
    "volume": {"name": "data", "size_gib": 10},
    "instance": {
        "name": "vm",
        "image": "${image.debian}",
        "flavor": "m1.tiny",
        "nics": [{"network": "${network.web}"}],
    },
    "snapshot": {"name": "before", "instance": "${instance.vm}"},
    "port_forward": {"name": "ssh", "instance": "${instance.vm}", "target_port": 22, "host_port": 2222},
    "floating_ip": {"name": "public", "instance": "${instance.vm}"},
}
