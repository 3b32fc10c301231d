"""Value checks shared by the resource kinds; each returns an error message or None."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import struct
from typing import Any

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def name(value: Any) -> str | None:
    """Names: 1-63 characters, letters, digits, ``-``, ``_`` and ``.``; starting with a letter or digit."""
    if not isinstance(value, str) or not _NAME_RE.match(value):
        return (f"invalid name {value!r}: use 1-63 letters, digits, '-', '_' or '.', "
                "starting with a letter or digit")
    return None


def ipv4_cidr(value: Any) -> str | None:
    """An IPv4 network in CIDR notation with no host bits set, prefix /8 to /30."""
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError) as exc:
        return f"invalid IPv4 CIDR {value!r}: {exc}"
    if not 8 <= net.prefixlen <= 30:
        return f"prefix length /{net.prefixlen} of {value!r} is outside /8 to /30"
    return None


def ipv6_cidr(value: Any) -> str | None:
    """An IPv6 network in CIDR notation, prefix /64 or longer is not required but /0 is refused."""
    try:
        net = ipaddress.IPv6Network(value, strict=True)
    except (ValueError, TypeError) as exc:
        return f"invalid IPv6 CIDR {value!r}: {exc}"
    if net.prefixlen < 8:
        return f"prefix length /{net.prefixlen} of {value!r} is too short"
    return None


def any_cidr(value: Any) -> str | None:
    """An IPv4 or IPv6 network in CIDR notation (host bits allowed, as in firewall rules)."""
    try:
        ipaddress.ip_network(value, strict=False)
    except (ValueError, TypeError) as exc:
        return f"invalid CIDR {value!r}: {exc}"
    return None


def ipv4_address(value: Any) -> str | None:
    """A single IPv4 address."""
    try:
        ipaddress.IPv4Address(value)
    except (ValueError, TypeError):
        return f"invalid IPv4 address {value!r}"
    return None


def host_address(value: Any) -> str | None:
    """An IPv4 or IPv6 address a host listens on (``0.0.0.0`` for all)."""
    try:
        ipaddress.ip_address(value)
    except (ValueError, TypeError):
        return f"invalid IP address {value!r}"
    return None


def sha256(value: Any) -> str | None:
    """64 hexadecimal digits."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return f"invalid sha256 checksum {value!r}: expected 64 hexadecimal digits"
    return None


def image_source(value: Any) -> str | None:
    """An absolute local path, a ``file://`` URL, or an ``http(s)://`` URL."""
    if not isinstance(value, str) or not value:
        return "source must be a local path or an http(s) URL"
    if value.startswith(("http://", "https://", "file://", "/")):
        return None
    return f"invalid source {value!r}: use an absolute path, file://, http:// or https:// URL"


_KEY_TYPES = {
    "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
}


def _parse_public_key(value: str) -> tuple[str, bytes]:
    parts = value.strip().split()
    if len(parts) < 2:
        raise ValueError("expected '<type> <base64> [comment]'")
    key_type, blob_text = parts[0], parts[1]
    if key_type not in _KEY_TYPES:
        raise ValueError(f"unsupported key type {key_type!r}")
    try:
        blob = base64.b64decode(blob_text, validate=True)
    except ValueError as exc:
        raise ValueError("key data is not valid base64") from exc
    if len(blob) < 4:
        raise ValueError("key data is too short")
    (length,) = struct.unpack(">I", blob[:4])
    if blob[4:4 + length].decode("ascii", "replace") != key_type:
        raise ValueError("key data does not match its type")
    if key_type == "ssh-rsa" and len(blob) < 200:
        raise ValueError("RSA key is too short (at least 1024 bits)")
    return key_type, blob


def public_key(value: Any) -> str | None:
    """An OpenSSH public key line: type, base64 blob whose embedded type matches, optional comment."""
    if not isinstance(value, str):
        return "public_key must be a string"
    try:
        _parse_public_key(value)
    except ValueError as exc:
        return f"malformed public key: {exc}"
    return None


def fingerprint(value: str) -> str:
    """The OpenSSH SHA256 fingerprint of a valid public key line."""
    _, blob = _parse_public_key(value)
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"
