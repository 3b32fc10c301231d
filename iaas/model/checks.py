"""Value checks shared by the resource kinds; each returns an error message or None."""

from __future__ import annotations

import base64
import functools
import ipaddress
import re
import struct
import unicodedata
from collections.abc import Callable
from typing import Any


def _cached(fn: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """Remember the verdicts of a pure check on hashable values (stacks repeat many values)."""
    memo = functools.lru_cache(maxsize=65536)(fn)

    @functools.wraps(fn)
    def check(value: Any) -> str | None:
        try:
            return memo(value)
        except TypeError:  # unhashable: check without the cache
            return fn(value)

    return check


_CONTROL_CATEGORIES = {"Cc", "Zl", "Zp"}  # C0/C1 controls (ESC, NUL, DEL...), line and paragraph separators


def control_character(text: str, allowed: str = "") -> str | None:
    """The first control character in ``text`` (not counting those in ``allowed``), or None."""
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) in _CONTROL_CATEGORIES:
            return ch
    return None


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def name(value: Any) -> str | None:
    """Names: 1-63 characters, letters, digits, ``-``, ``_`` and ``.``; starting with a letter or digit."""
    if not isinstance(value, str) or not _NAME_RE.match(value):
        return f"invalid name {value!r}: use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit"
    return None


NAME_MAX = 128


def free_name(value: Any) -> str | None:
    """Names: 1-128 characters, no ``/``, no ``..``, no control characters, no space at either end."""
    if not isinstance(value, str):
        return f"invalid name {value!r}: expected a string"
    problem = None
    if not value or len(value) > NAME_MAX:
        problem = f"use 1 to {NAME_MAX} characters"
    elif "/" in value or ".." in value:
        problem = "'/' and '..' are not allowed"
    elif (ch := control_character(value) or _format_character(value)) is not None:
        problem = f"control character {ch!r} is not allowed"
    elif value != value.strip():
        problem = "no space at the start or the end"
    return f"invalid name {value!r}: {problem}" if problem else None


def stack_name(value: Any) -> str | None:
    """Stack names: 1-128 characters, no ``/``, no ``..``, no control characters, no space at either end."""
    return free_name(value)


def _format_character(text: str) -> str | None:
    """The first invisible formatting character (bidirectional overrides, zero-width marks), or None."""
    return next((ch for ch in text if unicodedata.category(ch) == "Cf"), None)


def labels(value: Any) -> str | None:
    """Label maps: keys are names (see :func:`name`), values strings."""
    if not isinstance(value, dict):
        return None  # the type check reports it
    for key in value:
        if not isinstance(key, str) or not _NAME_RE.match(key):
            return f"invalid label {key!r}: use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit"
    return None


def dns_hosts(value: Any) -> str | None:
    """DNS host records: host names (letters, digits and ``-``, dot-separated labels) to IPv4 addresses."""
    if not isinstance(value, dict):
        return None  # the type check reports it
    for key, address in value.items():
        if not isinstance(key, str) or key.endswith(".") or dns_domain(key):
            return f"invalid host name {key!r}: use letters, digits and '-' in labels separated by '.'"
        if isinstance(address, str) and (problem := ipv4_address(address)):
            return f"{key}: {problem}"
    return None


@_cached
def ipv4_cidr(value: Any) -> str | None:
    """An IPv4 network in CIDR notation with no host bits set, prefix /8 to /30."""
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError) as exc:
        return f"invalid IPv4 CIDR {value!r}: {exc}"
    if not 8 <= net.prefixlen <= 30:
        return f"prefix length /{net.prefixlen} of {value!r} is outside /8 to /30"
    return None


@_cached
def ipv6_cidr(value: Any) -> str | None:
    """An IPv6 network in CIDR notation with no host bits set, prefix /8 or longer."""
    try:
        net = ipaddress.IPv6Network(value, strict=True)
    except (ValueError, TypeError) as exc:
        return f"invalid IPv6 CIDR {value!r}: {exc}"
    if net.prefixlen < 8:
        return f"prefix length /{net.prefixlen} of {value!r} is too short"
    return None


@_cached
def any_cidr(value: Any) -> str | None:
    """An IPv4 or IPv6 network in CIDR notation (host bits allowed, as in firewall rules)."""
    try:
        ipaddress.ip_network(value, strict=False)
    except (ValueError, TypeError) as exc:
        return f"invalid CIDR {value!r}: {exc}"
    return None


@_cached
def ipv4_address(value: Any) -> str | None:
    """A single IPv4 address."""
    try:
        ipaddress.IPv4Address(value)
    except (ValueError, TypeError):
        return f"invalid IPv4 address {value!r}"
    return None


@_cached
def host_address(value: Any) -> str | None:
    """An IPv4 address of a host that traffic can be forwarded from (``0.0.0.0`` for all): not loopback, whose
    packets the kernel never routes to a guest, and not IPv6, which forwards do not carry yet."""
    try:
        address = ipaddress.ip_address(value)
    except (ValueError, TypeError):
        return f"invalid IP address {value!r}"
    if address.version == 6:
        return f"{value} is an IPv6 address: port forwards are IPv4 only (use 0.0.0.0 or an IPv4 address of the host)"
    if address.is_loopback:
        return (
            f"{value} is a loopback address, which the kernel never forwards to a guest: use 0.0.0.0 (every address "
            "of the host, loopback connections made on the host included) or another address of the host"
        )
    return None


USER_DATA_MAX = 64 * 1024


CLOUD_CONFIG = "#cloud-config"


class CloudConfigError(ValueError):
    """``#cloud-config`` user data that cloud-init could not read (the message holds none of its content)."""


def cloud_config(text: str) -> dict[str, Any] | None:
    """The mapping of ``#cloud-config`` user data (empty user data counts as one); None for other user data.

    Raises :class:`CloudConfigError` for YAML that does not parse (within the bounds of :mod:`iaas.yamlfile`), that
    is not a mapping, or whose ``ssh_authorized_keys`` is not a list.
    """
    if text.strip() and not text.lstrip().startswith(CLOUD_CONFIG):
        return None
    import yaml
    from yaml.composer import ComposerError

    from iaas.yamlfile.loader import BoundedLoader

    try:
        config = yaml.load(text, Loader=BoundedLoader) if text.strip() else {}  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        bound = f": {exc.problem}" if isinstance(exc, ComposerError) and exc.problem else ""
        raise CloudConfigError(f"#cloud-config user data is not valid YAML{where}{bound}") from None
    config = config if config is not None else {}
    if not isinstance(config, dict):
        raise CloudConfigError("#cloud-config user data must be a YAML mapping")
    if not isinstance(config.get("ssh_authorized_keys") or [], list):
        raise CloudConfigError("ssh_authorized_keys in the #cloud-config user data must be a list")
    return config


def user_data(value: Any) -> str | None:
    """At most 64 KiB (65,536 bytes as UTF-8), as OpenStack allows; ``#cloud-config`` user data must be readable."""
    if not isinstance(value, str):
        return None
    if len(value) > USER_DATA_MAX // 4:
        size = len(value.encode("utf-8", "surrogatepass"))
        if size > USER_DATA_MAX:
            return f"user data is {size} bytes; at most {USER_DATA_MAX} bytes (64 KiB) are allowed"
    try:
        cloud_config(value)
    except CloudConfigError as exc:
        return str(exc)
    return None


def sha256(value: Any) -> str | None:
    """64 hexadecimal digits."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return f"invalid sha256 checksum {value!r}: expected 64 hexadecimal digits"
    return None


def image_source(value: Any) -> str | None:
    """A local path (absolute, or relative), a ``file://`` URL, or an ``http(s)://`` URL."""
    if not isinstance(value, str) or not value:
        return "source must be a local path or an http(s) URL"
    if "\x00" in value:
        return f"invalid source {value!r}: a path or URL holds no NUL character"
    if "://" not in value or value.startswith(("http://", "https://", "file://")):
        return None
    return f"invalid source {value!r}: use a local path, or a file://, http:// or https:// URL"


def absolute_path(value: Any) -> str | None:
    """An absolute path of a file on the hosts."""
    if not isinstance(value, str) or not value.startswith("/"):
        return f"invalid path {value!r}: use an absolute path"
    return None


_KEY_TYPES = {
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
}


_KEY_LINE_RE = re.compile(r"([^ \t]+)[ \t]+([^ \t]+)(?:[ \t]+(.*))?", re.DOTALL)


def _parse_public_key(value: str) -> tuple[str, bytes]:
    line = value.strip(" \t\r\n")  # a key read from a .pub file ends with a line end
    if "\n" in line or "\r" in line:
        raise ValueError("give one key on one line only (a line break would add another authorized key)")
    m = _KEY_LINE_RE.fullmatch(line)
    if m is None or control_character(m.group(1) + m.group(2)):
        raise ValueError("expected '<type> <base64> [comment]'")
    key_type, blob_text, comment = m.group(1), m.group(2), m.group(3) or ""
    if key_type not in _KEY_TYPES:
        if any(t in _KEY_TYPES for t in line.split()):
            raise ValueError("options before the key type (command=, from=, no-pty...) are not allowed")
        raise ValueError(f"unsupported key type {key_type!r}")
    if (ch := control_character(comment, "\t")) is not None:
        raise ValueError(f"control character {ch!r} in the comment")
    try:
        blob = base64.b64decode(blob_text, validate=True)
    except ValueError as exc:
        raise ValueError("key data is not valid base64") from exc
    if len(blob) < 4:
        raise ValueError("key data is too short")
    (length,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + length].decode("ascii", "replace") != key_type:
        raise ValueError("key data does not match its type")
    if key_type == "ssh-rsa" and (bits := _rsa_bits(blob)) < 1024:
        raise ValueError(f"RSA key is too short ({bits} bits; at least 1024)")
    return key_type, blob


def _wire_strings(blob: bytes, count: int) -> list[bytes]:
    """The first ``count`` length-prefixed strings of an SSH wire-format blob."""
    out, pos = [], 0
    for _ in range(count):
        if pos + 4 > len(blob):
            raise ValueError("key data is truncated")
        (length,) = struct.unpack(">I", blob[pos : pos + 4])
        if pos + 4 + length > len(blob):
            raise ValueError("key data is truncated")
        out.append(blob[pos + 4 : pos + 4 + length])
        pos += 4 + length
    return out


def _rsa_bits(blob: bytes) -> int:
    """Bit length of the modulus of an ``ssh-rsa`` blob (type, exponent, modulus)."""
    modulus = _wire_strings(blob, 3)[2]
    return int.from_bytes(modulus, "big").bit_length()


@_cached
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
    import hashlib  # loads OpenSSL: only when a key pair is made or read

    _, blob = _parse_public_key(value)
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


_CPU_MODEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")


def cpu_mode(value: Any) -> str | None:
    """A CPU mode (host-passthrough, host-model, maximum) or the name of a CPU model (letters, digits, ``_.+-``)."""
    if not isinstance(value, str) or not _CPU_MODEL_RE.match(value):
        return (
            f"invalid CPU mode {value!r}: use host-passthrough, host-model, maximum or a CPU model name "
            "such as Skylake-Client"
        )
    return None


_DNS_LABEL_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def dns_domain(value: Any) -> str | None:
    """A DNS domain: dot-separated labels of 1-63 letters, digits and inner hyphens; 253 characters at most."""
    text = value[:-1] if isinstance(value, str) and value.endswith(".") else value
    if (
        not isinstance(text, str)
        or not 0 < len(text) <= 253
        or not all(_DNS_LABEL_RE.match(label) for label in text.split("."))
    ):
        return (
            f"invalid DNS domain {value!r}: use labels of letters, digits and '-' separated by dots, such as "
            "lab.example.com"
        )
    return None


_MACHINE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def machine(value: Any) -> str | None:
    """A QEMU machine type: q35, pc or a versioned one such as pc-q35-7.2."""
    if not isinstance(value, str) or not _MACHINE_RE.match(value):
        return f"invalid machine type {value!r}: use q35, pc or a versioned one such as pc-q35-7.2"
    return None


_FLAVOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def flavor(value: Any) -> str | None:
    """A flavor name: letters, digits and ``_.-``, up to 64 characters (whether it exists is the cloud's check)."""
    if not isinstance(value, str) or not _FLAVOR_RE.match(value):
        return f"invalid flavor name {value!r}: use letters, digits, '_', '.' and '-' (such as m1.small)"
    return None
