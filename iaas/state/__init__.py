"""Durable state of stacks: what was created, its ids and outputs, locks and history.

Open a store with :func:`open_store` and talk to it through the
:class:`StateStore` protocol::

    store = open_store("state.db", "web")   # or "postgresql://user@host/db" for a team
    with store.lock(default_owner(), "apply", timeout=30):
        snapshot = store.read()
        store.put(ResourceRecord(address="network.web", kind="network", id="net-1"))

:func:`export_json` and :func:`import_json` load on first use (with cattrs), so reading and writing state does not.
"""

from typing import TYPE_CHECKING

from iaas._lazy import lazy_exports
from iaas.state.backends import DATABASE_ENV, default_location, open_store
from iaas.state.base import StateStore
from iaas.state.holders import default_owner
from iaas.state.postgres import PostgresStore
from iaas.state.records import (
    APPLY_STATUSES,
    RESOURCE_STATUSES,
    ApplyRecord,
    LockInfo,
    ResourceRecord,
    Snapshot,
)
from iaas.state.sqlite import SQLiteStore

__all__ = [
    "APPLY_STATUSES",
    "DATABASE_ENV",
    "RESOURCE_STATUSES",
    "ApplyRecord",
    "LockInfo",
    "PostgresStore",
    "ResourceRecord",
    "SQLiteStore",
    "Snapshot",
    "StateStore",
    "default_location",
    "default_owner",
    "export_json",
    "import_json",
    "open_store",
]

__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(("export_json", "import_json"), "iaas.state.serialize"))

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from iaas.state.serialize import export_json, import_json
