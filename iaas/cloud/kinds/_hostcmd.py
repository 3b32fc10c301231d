"""Running a program on a host, for what libvirt cannot do (firewall rules, probing a guest's port).

``where`` is the command prefix that runs a program on the host: nothing for
this machine, ``nsenter --net=...`` for a libvirtd in another network
namespace of this machine (:func:`local_runner`), ``ssh ... host`` for a
``qemu+ssh://`` host (:func:`ssh_runner`), or the host's ``command_prefix``
from the cloud config.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from iaas.drivers.libvirt.reach import Probe, libvirtd_netns
from iaas.errors import IaasError

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

PROBE_TIMEOUT = 3  # seconds one connection attempt of :func:`tcp_probe` may take


def local_runner(uri: str) -> tuple[str, ...]:
    """The prefix that runs a program where the libvirtd of a local URI is: its network namespace."""
    netns = libvirtd_netns(uri)
    return ("nsenter", f"--net={netns}") if netns else ()


def ssh_runner(uri: str) -> tuple[str, ...] | None:
    """``ssh`` to the machine of a ``qemu+ssh://`` URI, as libvirt reaches it; None for other URIs.

    The user, port and the URI's ``command`` (the ssh program), ``keyfile``,
    ``known_hosts`` and ``no_verify`` parameters are used as libvirt uses them.
    """
    parts = urlsplit(uri)
    if not parts.scheme.endswith("+ssh") or not parts.hostname:
        return None
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    argv = [query.get("command") or "ssh", "-o", "BatchMode=yes"]
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


def run(where: Sequence[str], argv: list[str], stdin: str | None = None, timeout: float = 30.0) -> str:
    """Run ``argv`` on the host through ``where``; its output.  IaasError says what failed."""
    if where and os.path.basename(where[0]) == "ssh":
        full = [*where, shlex.join(argv)]  # ssh hands the remote shell one command line
    else:
        full = [*where, *argv]
    try:
        done = subprocess.run(full, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise IaasError(f"{' '.join(argv[:2])}: {exc}") from exc
    if done.returncode != 0:
        raise IaasError(f"{' '.join(argv)}: {done.stderr.strip()[-400:]}")
    return done.stdout


def link_problem(where: Sequence[str], name: str, bridge: bool) -> str | None:
    """Why the host has no usable link ``name`` (a bridge when ``bridge``); None when it has."""
    what = "bridge" if bridge else "interface"
    try:
        shown = run(where, ["ip", "-d", "-o", "link", "show", "dev", name])
    except IaasError:
        return f"has no {what} {name}"
    if bridge and " bridge " not in shown.replace("\\", " "):
        return f"has an interface {name}, but it is not a bridge"
    return None


def tcp_probe(where: Sequence[str]) -> Probe:
    """A connection attempt made on the host (bash's /dev/tcp there): a probe for ``wait_for_port``."""

    def attempt(address: str, port: int) -> str | None:
        try:
            run(
                where,
                ["timeout", str(PROBE_TIMEOUT), "bash", "-c", f"exec 3<>/dev/tcp/{address}/{port}"],
                timeout=PROBE_TIMEOUT + 30,
            )
            return None
        except IaasError as exc:
            return str(exc).rsplit(": ", 1)[-1] or "no answer"

    return attempt


def host_runner(cloud: Cloud, host_name: str, *, resolve: bool = False) -> tuple[str, ...] | None:
    """How to run a program on a cloud's host; None for a simulated host or one iaas cannot reach.

    The host's ``command_prefix`` first; this machine (the libvirtd's network
    namespace) for a local host; ssh for a ``qemu+ssh://`` host.  Without
    ``resolve``, a local host answers ``()`` without looking up its namespace.
    """
    host = cloud.hosts.get(host_name)
    config = cloud.host_configs.get(host_name)
    if host is None or config is None or host.simulated:
        return None
    if config.command_prefix:
        return tuple(config.command_prefix)
    if not config.is_remote:
        return local_runner(host.uri) if resolve else ()
    return ssh_runner(host.uri)
