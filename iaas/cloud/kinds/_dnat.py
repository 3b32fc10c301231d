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
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence

from iaas.cloud.kinds._hostcmd import run as _run
from iaas.errors import IaasError

TABLE = "iaas_port_forwards"
_CHAINS = {"prerouting": ("PREROUTING", "dstnat"), "output": ("OUTPUT", "-100")}


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
    """Program the DNAT rules of port forward ``id`` (replacing earlier ones); which tool did."""
    remove(where, id)
    which = tool(where)
    local = host_address in ("0.0.0.0", "")
    if which == "nft":
        match = "fib daddr type local" if local else f"ip daddr {host_address}"
        lines = [f"table ip {TABLE} {{"]
        lines += [f"  chain {c} {{ type nat hook {c} priority {p}; policy accept; }}" for c, (_, p) in _CHAINS.items()]
        lines.append("}")
        lines += [
            f"add rule ip {TABLE} {c} {match} {protocol} dport {host_port} dnat to {target}:{target_port} "
            f'comment "iaas:{id}"'
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
                    f"{target}:{target_port}",
                ],
            )
    return which


def remove(where: Sequence[str], id: str) -> None:
    """Delete the rules of port forward ``id``; none there is fine."""
    which = tool(where)
    if which == "nft":
        try:
            listing = _run(where, ["nft", "-a", "list", "table", "ip", TABLE])
        except IaasError:
            return  # no table: no rules
        chain = None
        for line in listing.splitlines():
            if m := re.match(r"\s*chain (\S+) \{", line):
                chain = m.group(1)
            elif f'comment "iaas:{id}"' in line and (h := re.search(r"# handle (\d+)", line)) and chain:
                _run(where, ["nft", "delete", "rule", "ip", TABLE, chain, "handle", h.group(1)])
        return
    listing = _run(where, ["iptables", "-w", "-t", "nat", "-S"])
    for line in listing.splitlines():
        if f"iaas:{id}" in line and line.startswith("-A "):
            _run(where, ["iptables", "-w", "-t", "nat", "-D", *line[3:].replace('"', "").split()])


def present(where: Sequence[str], id: str) -> bool:
    """Whether rules of port forward ``id`` are programmed."""
    if tool(where) == "nft":
        try:
            return f'comment "iaas:{id}"' in _run(where, ["nft", "list", "table", "ip", TABLE])
        except IaasError:
            return False
    return f"iaas:{id}" in _run(where, ["iptables", "-w", "-t", "nat", "-S"])
