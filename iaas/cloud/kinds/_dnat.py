"""DNAT rules for port forwards on a libvirt host: nftables, else iptables.

Every function takes ``where``, the command prefix that runs a program on the
host (see :mod:`iaas.cloud.kinds._hostcmd`): nothing for this
machine, ``nsenter --net=...`` for a libvirtd in another network namespace of
this machine (the rules go where the host's bridges and guests' networks
are), ``ssh ... user@host`` for a remote host.  Each rule carries the comment
``iaas:<port forward id>``, by which it is found again and removed.

nftables: table ``ip iaas_port_forwards`` with a ``prerouting`` chain (traffic
arriving at the host) and an ``output`` chain (connections made on the host
itself).  iptables: the same rules in the ``nat`` table's PREROUTING and OUTPUT
chains.

Adding a forward first removes any other iaas rule for the same address,
protocol and port: one left behind by a delete that could not reach the host
would otherwise take the new forward's traffic.  Removing the last rule drops
the nftables table.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Sequence

from iaas.cloud.kinds import _admit
from iaas.cloud.kinds._hostcmd import run as _run
from iaas.errors import IaasError

TABLE = "iaas_port_forwards"
_CHAINS = {"prerouting": ("PREROUTING", "dstnat"), "output": ("OUTPUT", "-100")}
#: Held while rules are changed, so that dropping an empty table never races with adding a rule to it.
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def tool(where: Sequence[str] = ()) -> str:
    """The firewall tool used on the host: "nft", else "iptables"."""
    if not where or where[0] == "nsenter":  # this machine's programs
        for name in ("nft", "iptables"):
            if shutil.which(name):
                return name
    else:
        for name in ("nft", "iptables"):
            try:
                _run(where, [name, "--version"])
                return name
            except IaasError:
                continue
    raise IaasError("port forwards need nftables (nft) or iptables on the host")


def add(
    where: Sequence[str], id: str, host_address: str, host_port: int, target: str, target_port: int, protocol: str
) -> str:
    """Program the DNAT rules of port forward ``id`` (replacing its own and leftovers on its port); which tool did."""
    local = host_address in ("0.0.0.0", "")
    match = "fib daddr type local" if local else f"ip daddr {host_address}"
    with _LOCK:
        _remove(where, id, drop_table=False)
        for stale in _holders(
            where, f"{match} {protocol} dport {host_port} ", local, host_address, protocol, host_port
        ):
            if stale != id:
                log.warning("port forward %s: removing the rules of %s left behind on port %s", id, stale, host_port)
                _remove(where, stale, drop_table=False)
        which = _add(where, id, match, local, host_port, f"{target}:{target_port}", protocol, host_address)
        _admit.admit(where, id, target, target_port, protocol)
        return which


def _add(
    where: Sequence[str], id: str, match: str, local: bool, host_port: int, to: str, protocol: str, host_address: str
) -> str:
    which = tool(where)
    if which == "nft":
        lines = [f"table ip {TABLE} {{"]
        lines += [f"  chain {c} {{ type nat hook {c} priority {p}; policy accept; }}" for c, (_, p) in _CHAINS.items()]
        lines.append("}")
        lines += [
            f'add rule ip {TABLE} {c} {match} {protocol} dport {host_port} dnat to {to} comment "iaas:{id}"'
            for c in _CHAINS
        ]
        _run(where, ["nft", "-f", "-"], "\n".join(lines) + "\n")
    else:
        selector = ["-m", "addrtype", "--dst-type", "LOCAL"] if local else ["-d", host_address]
        for chain, _ in _CHAINS.values():
            _run(
                where,
                [
                    "iptables",
                    "-w",
                    "-t",
                    "nat",
                    "-A",
                    chain,
                    *selector,
                    "-p",
                    protocol,
                    "--dport",
                    str(host_port),
                    "-m",
                    "comment",
                    "--comment",
                    f"iaas:{id}",
                    "-j",
                    "DNAT",
                    "--to-destination",
                    to,
                ],
            )
    return which


def remove(where: Sequence[str], id: str) -> None:
    """Delete the rules of port forward ``id``, and the table once it holds no rule; none there is fine."""
    with _LOCK:
        _remove(where, id)


def _remove(where: Sequence[str], id: str, *, drop_table: bool = True) -> None:
    _admit.revoke(where, id)
    delete_rules(where, tool(where), TABLE, id, drop_table=drop_table)


def delete_rules(where: Sequence[str], which: str, table: str, id: str, *, drop_table: bool = True) -> None:
    """Delete the NAT rules with the comment ``iaas:<id>``, made by ``which`` tool: from nftables table ``table``
    (and the table, once it holds no other iaas rule and ``drop_table``), or from iptables' ``nat`` table.  None
    there is fine."""
    if which == "nft":
        try:
            listing = _run(where, ["nft", "-a", "list", "table", "ip", table])
        except IaasError:
            return  # no table: no rules
        chain = None
        others = False
        for line in listing.splitlines():
            if m := re.match(r"\s*chain (\S+) \{", line):
                chain = m.group(1)
            elif f'comment "iaas:{id}"' in line and (h := re.search(r"# handle (\d+)", line)) and chain:
                _run(where, ["nft", "delete", "rule", "ip", table, chain, "handle", h.group(1)])
            elif 'comment "iaas:' in line:
                others = True
        if drop_table and not others:
            _run(where, ["nft", "delete", "table", "ip", table])
        return
    listing = _run(where, ["iptables", "-w", "-t", "nat", "-S"])
    for line in listing.splitlines():
        if f"iaas:{id}" in line and line.startswith("-A "):
            _run(where, ["iptables", "-w", "-t", "nat", "-D", *line[3:].replace('"', "").split()])


def _holders(
    where: Sequence[str], nft_match: str, local: bool, host_address: str, protocol: str, host_port: int
) -> set[str]:
    """The ids of the iaas rules that forward this address, protocol and port."""
    if tool(where) == "nft":
        try:
            listing = _run(where, ["nft", "list", "table", "ip", TABLE])
        except IaasError:
            return set()
        lines = [line for line in listing.splitlines() if nft_match in f"{line.strip()} "]
    else:
        wanted = ["--dst-type LOCAL" if local else f"-d {host_address}/32", f"-p {protocol} ", f"--dport {host_port} "]
        listing = _run(where, ["iptables", "-w", "-t", "nat", "-S"])
        lines = [line for line in listing.splitlines() if all(w in line for w in wanted)]
    return {m.group(1) for line in lines if (m := re.search(r'iaas:([^"\s]+)', line))}


def present(where: Sequence[str], id: str) -> bool:
    """Whether the rules of port forward ``id`` are programmed (its DNAT rules, and its admission by libvirt's
    firewall where the host has one)."""
    if tool(where) == "nft":
        try:
            found = f'comment "iaas:{id}"' in _run(where, ["nft", "list", "table", "ip", TABLE])
        except IaasError:
            return False
    else:
        found = f"iaas:{id}" in _run(where, ["iptables", "-w", "-t", "nat", "-S"])
    return found and _admit.admitted(where, id)
