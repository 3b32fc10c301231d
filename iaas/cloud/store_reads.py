"""Reading many inventory records in one query, for a refresh that reads every object of a stack."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iaas.cloud.store import InventoryRecord

_MISSING = object()


class ReadAhead:
    """The read-ahead session of :class:`iaas.cloud.store.Store`: ``get`` answers from records read together.

    Each record read ahead is handed out once (a second ``get`` of it, or of an id not read ahead, asks the
    database again), and any write to the objects forgets them all, so a session never answers stale.
    """

    _ahead: dict[str, InventoryRecord | None] | None = None
    _writes = 0  # writes to the objects seen so far

    def get_many(self, ids: Iterable[str]) -> dict[str, InventoryRecord]:
        """The records of ``ids`` that exist, by id (a few queries in all, not one per id)."""
        raise NotImplementedError

    @contextmanager
    def read_ahead(self, ids: Iterable[str]) -> Iterator[None]:
        """Within the block, ``get`` of one of ``ids`` is answered from one read of them all."""
        wanted = set(ids)
        found = self.get_many(wanted)
        outer, writes = self._ahead, self._writes
        self._ahead = {id: found.get(id) for id in wanted}
        try:
            yield
        finally:
            self._ahead = outer if outer is None or writes == self._writes else {}

    def _read_ahead(self, id: str) -> object:
        """The record of ``id`` read ahead (None: it does not exist), else ``_MISSING``."""
        ahead = self._ahead
        return _MISSING if ahead is None else ahead.pop(id, _MISSING)

    def _forget(self) -> None:
        """A write changed the objects: what was read ahead is no longer sure."""
        self._writes += 1
        if self._ahead is not None:
            self._ahead = {}
