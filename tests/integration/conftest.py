"""Real libvirt hosts for integration tests, each in its own namespaces (see tests/realhosts.py).

``realhost`` is one libvirtd (QEMU driver) started for the test session by
``scripts/libvirtd-host.sh`` inside a private mount + network + UTS
namespace, so guests and their networks see nothing of this machine and the
machine sees nothing of them.  ``tiny_guest`` is the guest the tests boot:
a kernel and an initramfs from ``scripts/build-tiny-guest.sh``; ``cloud_image`` a Debian cloud image with
real cloud-init from ``scripts/build-cloud-image.sh``.

The tests marked ``realhost`` need root; the Debian packages are installed
when missing.  They are skipped, with the reason, only when this machine
cannot run them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.realhosts import (
    BuildError,
    Client,
    NamespacedHost,
    TinyGuest,
    build_cloud_image,
    build_sshd,
    build_tiny_guest,
    start_host,
    unavailable,
)

# What the test modules import from here.
__all__ = ["Client", "NamespacedHost", "TinyGuest", "restart_host", "start_host"]

T = TypeVar("T")


def restart_host(hosts: dict[str, NamespacedHost], name: str) -> NamespacedHost:
    """Stop a host with its guests, clear its run state (as a reboot does) and start its daemon again.

    Its network namespace is new: whatever was programmed there (firewall rules) is gone.
    """
    host = hosts[name]
    host.stop()
    for entry in (host.dir / "run").iterdir():  # what a reboot empties: /run/libvirt
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    hosts[name] = start_host(name, host.dir)
    return hosts[name]


@pytest.fixture(scope="session")
def realhost_ready() -> None:
    """Skip unless this machine can run libvirtd in namespaces (installing the packages when missing)."""
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def realhost_factory(
    realhost_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, NamespacedHost]]:
    """Namespaced hosts by name, started on first use and stopped at the end of the session."""
    hosts: dict[str, NamespacedHost] = {}
    yield hosts
    for host in hosts.values():
        host.stop()


def _host(hosts: dict[str, NamespacedHost], name: str, tmp: pytest.TempPathFactory) -> NamespacedHost:
    if name not in hosts:
        # Short paths: the socket path must fit a unix socket address (108 bytes).
        hosts[name] = start_host(name, tmp.mktemp(f"lv-{name}", numbered=True))
    return hosts[name]


@pytest.fixture(scope="session")
def realhost(realhost_factory: dict[str, NamespacedHost], tmp_path_factory: pytest.TempPathFactory) -> NamespacedHost:
    """The session's first namespaced libvirt host, ``h1``."""
    return _host(realhost_factory, "h1", tmp_path_factory)


@pytest.fixture(scope="session")
def realhost2(realhost_factory: dict[str, NamespacedHost], tmp_path_factory: pytest.TempPathFactory) -> NamespacedHost:
    """A second namespaced libvirt host, ``h2``."""
    return _host(realhost_factory, "h2", tmp_path_factory)


@pytest.fixture(scope="session")
def farhost(realhost_factory: dict[str, NamespacedHost], tmp_path_factory: pytest.TempPathFactory) -> NamespacedHost:
    """A namespaced libvirt host used as a remote machine (see :meth:`NamespacedHost.remote_config`)."""
    return _host(realhost_factory, "far", tmp_path_factory)


def _built(build: Callable[[], T], offline: str, failed: str) -> T:
    """What a build script made; skip when its packages cannot be downloaded from here, fail on any other error."""
    try:
        return build()
    except BuildError as error:
        if error.offline:  # the Debian archive cannot be reached from here
            pytest.skip(f"{offline}: {error}")
        pytest.fail(f"{failed}: {error}")


@pytest.fixture(scope="session")
def tiny_guest(realhost_ready: None) -> TinyGuest:
    """The tiny guest, built once and cached under ~/.cache/iaas-test-guest."""
    return _built(build_tiny_guest, "the tiny guest's kernel cannot be downloaded", "building the tiny guest failed")


@pytest.fixture(scope="session")
def cloud_image(realhost_ready: None) -> TinyGuest:
    """A Debian cloud image with real cloud-init, built once and cached under ~/.cache/iaas-cloud-image."""
    return _built(
        build_cloud_image, "the cloud image's packages cannot be downloaded", "building the cloud image failed"
    )


@pytest.fixture(scope="session")
def sshd(realhost_ready: None) -> Path:
    """OpenSSH's server, unpacked (not installed) by scripts/build-test-sshd.sh."""
    return _built(build_sshd, "openssh-server cannot be downloaded", "unpacking openssh-server failed")
