"""KeyPair: an SSH public key injected into instances at first boot."""

from __future__ import annotations

from typing import ClassVar, Literal

import attrs

from iaas.model import checks
from iaas.model.base import Resource, field


@attrs.define(kw_only=True)
class KeyPair(Resource):
    """An OpenSSH public key, given to instances through cloud-init."""

    kind: ClassVar[str] = "key_pair"
    unique_name: ClassVar[Literal["project", "cloud"] | None] = "project"
    description_doc: ClassVar[str] = "An SSH public key, injected into instances through cloud-init."
    updatable: ClassVar[bool] = False

    public_key: str = field(
        "OpenSSH public key line (type, base64 data, optional comment).",
        required=True,
        update="replace",
        check=checks.public_key,
    )
    id: str | None = field("Identifier of the key pair.", computed=True)
    fingerprint: str | None = field("SHA256 fingerprint of the key, as ssh-keygen -l prints it.", computed=True)
