"""What a host's XML read back to, kept on disk by the XML's content, one file per host.

A refresh reads every guest and volume of a host; reading their XML back (parsing it, then the spec) is most of
what a read costs in this process.  A guest whose XML has not changed since the command before reads back to the
same spec, so the next command finds it here: one :mod:`marshal` load per host (which builds values and can run no
code) instead of a parse per object.

An entry is named by a hash of the XML text; a file is named by the host (name and URI) and is ignored when it was
written by another Python or another version of the code that reads XML back (the size and modification time of
those source files are in its header).  The file holds the entries the last process read or made and some of
those it held before (:data:`MAX_ENTRIES`); any file can be deleted at any time.  It lives in the folder of
the parsed YAML files (``$IAAS_CACHE_DIR``, ``off`` keeps nothing), named ``xml-<hash>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

import attrs

from iaas import yamlfile
from iaas.drivers.libvirt.specs import DiskSpec, DomainSpec, Meta, NicSpec, VolumeInfo

FORMAT = 1
"""Version of the files' layout (part of every header)."""

MAX_ENTRIES = 50_000
"""Entries a file keeps at most: those the process that writes it read or made, then, up to twice as many and
:data:`SPARE` more, those it held before (another stack's guests on the same host)."""

SPARE = 1_000

MAX_FILES = 16
"""Files (hosts) the folder keeps at most: the oldest go first."""

PREFIX = "xml-"

#: What a guest's live XML reads back to: its spec, its iaas metadata and its graphics address.
Parsed = tuple[DomainSpec, Meta | None, str | None]


def _header() -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}\0{sys.version}\0".encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("_parsecache.py", "readback.py", "specs.py", "meta.py"):
        with contextlib.suppress(OSError):
            st = os.stat(os.path.join(here, name))
            h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def _key(kind: str, xml: str) -> bytes:
    return hashlib.blake2b(f"{kind}\0{xml}".encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _plain(obj: Any) -> dict[str, Any]:
    return attrs.asdict(obj, recurse=False)


def _encode_spec(spec: DomainSpec) -> dict[str, Any]:
    out = _plain(spec)
    out["disks"] = [_plain(d) for d in spec.disks]
    out["nics"] = [_plain(n) for n in spec.nics]
    return out


def _decode_spec(data: dict[str, Any]) -> DomainSpec:
    disks = tuple(DiskSpec(**d) for d in data["disks"])
    nics = tuple(NicSpec(**n) for n in data["nics"])
    return DomainSpec(**{**data, "disks": disks, "nics": nics})


class ParseCache:
    """The read-back XML of one host, kept across processes (see the module docs)."""

    def __init__(self, host: str, uri: str) -> None:
        self._name = hashlib.blake2b(f"{host}\0{uri}".encode(), digest_size=16).hexdigest()
        self._lock = threading.Lock()
        self._old: dict[bytes, Any] | None = None  # the file's entries, loaded on first use
        self._used: dict[bytes, Any] = {}  # entries read or made by this process
        self._made = False

    def _path(self) -> str | None:
        where = yamlfile.cache.folder()
        return None if where is None else os.path.join(where, PREFIX + self._name)

    def _loaded(self) -> dict[bytes, Any]:
        if self._old is None:
            self._old = {}
            path = self._path()
            if path is not None:
                try:
                    with open(path, "rb") as f:
                        header, entries = marshal.loads(f.read())  # load(f) reads the file in small pieces
                    if header == _header() and isinstance(entries, dict):
                        self._old = entries
                except (OSError, EOFError, ValueError, TypeError):
                    pass  # no file, or a damaged one: read back again
        return self._old

    def _get(self, kind: str, xml: str, read: Callable[[str], Any], encode: Callable[[Any], Any], decode: Any) -> Any:
        key = _key(kind, xml)
        with self._lock:
            data = self._used.get(key)
            if data is None:
                data = self._loaded().get(key)
        if data is not None:
            try:
                value = decode(data)
            except (TypeError, ValueError, KeyError, IndexError):
                value = None  # an entry this code cannot take: read back again
            if value is not None:
                with self._lock:
                    self._used[key] = data
                return value
        value = read(xml)
        with self._lock:
            self._used[key] = encode(value)
            self._made = True
        return value

    def domain(self, xml: str, read: Callable[[str], Parsed]) -> Parsed:
        """``read(xml)`` of a guest's live XML, or what it gave before."""

        def encode(v: Parsed) -> Any:
            return (_encode_spec(v[0]), None if v[1] is None else _plain(v[1]), v[2])

        def decode(d: Any) -> Parsed:
            spec, meta, graphics = d
            return _decode_spec(spec), None if meta is None else Meta(**meta), graphics

        return self._get("domain", xml, read, encode, decode)

    def spec(self, xml: str, read: Callable[[str], DomainSpec]) -> DomainSpec:
        """``read(xml)`` of a guest's definition, or what it gave before."""
        return self._get("spec", xml, read, _encode_spec, _decode_spec)

    def volume(self, xml: str, pool: str, read: Callable[[str], VolumeInfo]) -> VolumeInfo:
        """``read(xml)`` of a volume of ``pool``, or what it gave before."""
        return self._get(f"volume\0{pool}", xml, read, _plain, lambda d: VolumeInfo(**d))

    def save(self) -> None:
        """Write the file when this process read back something new; a folder that cannot be written keeps
        nothing, silently."""
        path = self._path()
        with self._lock:
            if not self._made or path is None:
                return
            entries = dict(self._used)
            limit = min(MAX_ENTRIES, 2 * len(entries) + SPARE)  # loading the file costs what it holds
            for key, data in self._loaded().items():
                if len(entries) >= limit:
                    break
                entries.setdefault(key, data)
            self._made = False
        try:
            blob = marshal.dumps((_header(), entries))
            where = os.path.dirname(path)
            os.makedirs(where, mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, path)
            _prune(where)
        except (OSError, ValueError):
            return


def _prune(where: str) -> None:
    names = [n for n in os.listdir(where) if n.startswith(PREFIX)]
    if len(names) <= MAX_FILES:
        return
    aged = sorted(names, key=lambda n: os.stat(os.path.join(where, n)).st_mtime_ns)
    for n in aged[: len(names) - MAX_FILES]:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(where, n))
