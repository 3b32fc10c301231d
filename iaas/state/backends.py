"""Choosing a state backend from a path or URL."""

from __future__ import annotations

import os

from iaas.errors import StateError
from iaas.state.base import StateStore
from iaas.state.sqlite import SQLiteStore

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+")


def open_store(url_or_path: str | os.PathLike[str], stack: str) -> StateStore:
    """Open the state of ``stack`` kept at ``url_or_path``.

    Accepts a file path (``state.db``, ``/var/lib/iaas/state.db``) or a SQLite
    URL: ``sqlite:///state.db`` (relative) or ``sqlite:////abs/state.db``.
    Raises :class:`StateError` for a URL of a backend that is not available.
    """
    target = os.fspath(url_or_path)
    if not isinstance(target, str) or not target:
        raise StateError("state location must be a non-empty path or URL")
    lowered = target.lower()
    if lowered.startswith(_POSTGRES_SCHEMES):
        raise StateError(
            "the PostgreSQL state backend is not available yet; keep state in a SQLite file (a path or sqlite:///path)"
        )
    if lowered.startswith("sqlite:"):
        if not lowered.startswith(_SQLITE_PREFIX) or len(target) == len(_SQLITE_PREFIX):
            raise StateError(
                f"invalid SQLite state URL {target!r}: expected sqlite:///relative/path or sqlite:////absolute/path"
            )
        return SQLiteStore(target[len(_SQLITE_PREFIX) :], stack)
    if "://" in target:
        scheme = target.split("://", 1)[0]
        raise StateError(f"unknown state backend {scheme!r} in {target!r}; use a file path or sqlite:///path")
    return SQLiteStore(target, stack)
