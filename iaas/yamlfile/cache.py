"""What a YAML text parsed to, kept on disk by the text's content.

A command that reads the same stack file or cloud config as the command before it finds the parsed data here and
loads neither PyYAML nor the parse: one file read and :mod:`marshal` (which builds values and can run no code).
An entry holds what it was made from (the text, the loader, the bounds, and the size and modification time of the
source files that parse it) and is named by a checksum of that; it is used only when all of it is the same, so an
edited file, another loader or another version of iaas never finds an entry that is not its own, and two texts whose
names collide each parse afresh.
Only texts that parsed are kept; errors are found again, with their lines, every time.

The folder is ``$IAAS_CACHE_DIR``, else ``$XDG_CACHE_HOME/iaas/yaml``, else ``~/.cache/iaas/yaml``;
``IAAS_CACHE_DIR=off`` (or empty) keeps nothing.  It holds at most :data:`MAX_ENTRIES` entries (the oldest go
first), and any entry can be deleted at any time.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from typing import Any

FORMAT = 2
"""Version of the entries' layout (part of every key)."""

MAX_ENTRIES = 64
"""Entries kept in the folder."""

MISSING: Any = object()
"""What :func:`get` returns when the folder holds no entry for a key."""

_SCALARS = frozenset({str, int, float, bool, type(None), bytes})
_LINES = "L"  # a LineDict is kept as (_LINES, its items, its lines); YAML's safe loader makes no tuples


class _Uncacheable(Exception):
    """A value marshal cannot keep as it is (a timestamp): the text is parsed every time."""


def folder() -> str | None:
    """The cache folder, or None when caching is off."""
    value = os.environ.get("IAAS_CACHE_DIR")
    if value is not None:
        return value if value not in ("", "off") else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iaas", "yaml")


def _sources(extra: str | None) -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    found = [os.path.join(here, name) for name in ("__init__.py", "loader.py", "cache.py")]
    return [*found, extra] if extra else found


Key = tuple[str, str]
"""An entry's name and what it is made from."""


def key(text: str, loader: str, loader_file: str | None) -> Key | None:
    """The entry of ``text`` parsed by ``loader`` (defined in ``loader_file``); None when caching is off."""
    if folder() is None:
        return None
    import iaas.yamlfile as bounds

    parts = [f"{FORMAT}\0{sys.version}\0{loader}\0{bounds.MAX_DEPTH}\0{bounds.MAX_ALIAS_NODES}\0"]
    for path in _sources(loader_file):
        try:
            st = os.stat(path)
        except OSError:
            continue
        parts.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0")
    parts.append(text)
    made_from = "".join(parts)
    return _name(made_from.encode("utf-8", "surrogatepass")), made_from


def _name(made_from: bytes) -> str:
    """An entry's file name: a checksum, not a proof (the entry is checked against what it was made from)."""
    return f"{zlib.crc32(made_from):08x}{zlib.adler32(made_from):08x}{len(made_from):x}"


def get(entry: Key | None) -> Any:
    """The data kept for ``entry``, or :data:`MISSING`."""
    where = folder()
    if where is None or entry is None:
        return MISSING
    name, made_from = entry
    try:
        with open(os.path.join(where, name), "rb") as f:
            kept_from, data = marshal.loads(f.read())  # load(f) reads the file in small pieces: 5 times slower
        if kept_from != made_from:  # another text under the same name
            return MISSING
        return _decode(data, {})
    except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError):
        return MISSING  # no entry, or one that is damaged: parse again


def put(entry: Key | None, data: Any) -> None:
    """Keep ``data`` as ``entry``; a folder that cannot be written keeps nothing, silently."""
    where = folder()
    if where is None or entry is None:
        return
    name, made_from = entry
    try:
        blob = marshal.dumps((made_from, _encode(data, {})))
    except (_Uncacheable, ValueError, RecursionError):
        return
    try:
        import tempfile

        os.makedirs(where, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, os.path.join(where, name))
        _prune(where)
    except OSError:
        return


def _prune(where: str) -> None:
    names = [n for n in os.listdir(where) if not n.startswith((".", "xml-"))]  # xml-: read-back XML, kept apart
    if len(names) <= MAX_ENTRIES:
        return
    aged = sorted(names, key=lambda n: os.stat(os.path.join(where, n)).st_mtime_ns)
    for n in aged[: len(names) - MAX_ENTRIES]:
        try:
            os.unlink(os.path.join(where, n))
        except OSError:
            pass


def _encode(value: Any, memo: dict[int, Any]) -> Any:
    t = type(value)
    if t in _SCALARS:
        return value
    done = memo.get(id(value))
    if done is not None:
        return done  # an alias: the same object again, kept once by marshal
    if t is list:
        out: Any = [_encode(v, memo) for v in value]
    elif t is dict or (isinstance(value, dict) and hasattr(value, "lines")):
        items = {_scalar(k): _encode(v, memo) for k, v in value.items()}
        out = items if t is dict else (_LINES, items, dict(value.lines))
    elif t is set:
        out = {_scalar(v) for v in value}
    else:
        raise _Uncacheable(t.__name__)
    memo[id(value)] = out
    return out


def _scalar(value: Any) -> Any:
    if type(value) not in _SCALARS:
        raise _Uncacheable(type(value).__name__)
    return value


def _decode(value: Any, memo: dict[int, Any]) -> Any:
    t = type(value)
    if t in _SCALARS or t is set:
        return value
    done = memo.get(id(value))
    if done is not None:
        return done
    if t is list:
        out: Any = [_decode(v, memo) for v in value]
    elif t is dict:
        out = {k: _decode(v, memo) for k, v in value.items()}
    else:
        from iaas.yamlfile import LineDict

        _, items, lines = value
        out = LineDict({k: _decode(v, memo) for k, v in items.items()})
        out.lines = lines
    memo[id(value)] = out
    return out
