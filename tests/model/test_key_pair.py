"""Key pairs: OpenSSH public keys and their fingerprints (iaas.model.key_pair)."""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from iaas.model import checks


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _rsa_line(bits: int) -> str:
    modulus = (1 << (bits - 1)) | 1  # top bit set: exactly ``bits`` bits long
    blob = _string(b"ssh-rsa") + _string(b"\x01\x00\x01") + _string(b"\x00" + modulus.to_bytes(bits // 8, "big"))
    return "ssh-rsa " + base64.b64encode(blob).decode() + " hand-made"


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_a_1024_bit_rsa_key_from_ssh_keygen_is_accepted(tmp_path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "1024", "-N", "", "-C", "t", "-f", str(tmp_path / "k")],
                   check=True)
    assert checks.public_key((tmp_path / "k.pub").read_text()) is None


def test_rsa_keys_shorter_than_1024_bits_are_refused() -> None:
    assert checks.public_key(_rsa_line(1024)) is None
    assert checks.public_key(_rsa_line(768)) == "malformed public key: RSA key is too short (768 bits; at least 1024)"
