"""The bounded loader: PyYAML's safe loader that counts nesting and alias expansion as it composes a document.

Imported only when a text is parsed (see :mod:`iaas.yamlfile` for the bounds and the cache).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.parser import ParserError
from yaml.reader import ReaderError
from yaml.resolver import Resolver
from yaml.scanner import ScannerError

import iaas.yamlfile as bounds
from iaas.errors import FieldError, ValidationError

CParser: Any
try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    CParser = None

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
        if self._depth > bounds.MAX_DEPTH:
            raise ComposerError(None, None, f"nested deeper than {bounds.MAX_DEPTH} levels", event.start_mark)
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
        if self._expanded > bounds.MAX_ALIAS_NODES:
            raise ComposerError(
                None,
                None,
                f"aliases expand to more than {bounds.MAX_ALIAS_NODES} nodes (at alias *{event.anchor})",
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


def parse_text(text: str, origin: str, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """Parse YAML/JSON text with ``loader``; a syntax error or a bound passed is a ValidationError at
    ``origin:line``."""
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
