"""Key pairs: SSH public keys that instances receive through cloud-init.

A key pair lives only in the cloud's inventory, with the key's SHA256
fingerprint as ``ssh-keygen -l`` prints it.
"""

from __future__ import annotations

from typing import Any

from iaas.cloud.base import OpContext
from iaas.cloud.kinds._record import RecordHandler
from iaas.errors import FieldError, ValidationError
from iaas.model.checks import fingerprint, public_key


class Handler(RecordHandler):
    """Key pairs, kept in the inventory."""

    kind = "key_pair"

    def computed(self, ctx: OpContext, id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """The fingerprint of the public key."""
        key = inputs.get("public_key")
        problem = public_key(key)
        if problem or not isinstance(key, str):
            raise ValidationError([FieldError(ctx.address, "public_key", problem or "is required")])
        return {"fingerprint": fingerprint(key)}
