"""cloud-init NoCloud seeds for instances.

A seed holds three files:

``user-data``
    the instance's ``user_data``.  When it is empty or a ``#cloud-config``
    document, the key pair's public key is added under
    ``ssh_authorized_keys``; other user data (a script, a MIME archive) is
    left as it is and the key goes to ``meta-data`` instead.
``meta-data``
    ``instance-id`` (the instance id) and ``local-hostname`` (its name).
``network-config``
    version 2: DHCP on every NIC, matched by MAC address.

On a real host the seed is an ISO 9660 image with the volume label
``cidata``, attached as a CD-ROM.  Its content is secret (user data): it is
never logged.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from iaas.errors import IaasError
from iaas.model.checks import CLOUD_CONFIG, CloudConfigError, cloud_config

YAML_WIDTH = 1 << 16  # keep every value (an SSH key) on one line
#: ISO builders tried in order, with the arguments that make a NoCloud seed.
ISO_TOOLS = (
    ("genisoimage", ["-volid", "cidata", "-joliet", "-rock", "-quiet"]),
    ("mkisofs", ["-volid", "cidata", "-joliet", "-rock", "-quiet"]),
    ("xorriso", ["-as", "mkisofs", "-volid", "cidata", "-joliet", "-rock", "-quiet"]),
)


class UserDataError(ValueError):
    """``#cloud-config`` user data that is not a YAML mapping (the message holds no content)."""


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False, width=YAML_WIDTH)


def user_data(text: str | None, public_key: str | None) -> tuple[str, bool]:
    """The ``user-data`` file and whether it carries the public key."""
    text = text or ""
    try:
        config = cloud_config(text)
    except CloudConfigError as exc:
        raise UserDataError(str(exc)) from None
    if config is None:
        return text, False
    if not public_key:
        return text or CLOUD_CONFIG + "\n", True
    keys = config.get("ssh_authorized_keys") or []
    if public_key not in keys:
        config["ssh_authorized_keys"] = [*keys, public_key]
    return CLOUD_CONFIG + "\n" + _dump(config), True


def render(
    instance_id: str, hostname: str, text: str | None, public_key: str | None, macs: list[str]
) -> dict[str, str]:
    """The three seed files, by file name."""
    data, has_key = user_data(text, public_key)
    meta: dict[str, Any] = {"instance-id": instance_id, "local-hostname": hostname}
    if public_key and not has_key:
        meta["public-keys"] = [public_key]
    ethernets = {f"nic{i}": {"match": {"macaddress": mac}, "dhcp4": True} for i, mac in enumerate(macs)}
    network = {"version": 2, "ethernets": ethernets}
    return {
        "user-data": data,
        "meta-data": _dump(meta),
        "network-config": _dump(network),
    }


def iso_tool() -> tuple[str, list[str]] | None:
    """The ISO builder found on this machine and its arguments, or None."""
    for tool, args in ISO_TOOLS:
        path = shutil.which(tool)
        if path is not None:
            return path, args
    return None


def build_iso(files: dict[str, str], dest: Path) -> None:
    """Write a NoCloud seed ISO with these files to ``dest`` (readable by root only)."""
    tool = iso_tool()
    if tool is None:
        raise IaasError(
            "building a cloud-init seed needs genisoimage (or mkisofs, or xorriso); install genisoimage on this machine"
        )
    path, args = tool
    with tempfile.TemporaryDirectory(prefix="iaas-seed-") as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_text(content, encoding="utf-8")
        part = dest.with_name(f".{dest.name}.part")
        try:
            done = subprocess.run(
                [path, *args, "-output", str(part), *sorted(files)],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise IaasError(f"building the cloud-init seed {dest.name} failed: {done.stderr.strip()[-400:]}")
            part.chmod(0o600)
            part.replace(dest)
        finally:
            part.unlink(missing_ok=True)
