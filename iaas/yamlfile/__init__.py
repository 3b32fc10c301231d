"""Reading YAML/JSON files that users write, within bounds.

A stack file or cloud config is read as UTF-8 text of at most
:data:`MAX_BYTES`, and parsed by a safe loader that refuses nesting deeper
than :data:`MAX_DEPTH`, aliases that refer to the node containing them, and
aliases that together stand for more than :data:`MAX_ALIAS_NODES` nodes (a
"billion laughs" document is a few hundred bytes that expand to billions of
nodes).  Anchors, aliases and merge keys within these bounds work as usual.
The text is tokenised by libyaml when PyYAML has it (the bounds are checked
as the document is composed from libyaml's events, in Python, so they hold
the same); a text that libyaml refuses, or a PyYAML without libyaml, goes
through the pure-Python parser, whose messages are the ones users see
(:mod:`iaas.yamlfile.loader`).  What a text parsed to is kept by the text's
content (:mod:`iaas.yamlfile.cache`): reading an unchanged file again loads
neither PyYAML nor the parse.
Like :mod:`iaas.errors`, this package may be imported by every part of iaas.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iaas.errors import FieldError, ValidationError
from iaas.yamlfile import cache

if TYPE_CHECKING:
    from iaas.yamlfile.loader import BoundedLoader

    #: A loader class, or a function that makes it (so that PyYAML is imported only when a text is parsed).
    Loader = type[BoundedLoader] | Callable[[], type[BoundedLoader]]

MAX_BYTES = 4 * 1024 * 1024
"""Largest stack file or cloud config read, in bytes."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists."""

MAX_ALIAS_NODES = 100_000
"""Most nodes that the aliases (``*name``, ``<<: *name``) of one document may stand for, in all."""


class LineDict(dict[Any, Any]):
    """A mapping that knows the line of each of its keys (``lines``), as a stack file's loader builds it."""

    lines: dict[Any, int]


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of a user's file (``what`` says which: "stack file"); errors are ValidationErrors."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ValidationError(f"{p}: cannot read {what}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise ValidationError(f"{p}: {what} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            [FieldError("", "", f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded", f"{p}:{line}")]
        ) from None


def parse(text: str, origin: str, loader: Loader | None = None) -> Any:
    """Parse YAML/JSON text; a syntax error or a bound passed is a ValidationError at ``origin:line``.

    ``loader`` (default: the bounded loader) is a loader class, or a function without arguments that returns one.
    """
    key = cache.key(text, *_identity(loader))
    found = cache.get(key)
    if found is not cache.MISSING:
        return found
    from iaas.yamlfile.loader import BoundedLoader, parse_text

    cls = BoundedLoader if loader is None else loader if isinstance(loader, type) else loader()
    data = parse_text(text, origin, cls)
    cache.put(key, data)
    return data


def load(path: str | Path, what: str, loader: Loader | None = None) -> Any:
    """Read and parse a user's YAML/JSON file within the bounds of this module."""
    return parse(read_text(path, what), str(path), loader)


def _identity(loader: Loader | None) -> tuple[str, str | None]:
    """The qualified name of ``loader`` and the source file that defines it (for the cache's key)."""
    if loader is None:
        return "", None
    module = sys.modules.get(loader.__module__)
    return f"{loader.__module__}.{loader.__qualname__}", getattr(module, "__file__", None)
