"""The cloud config: its hosts (URI, capacity, networking), its home, its database and its flavors."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from iaas import yamlfile
from iaas.cloud import flavors
from iaas.db import DATABASE_ENV, is_postgres_url, parse_url
from iaas.drivers.libvirt.uri import DEFAULT_TIMEOUT, on_this_machine
from iaas.errors import DatabaseError, FieldError, ValidationError

DEFAULT_HOME = ".iaas"
#: The floating pool of the embedded cloud's simulated host.
EMBEDDED_POOL = "203.0.113.0/24"
#: Prefix of an import id that takes over an object another stack manages (``take-over:<id>``).
TAKE_OVER = "take-over:"


@attrs.define
class HostConfig:
    """One hypervisor host of the cloud."""

    name: str
    uri: str
    labels: dict[str, str] = attrs.field(factory=dict)
    cpu_ratio: float = 4.0  # vCPU overcommit
    ram_ratio: float = 1.0  # memory overcommit
    disk_ratio: float = 1.0
    pool_path: str | None = None  # directory of the storage pool on the host
    sim_cpus: int = 64  # size of a simulated (test://) host
    sim_memory_mib: int = 262144
    sim_disk_gib: int = 10240
    #: The file a simulated (test://) host keeps its objects in (None: ``hosts/<name>.db`` in the cloud's home).
    #: Cloud homes that name the same file share the host, as a team's homes share a real one.
    sim_store: str | None = None
    #: True when the host's files are not on this machine: images and seeds are then sent through the libvirt
    #: connection.  None decides from the URI: a host name other than localhost / 127.0.0.1 / ::1 is remote.
    remote: bool | None = None
    #: "kvm" or "qemu" (TCG) to override what the host's capabilities offer.
    domain_type: str | None = None
    #: The command that runs a program on the host, for what libvirt cannot do (port forwards' DNAT rules), such
    #: as ["ssh", "root@h2"].  None: this machine for a local host, ssh for a qemu+ssh:// URI, else nothing.
    command_prefix: list[str] | None = None
    #: The host's IPv4 address on the underlay network between the hosts: networks whose instances run on several
    #: hosts reach it over VXLAN to this address.  None: the host's networks stay on it alone.
    underlay: str | None = None
    #: The IPv4 block this host hands out as floating IPs (see docs/operations/floating-ips.md).  Hosts on one
    #: external LAN may declare the same block: an address is held once in the cloud and moves between them.
    floating_pool: str | None = None
    #: The host's interface that answers for floating addresses (None: the one its route to the pool leaves by).
    floating_interface: str | None = None
    #: Seconds the host's libvirtd may leave a call unanswered before the call fails (a hung or unreachable host).
    timeout: float = DEFAULT_TIMEOUT
    #: True while the host is down for maintenance: nothing new is placed on it, and ``iaas host drain`` moves
    #: its instances away (see :mod:`iaas.cloud.drain`).
    drain: bool = False

    @property
    def is_remote(self) -> bool:
        """Whether this host's files are elsewhere (see ``remote``)."""
        return self.remote if self.remote is not None else not on_this_machine(self.uri)


#: Host entries checked beyond their type: key, test, what the value must be.
_HOST_CHECKS: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    (
        "command_prefix",
        lambda v: isinstance(v, list) and bool(v) and all(isinstance(a, str) and a for a in v),
        "a non-empty list of strings",
    ),
    ("remote", lambda v: isinstance(v, bool), "true or false"),
    ("domain_type", lambda v: v in ("kvm", "qemu"), "'kvm' or 'qemu'"),
    ("underlay", lambda v: isinstance(v, str) and _parses(ipaddress.IPv4Address, v), "an IPv4 address"),
    (
        "floating_pool",
        lambda v: isinstance(v, str) and _parses(ipaddress.IPv4Network, v),
        "an IPv4 CIDR such as 192.0.2.16/28",
    ),
    ("floating_interface", lambda v: isinstance(v, str) and 0 < len(v) < 16 and "/" not in v, "an interface name"),
    ("sim_store", lambda v: isinstance(v, str) and bool(v.strip()), "a file path"),
    ("timeout", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0, "a positive number"),
    ("drain", lambda v: isinstance(v, bool), "true or false"),
)


def _parses(kind: Callable[[str], object], value: str) -> bool:
    """Whether ``kind`` (an ipaddress type) takes ``value``."""
    try:
        kind(value)
    except ValueError:
        return False
    return True


@attrs.define
class CloudConfig:
    """Where the cloud's hosts are and where it keeps its inventory."""

    hosts: list[HostConfig]
    home: str = DEFAULT_HOME
    scheduler: str = "spread"  # spread | pack
    #: Where stacks' state is kept: a SQLite path or a postgresql:// URL shared by a team (None: in the home).
    database: str | None = None
    #: Operator-defined flavors: name -> instance fields (sizes and extra specs); see :mod:`iaas.cloud.flavors`.
    flavors: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    @classmethod
    def embedded(cls, home: str | Path = DEFAULT_HOME) -> CloudConfig:
        """One simulated host backed by libvirt's test driver, persisted under ``home``; its floating pool is a
        documentation block (TEST-NET-3), for trying floating IPs out."""
        return cls(hosts=[HostConfig("default", "test:///default", floating_pool=EMBEDDED_POOL)], home=str(home))

    @classmethod
    def load(cls, source: str | Path | dict[str, Any]) -> CloudConfig:
        """Read a cloud config from a YAML/JSON file path or a mapping."""
        data: Any = source
        origin = "cloud config"
        if not isinstance(source, dict):
            origin = str(source)
            data = yamlfile.load(source, "cloud config")
        if not isinstance(data, dict) or not isinstance(data.get("hosts", []), list):
            raise ValidationError(f"{origin}: expected a mapping with a 'hosts' list")
        hosts = []
        for i, h in enumerate(data.get("hosts") or []):
            if not isinstance(h, dict) or "name" not in h or "uri" not in h:
                raise ValidationError([FieldError(f"hosts[{i}]", "", "each host needs a name and a uri", origin)])
            unknown = set(h) - {a.name for a in attrs.fields(HostConfig)}
            if unknown:
                raise ValidationError([FieldError(f"hosts[{i}]", sorted(unknown)[0], "unknown field", origin)])
            for key, ok, want in _HOST_CHECKS:
                value = h.get(key)
                if value is not None and not ok(value):
                    raise ValidationError([FieldError(f"hosts[{i}]", key, f"must be {want}, got {value!r}", origin)])
            if h.get("sim_store") is not None and not str(h["uri"]).startswith("test://"):
                raise ValidationError([FieldError(f"hosts[{i}]", "sim_store", "only a test:// host has one", origin)])
            hosts.append(HostConfig(**h))
            twin = next((o for o in hosts[:-1] if o.underlay and o.underlay == hosts[-1].underlay), None)
            if twin is not None:
                message = f"{twin.underlay} is already the underlay address of host {twin.name}"
                raise ValidationError([FieldError(f"hosts[{i}]", "underlay", message, origin)])
        database = _database(data.get("database"), origin)
        defined = flavors.load(data.get("flavors"), origin)
        if not hosts:
            config = cls.embedded(data.get("home", DEFAULT_HOME))
            config.database, config.flavors = database, defined
            return config
        return cls(
            hosts=hosts,
            home=str(data.get("home", DEFAULT_HOME)),
            scheduler=data.get("scheduler", "spread"),
            database=database,
            flavors=defined,
        )


def _database(value: Any, origin: str) -> str | None:
    """The config's ``database`` entry, checked: None, a SQLite path or a PostgreSQL URL."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError([FieldError("", "database", "must be a path or a postgresql:// URL", origin)])
    try:
        parse_url(value)
    except DatabaseError as exc:
        raise ValidationError([FieldError("", "database", str(exc), origin)]) from None
    return value


def inventory_location(config: CloudConfig, database: str | None = None) -> str:
    """Where a cloud keeps its inventory.

    A PostgreSQL URL, first found of ``database`` (given with ``--state``),
    ``$IAAS_DATABASE_URL`` and the config's ``database``, puts it in that
    shared database beside the stacks' state; otherwise it is ``cloud.db``
    in the cloud's home (``:memory:`` for a home of ``:memory:``).
    """
    if config.home == ":memory:":
        return ":memory:"
    for candidate in (database, os.environ.get(DATABASE_ENV), config.database):
        if candidate and is_postgres_url(candidate):
            return candidate
    return str(Path(config.home) / "cloud.db")
