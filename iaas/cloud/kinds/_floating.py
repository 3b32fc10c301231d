"""The rules of a floating IP on a libvirt host: the address on an interface, DNAT in, SNAT out.

``where`` is the command prefix that runs a program on the host (see
:mod:`iaas.cloud.kinds._hostcmd`).  A floating IP on a host is:

* the address, as a ``/32``, on the host's external interface, so that the
  host answers ARP for it on that LAN (and a router that routes the pool to
  the host finds it local), announced there by gratuitous ARP when it arrives,
  so that neighbours that cached another host's MAC for it learn the new one;
* DNAT of every packet to the address (arriving, or sent from the host
  itself) to the instance's address;
* SNAT of the instance's packets leaving by that interface, so the instance
  is seen from outside under its floating address;
* a rule in libvirt's ``LIBVIRT_FWI`` chain that lets the DNATed
  connections into a ``nat`` network (see :mod:`iaas.cloud.kinds._admit`).

nftables: table ``ip iaas_floating_ips`` whose chains run just before those of
port forwards and of libvirt (so the floating address wins over a forward
listening on every address).  iptables: the same rules at the top of the
``nat`` table's PREROUTING, OUTPUT and POSTROUTING chains.  Every rule carries
the comment ``iaas:<floating IP id>``; removing the last one drops the table.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence

from iaas.cloud.kinds import _admit
from iaas.cloud.kinds._dnat import delete_rules, tool
from iaas.cloud.kinds._hostcmd import link_problem
from iaas.cloud.kinds._hostcmd import run as _run
from iaas.errors import IaasError

TABLE = "iaas_floating_ips"
#: nftables chain -> (iptables chain, priority: one before the dstnat / srcnat of libvirt and port forwards).
_CHAINS = {"prerouting": ("PREROUTING", "-101"), "output": ("OUTPUT", "-101"), "postrouting": ("POSTROUTING", "99")}
_LOCK = threading.Lock()
#: Programs that send gratuitous ARP, the first one the host has: iputils' arping, else BusyBox's.
ANNOUNCERS = (("arping",), ("busybox", "arping"))

log = logging.getLogger(__name__)


def interface_for(where: Sequence[str], pool_address: str) -> str:
    """The interface by which the host's route to an address of the pool leaves (its external interface)."""
    shown = _run(where, ["ip", "-o", "route", "get", pool_address])
    found = re.search(r"\bdev (\S+)", shown)
    if found is None or found.group(1) == "lo":
        raise IaasError(f"no route to {pool_address} leaves by an interface: set floating_interface for the host")
    return found.group(1)


def add(where: Sequence[str], id: str, address: str, target: str, interface: str) -> str:
    """Carry ``address`` to ``target`` through ``interface`` (replacing what floating IP ``id`` had); which tool."""
    problem = link_problem(where, interface, bridge=False)
    if problem is not None:
        raise IaasError(f"the host {problem}: it cannot answer for floating address {address}")
    with _LOCK:
        _remove(where, id, drop_table=False)
        which = tool(where)
        _program(where, which, id, _rules(address, target, interface))
        if not _has_address(where, interface, address):
            _run(where, ["ip", "addr", "add", f"{address}/32", "dev", interface])
            announce(where, interface, address)
        _admit.admit(where, id, target)
        return which


def announce(where: Sequence[str], interface: str, address: str) -> None:
    """Tell the LAN that this host now answers for ``address``: two unsolicited ARP requests (gratuitous ARP).

    Neighbours that cached the MAC of the host that carried the address before
    take the new one at once.  Without an ``arping`` on the host the address
    still works; neighbours learn it when their cache entry expires.
    """
    problems = []
    for program in ANNOUNCERS:
        try:
            _run(where, [*program, "-U", "-c", "2", "-I", interface, address])
            return
        except IaasError as exc:
            problems.append(str(exc))
    log.warning("floating address %s not announced on %s: %s", address, interface, "; ".join(problems))


Rule = tuple[str, list[str], list[str]]  # nftables rule; iptables match; iptables target


def _rules(address: str, target: str, interface: str) -> dict[str, Rule]:
    """The NAT rules of a floating address, by nftables chain."""
    dnat: Rule = (f"ip daddr {address} dnat to {target}", ["-d", f"{address}/32"], ["DNAT", "--to-destination", target])
    return {
        "prerouting": dnat,
        "output": dnat,
        "postrouting": (
            f'ip saddr {target} oifname "{interface}" snat to {address}',
            ["-s", f"{target}/32", "-o", interface],
            ["SNAT", "--to-source", address],
        ),
    }


def _program(where: Sequence[str], which: str, id: str, rules: dict[str, Rule]) -> None:
    """Add the rules of floating IP ``id`` with ``which`` tool (iptables: at the top of each chain)."""
    if which == "nft":
        lines = [f"table ip {TABLE} {{"]
        lines += [f"  chain {c} {{ type nat hook {c} priority {p}; policy accept; }}" for c, (_, p) in _CHAINS.items()]
        lines.append("}")
        lines += [f'add rule ip {TABLE} {c} {rule} comment "iaas:{id}"' for c, (rule, _, _) in rules.items()]
        _run(where, ["nft", "-f", "-"], "\n".join(lines) + "\n")
        return
    comment = ["-m", "comment", "--comment", f"iaas:{id}"]
    for c, (_, match, jump) in rules.items():
        _run(where, ["iptables", "-w", "-t", "nat", "-I", _CHAINS[c][0], "1", *match, *comment, "-j", *jump])


def remove(where: Sequence[str], id: str, address: str | None, interface: str | None) -> None:
    """Delete what floating IP ``id`` put on the host; nothing there is fine."""
    with _LOCK:
        _remove(where, id)
        if address and interface and _has_address(where, interface, address):
            _run(where, ["ip", "addr", "del", f"{address}/32", "dev", interface])


def _remove(where: Sequence[str], id: str, *, drop_table: bool = True) -> None:
    _admit.revoke(where, id)
    delete_rules(where, tool(where), TABLE, id, drop_table=drop_table)


def _has_address(where: Sequence[str], interface: str, address: str) -> bool:
    try:
        shown = _run(where, ["ip", "-o", "-4", "addr", "show", "dev", interface])
    except IaasError:
        return False
    return f" {address}/32 " in shown


def missing(where: Sequence[str], id: str, address: str, interface: str) -> list[str]:
    """What of floating IP ``id`` the host does not carry: its NAT rules, its address, libvirt's admission."""
    if tool(where) == "nft":
        try:
            rules = _run(where, ["nft", "list", "table", "ip", TABLE]).count(f'comment "iaas:{id}"')
        except IaasError:
            rules = 0
    else:
        rules = _run(where, ["iptables", "-w", "-t", "nat", "-S"]).count(f"iaas:{id}")
    gone = [] if rules == len(_CHAINS) else ["NAT rules"]
    if not _has_address(where, interface, address):
        gone.append(f"address {address} on {interface}")
    if not _admit.admitted(where, id):
        gone.append("admission through libvirt's firewall")
    return gone
