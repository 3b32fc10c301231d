"""DNAT rules for port forwards on a libvirt host: nftables, else iptables.

Every function takes ``where``, the command prefix that runs a program on the
host (see :func:`local_runner` and :func:`ssh_runner`): nothing for this
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

import os
import re
import shlex
import shutil
import socket
import struct
import subprocess
from collections.abc import Sequence
from urllib.parse import parse_qs, unquote, urlsplit

from iaas.errors import IaasError

TABLE = "iaas_port_forwards"
DEFAULT_SOCKET = "/run/libvirt/libvirt-sock"
_CHAINS = {"prerouting": ("PREROUTING", "dstnat"), "output": ("OUTPUT", "-100")}


def libvirtd_netns(uri: str) -> str | None:
    """The network namespace (``/proc/PID/ns/net``) of the libvirtd serving a local URI; None if it is ours."""
    path = (parse_qs(urlsplit(uri).query).get("socket") or [DEFAULT_SOCKET])[0]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(path)
            pid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[0]
        except OSError as exc:
            raise IaasError(f"cannot reach libvirtd at {path}: {exc.strerror or exc}") from exc
    theirs = f"/proc/{pid}/ns/net"
    try:
        same = os.readlink(theirs) == os.readlink("/proc/self/ns/net")
    except OSError as exc:
        raise IaasError(f"cannot see the network namespace of libvirtd (pid {pid}): {exc.strerror or exc}") from exc
    return None if same else theirs


def local_runner(uri: str) -> tuple[str, ...]:
    """The prefix that runs a program where the libvirtd of a local URI is: its network namespace."""
    netns = libvirtd_netns(uri)
    return ("nsenter", f"--net={netns}") if netns else ()


def ssh_runner(uri: str) -> tuple[str, ...] | None:
    """``ssh`` to the machine of a ``qemu+ssh://`` URI, as libvirt reaches it; None for other URIs.

    The user, port and the URI's ``keyfile``, ``known_hosts`` and
    ``no_verify`` parameters are used as libvirt uses them.
    """
    parts = urlsplit(uri)
    if not parts.scheme.endswith("+ssh") or not parts.hostname:
        return None
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    argv = ["ssh", "-o", "BatchMode=yes"]
    if parts.port:
        argv += ["-p", str(parts.port)]
    if parts.username:
        argv += ["-l", unquote(parts.username)]
    if query.get("keyfile"):
        argv += ["-i", query["keyfile"]]
    if query.get("known_hosts"):
        argv += ["-o", f"UserKnownHostsFile={query['known_hosts']}"]
    if query.get("no_verify") == "1":
        argv += ["-o", "StrictHostKeyChecking=no"]
    return (*argv, parts.hostname)


def _run(where: Sequence[str], argv: list[str], stdin: str | None = None) -> str:
    if where and os.path.basename(where[0]) == "ssh":
        full = [*where, shlex.join(argv)]  # ssh hands the remote shell one command line
    else:
        full = [*where, *argv]
    try:
        done = subprocess.run(full, input=stdin, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise IaasError(f"{' '.join(argv[:2])}: {exc}") from exc
    if done.returncode != 0:
        raise IaasError(f"{' '.join(argv)}: {done.stderr.strip()[-400:]}")
    return done.stdout


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


def add(where: Sequence[str], id: str, host_address: str, host_port: int, target: str, target_port: int,
        protocol: str) -> str:
    """Program the DNAT rules of port forward ``id`` (replacing earlier ones); which tool did."""
    remove(where, id)
    which = tool(where)
    local = host_address in ("0.0.0.0", "")
    if which == "nft":
        match = "fib daddr type local" if local else f"ip daddr {host_address}"
        lines = [f"table ip {TABLE} {{"]
        lines += [f"  chain {c} {{ type nat hook {c} priority {p}; policy accept; }}" for c, (_, p) in
                  _CHAINS.items()]
        lines.append("}")
        lines += [f'add rule ip {TABLE} {c} {match} {protocol} dport {host_port} dnat to {target}:{target_port} '
                  f'comment "iaas:{id}"' for c in _CHAINS]
        _run(where, ["nft", "-f", "-"], "\n".join(lines) + "\n")
    else:
        match = ["-m", "addrtype", "--dst-type", "LOCAL"] if local else ["-d", host_address]
        for chain, _ in _CHAINS.values():
            _run(where, ["iptables", "-w", "-t", "nat", "-A", chain, *match, "-p", protocol, "--dport",
                         str(host_port), "-m", "comment", "--comment", f"iaas:{id}", "-j", "DNAT",
                         "--to-destination", f"{target}:{target_port}"])
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
