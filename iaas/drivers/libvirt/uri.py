"""What a host's libvirt URI says before any connection: simulated or real, on this machine or elsewhere.

Light on purpose (no libvirt-python): a cloud decides these for its hosts without opening them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: Host names in a URI that mean this machine.
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
#: Seconds a host may leave a call unanswered before it fails, unless its cloud config says otherwise.
DEFAULT_TIMEOUT = 30.0


def simulated_uri(uri: str) -> bool:
    """Whether a libvirt URI names libvirt's in-process test driver (``test://``): a simulated host."""
    return uri.startswith("test://")


def on_this_machine(uri: str) -> bool:
    """Whether a libvirt URI names this machine: no host name, or a loopback one."""
    return urlsplit(uri).hostname in (None, "", *LOCAL_NAMES)
