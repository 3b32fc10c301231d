"""The cloud's hosts by name, each opened when first used.

A stack of key pairs, projects or security groups on simulated hosts never touches a host: opening the hosts
only when one is asked for keeps the libvirt driver (and libvirt-python) out of such a run.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iaas.drivers.libvirt import Host


class Hosts(Mapping[str, "Host"]):
    """A mapping of host names to hosts: names, membership and length come from the config; ``hosts[name]``
    opens that host on first use (``open(name)`` makes it), once, also when threads ask at the same time."""

    def __init__(self, names: list[str], open: Callable[[str], Host]):
        self._names = list(names)
        self._known = set(names)
        self._make = open
        self._opened: dict[str, Host] = {}
        self._lock = threading.Lock()
        self._bulk: list[contextlib.ExitStack] = []

    def __getitem__(self, name: str) -> Host:
        host = self._opened.get(name)
        if host is not None:
            return host
        if name not in self._known:
            raise KeyError(name)
        with self._lock:
            host = self._opened.get(name)
            if host is None:
                host = self._make(name)
                for session in self._bulk:
                    session.enter_context(host.bulk_reads())
                self._opened[name] = host
        return host

    def __setitem__(self, name: str, host: Host) -> None:
        """Use ``host`` as the configured host ``name`` from now on (the host it replaces is left open)."""
        if name not in self._known:
            raise KeyError(name)
        with self._lock:
            for session in self._bulk:
                session.enter_context(host.bulk_reads())
            self._opened[name] = host

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def connect_ahead(self, names: Iterable[str]) -> None:
        """Start connecting to the configured hosts among ``names`` in the background (see
        :meth:`iaas.drivers.libvirt.Host.connect_ahead`)."""
        for name in names:
            if name in self._known:
                self[name].connect_ahead()

    def opened(self) -> list[Host]:
        """The hosts opened so far."""
        with self._lock:
            return list(self._opened.values())

    @contextlib.contextmanager
    def bulk_reads(self) -> Iterator[None]:
        """Within the block, every host, opened already or opened in it, reads each object once."""
        with contextlib.ExitStack() as session:
            with self._lock:
                for host in self._opened.values():
                    session.enter_context(host.bulk_reads())
                self._bulk.append(session)
            try:
                yield
            finally:
                with self._lock:
                    self._bulk.remove(session)
