"""The namespaced daemon itself: it probes QEMU once, not on every call that needs the capabilities.

libvirtd keeps what it learnt from QEMU in a cache file and probes again only when something changed; a /dev/kvm
that looks usable but is not (see scripts/libvirtd-host.sh) made it probe again on every call, about a second each
on a busy machine.
"""

from __future__ import annotations

import pytest

from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost

pytestmark = pytest.mark.realhost


def _probes(ns: NamespacedHost) -> dict[str, int]:
    """The daemon's QEMU capability cache files, each with its modification time (a probe rewrites it)."""
    return {p.name: p.stat().st_mtime_ns for p in (ns.dir / "cache" / "qemu" / "capabilities").glob("*.xml")}


def test_the_daemon_probes_qemu_once(realhost: NamespacedHost) -> None:
    with Host("h1", realhost.uri) as host:
        host.capabilities()
        first = _probes(realhost)
        assert first  # the probe wrote its cache
        for _ in range(3):
            host.capabilities()
            host.domain_capabilities()
    assert _probes(realhost) == first
