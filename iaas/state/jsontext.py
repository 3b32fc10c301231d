"""The JSON text kept in store columns (without the document machinery of :mod:`iaas.state.serialize`)."""

from __future__ import annotations

import json
from typing import Any

from iaas.errors import StateError


def dump_text(value: Any, *, what: str) -> str:
    """Return ``value`` as compact, key-sorted JSON text.

    ``what`` names the value in the error raised when it is not JSON-able
    (``"inputs of network.web"``).
    """
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StateError(f"{what} cannot be stored as JSON: {exc}") from exc


def load_text(text: Any, *, what: str) -> Any:
    """Parse JSON text read from a store; ``what`` names it in the error."""
    if not isinstance(text, str):
        raise StateError(f"{what}: expected JSON text, found {type(text).__name__}")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise StateError(f"{what}: stored JSON does not parse ({exc})") from exc
