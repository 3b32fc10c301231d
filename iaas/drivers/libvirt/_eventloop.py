"""libvirt's default event loop, run in one daemon thread per process.

Keepalive on a connection (and libvirt events) need an event loop; it must be
registered before the first connection that uses it is opened.
"""

from __future__ import annotations

import logging
import threading

import libvirt

log = logging.getLogger(__name__)
_lock = threading.Lock()
_thread: threading.Thread | None = None


def _run() -> None:
    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except libvirt.libvirtError as exc:  # keep the loop alive; report and go on
            log.warning("libvirt event loop: %s", exc.get_error_message())


def ensure_running() -> None:
    """Register libvirt's default event loop and start its thread, once per process."""
    global _thread
    with _lock:
        if _thread is not None:
            return
        libvirt.virEventRegisterDefaultImpl()
        _thread = threading.Thread(target=_run, name="libvirt-events", daemon=True)
        _thread.start()
