"""Letting forwarded connections through libvirt's own firewall on a host.

libvirt guards its networks with iptables rules in the ``filter`` table: its
``LIBVIRT_FWI`` chain lets into a ``nat`` network's bridge only the replies of
connections the guests opened, so a connection that a port forward's DNAT
sends there from another machine is rejected.  :func:`admit` puts one rule at
the top of that chain, accepting exactly the forwarded connections (conntrack
state DNAT) to the forward's target address and port (every port of a
floating IP's instance), with the comment ``iaas:<id>``.  The chain comes after the guests' network
filters, so security groups still apply.  Hosts whose libvirt keeps no such
chain (no network started yet, or another firewall backend) need nothing.
libvirt rebuilds its chains when its daemon restarts; the dataplane check
(:func:`admitted`) then finds the rule missing and the next apply adds it again.
"""

from __future__ import annotations

from collections.abc import Sequence

from iaas.cloud.kinds._hostcmd import run as _run
from iaas.errors import IaasError

CHAIN = "LIBVIRT_FWI"


def _rules(where: Sequence[str]) -> list[str] | None:
    """The rules of libvirt's chain, or None when the host has no such chain (or no iptables)."""
    try:
        return _run(where, ["iptables", "-w", "-S", CHAIN]).splitlines()
    except IaasError:
        return None


def admit(where: Sequence[str], id: str, target: str, port: int | None = None, protocol: str = "tcp") -> bool:
    """Accept connections forwarded to ``target:port`` (every port when None: a floating IP), replacing the
    earlier rule of ``id``; False: no chain."""
    revoke(where, id)
    if _rules(where) is None:
        return False
    match = ["-d", f"{target}/32"]
    if port is not None:
        match += ["-p", protocol, "-m", protocol, "--dport", str(port)]
    state = ["-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", f"iaas:{id}"]
    _run(where, ["iptables", "-w", "-I", CHAIN, "1", *match, *state, "-j", "ACCEPT"])
    return True


def revoke(where: Sequence[str], id: str) -> None:
    """Delete the forward's rule; none there is fine."""
    for line in _rules(where) or []:
        if f"iaas:{id}" in line and line.startswith("-A "):
            _run(where, ["iptables", "-w", "-D", *line[3:].replace('"', "").split()])


def admitted(where: Sequence[str], id: str) -> bool:
    """Whether the forward's rule is there (or not needed: the host has no such chain)."""
    rules = _rules(where)
    return rules is None or any(f"iaas:{id}" in line for line in rules)
