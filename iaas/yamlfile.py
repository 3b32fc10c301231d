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
through the pure-Python parser, whose messages are the ones users see.
Like :mod:`iaas.errors`, this module may be imported by every part of iaas.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.parser import ParserError
from yaml.reader import ReaderError
from yaml.resolver import Resolver
from yaml.scanner import ScannerError

from iaas.errors import FieldError, ValidationError

CParser: Any
try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    CParser = None

MAX_BYTES = 4 * 1024 * 1024
"""Largest stack file or cloud config read, in bytes."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists."""

MAX_ALIAS_NODES = 100_000
"""Most nodes that the aliases (``*name``, ``<<: *name``) of one document may stand for, in all."""


_SURROGATE = re.compile("[\ud800-\udfff]")


class BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that bounds nesting depth and alias expansion while it composes the document."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._init_bounds()

    def _init_bounds(self) -> None:
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it stands for once expanded (anchored nodes, on use)
        self._complete: set[int] = set()  # id() of the anchored nodes composed to their end
        self._depth = 0
        self._expanded = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - see the class
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._count_alias(event)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        try:
            node: Any = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if event.anchor is not None:
            self._complete.add(id(node))
        return node

    def _size(self, node: yaml.Node) -> int:
        """The nodes ``node`` stands for once its aliases are expanded (known for nodes an alias refers to)."""
        size = self._sizes.get(id(node))
        if size is None:
            size = self._sizes[id(node)] = 1 + sum([self._size(child) for child in _children(node)])
        return size

    def construct_scalar(self, node: Any) -> Any:  # noqa: D102 - escaped surrogate pairs joined, lone ones refused
        value = super().construct_scalar(node)
        if isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
            try:
                return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
            except UnicodeDecodeError:
                raise ConstructorError(
                    None, None, "a string holds half of a UTF-16 surrogate pair (\\ud800 to \\udfff)", node.start_mark
                ) from None
        return value

    def _count_alias(self, event: Any) -> None:
        node = self.anchors.get(event.anchor)
        if node is None:
            return  # the composer reports the undefined alias
        if id(node) not in self._complete:
            raise ComposerError(
                None, None, f"alias *{event.anchor} refers to a node that contains it", event.start_mark
            )
        self._expanded += self._size(node)
        if self._expanded > MAX_ALIAS_NODES:
            raise ComposerError(
                None,
                None,
                f"aliases expand to more than {MAX_ALIAS_NODES} nodes (at alias *{event.anchor})",
                event.start_mark,
            )


_FAST: dict[type[BoundedLoader], type[BoundedLoader]] = {}


def _fast(loader: type[BoundedLoader]) -> type[BoundedLoader] | None:
    """``loader`` reading libyaml's events: the same composer (and bounds), constructor and resolver; None without
    libyaml."""
    if CParser is None:
        return None
    if loader not in _FAST:

        def __init__(self: Any, stream: Any) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._init_bounds()

        # the composer is the Python one (CParser would compose in C, past the bounds)
        names = ("get_single_node", "check_node", "get_node")
        body: dict[str, Any] = {"__init__": __init__, **{n: getattr(Composer, n) for n in names}}
        _FAST[loader] = type(f"Fast{loader.__name__}", (CParser, loader), body)
    return _FAST[loader]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


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


def parse(text: str, origin: str, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """Parse YAML/JSON text; a syntax error or a bound passed is a ValidationError at ``origin:line``."""
    try:
        fast = _fast(loader)
        if fast is not None:
            try:
                return yaml.load(text, Loader=fast)  # noqa: S506 - a SafeLoader subclass on libyaml's events
            except (ReaderError, ScannerError, ParserError):
                pass  # libyaml refused the text: the pure-Python parser says why (or accepts what libyaml does not)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = "; ".join(str(x) for x in (exc.context, exc.problem) if x) or str(exc)
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        raise ValidationError([FieldError("", "", f"not valid YAML/JSON: {what}", where)]) from exc
    except yaml.YAMLError as exc:
        raise ValidationError(f"{origin}: not valid YAML/JSON: {exc}") from exc
    except RecursionError:
        raise ValidationError(f"{origin}: not valid YAML/JSON: nested too deeply") from None


def load(path: str | Path, what: str, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """Read and parse a user's YAML/JSON file within the bounds of this module."""
    return parse(read_text(path, what), str(path), loader)
