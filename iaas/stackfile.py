"""Stack files: YAML or JSON with the same kinds and fields as the Python API.

::

    stack: demo                      # optional; default: the file name
    resources:
      network:
        web:
          cidr: 10.10.0.0/24
      instance:
        vm1:
          image: ${image.debian}
          flavor: m1.tiny
          nics:
            - network: ${network.web}
          depends_on: [network.web]
          lifecycle: {prevent_destroy: true}
    outputs:
      ip: ${instance.vm1.ip_address}
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iaas import yamlfile
from iaas.errors import FieldError, ValidationError
from iaas.model.values import kind_of
from iaas.stack import Lifecycle, Stack

if TYPE_CHECKING:
    from iaas.yamlfile.loader import BoundedLoader

_OPTIONS = {"depends_on", "lifecycle"}


def _construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # merged keys may be set again: the mapping's own value wins
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, list | dict):
            raise _refused(f"a key must be a plain value, not {kind_of(key)}", key_node.start_mark)
        if key in seen:
            raise _refused(f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    loader.flatten_mapping(node)
    mapping = yamlfile.LineDict(loader.construct_mapping(node, deep=deep))
    mapping.lines = {loader.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value}
    return mapping


def _refused(problem: str, mark: Any) -> Exception:
    from yaml.constructor import ConstructorError

    return ConstructorError(None, None, problem, mark)


@functools.cache
def _loader() -> type[BoundedLoader]:
    """The bounded loader, recording line numbers and refusing duplicate keys (made when a text is parsed)."""
    from yaml.resolver import BaseResolver

    from iaas.yamlfile.loader import BoundedLoader

    class _Loader(BoundedLoader):
        pass

    _Loader.add_constructor(BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return _Loader


def _line(mapping: Any, key: Any) -> int | None:
    return getattr(mapping, "lines", {}).get(key)


def _field_sources(origin: str, value: Any, path: str = "") -> dict[str, str]:
    """``origin:line`` of every key and list item under ``value``, by field path (``nics[0].fixed_ip``)."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if (line := _line(value, key)) is not None:
                found[sub] = f"{origin}:{line}"
            found.update(_field_sources(origin, item, sub))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.update(_field_sources(origin, item, f"{path}[{i}]"))
    return found


def _where(origin: str, mapping: Any, key: Any) -> str:
    """``origin:line`` of a key, or ``origin`` alone when the data carries no line numbers."""
    line = _line(mapping, key)
    return f"{origin}:{line}" if line is not None else origin


def _lifecycle(raw: Any, address: str, where: str) -> Lifecycle:
    if raw is None:
        return Lifecycle()
    if not isinstance(raw, dict):
        raise ValidationError([FieldError(address, "lifecycle", "expected a mapping", where)])
    known = {"prevent_destroy", "create_before_destroy", "ignore_changes"}
    for key in raw:
        if key not in known:
            raise ValidationError(
                [
                    FieldError(
                        address,
                        f"lifecycle.{key}",
                        f"unknown lifecycle option (known: {', '.join(sorted(known))})",
                        where,
                    )
                ]
            )
    ic = raw.get("ignore_changes", [])
    if not (ic == "all" or (isinstance(ic, list) and all(isinstance(x, str) for x in ic))):
        raise ValidationError(
            [FieldError(address, "lifecycle.ignore_changes", "expected a list of field names or 'all'", where)]
        )
    for key in ("prevent_destroy", "create_before_destroy"):
        if not isinstance(raw.get(key, False), bool):
            raise ValidationError([FieldError(address, f"lifecycle.{key}", "expected true or false", where)])
    return Lifecycle(
        bool(raw.get("prevent_destroy", False)),
        bool(raw.get("create_before_destroy", False)),
        ic if ic == "all" else tuple(ic),
    )


def stack_from_data(
    data: Any, name: str | None, origin: str, default_name: str = "default", base: Path | None = None
) -> Stack:
    """Build a stack from parsed stack-file data; ``origin`` names the file in errors.

    The stack's name is ``name`` when given, else the file's ``stack`` key, else ``default_name``.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(f"{origin}: a stack file is a mapping with 'resources' (and optional 'outputs')")
    unknown = set(data) - {"stack", "resources", "outputs"}
    if unknown:
        key = sorted(unknown)[0]
        raise ValidationError(
            [
                FieldError(
                    "",
                    "",
                    f"unknown top-level key {key!r} (known: stack, resources, outputs)",
                    _where(origin, data, key),
                )
            ]
        )
    stack = Stack(str(name or data.get("stack") or default_name))
    stack.base = str(base) if base is not None else None
    resources = data.get("resources") or {}
    if not isinstance(resources, dict):
        raise ValidationError(f"{origin}: 'resources' must map kinds to resources")
    problems: list[FieldError] = []
    for kind, items in resources.items():
        where_kind = _where(origin, resources, kind)
        if not isinstance(items, dict):
            problems.append(FieldError(str(kind), "", "expected a mapping of resource names to fields", where_kind))
            continue
        for rname, body in items.items():
            where = _where(origin, items, rname)
            address = f"{kind}.{rname}"
            try:
                if body is not None and not isinstance(body, dict):
                    raise ValidationError([FieldError(address, "", "expected a mapping of fields", where)])
                fields = _field_sources(origin, body or {})
                body = dict(body or {})
                opts = {k: body.pop(k) for k in list(body) if k in _OPTIONS}
                deps = opts.get("depends_on") or []
                if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
                    raise ValidationError([FieldError(address, "depends_on", "expected a list of addresses", where)])
                if "name" in body and body["name"] != rname:
                    raise ValidationError(
                        [FieldError(address, "name", "the name is the key of the resource; do not set it again", where)]
                    )
                body.pop("name", None)
                stack.add_raw(
                    str(kind),
                    str(rname),
                    body,
                    depends_on=deps,
                    lifecycle=_lifecycle(opts.get("lifecycle"), address, where),
                    source=where,
                    field_sources=fields,
                )
            except (ValidationError, TypeError, ValueError) as exc:
                if isinstance(exc, ValidationError):
                    problems += exc.errors
                else:
                    problems.append(FieldError(address, "", f"expected a mapping of fields ({exc})", where))
    outputs = data.get("outputs") or {}
    if not isinstance(outputs, dict):
        problems.append(FieldError("outputs", "", "expected a mapping of output names to values", origin))
    else:
        for oname, value in outputs.items():
            stack.output(str(oname), value)
    if problems:
        raise ValidationError(problems)
    return stack


def load_stack(path: str | Path, name: str | None = None) -> Stack:
    """Read a YAML or JSON stack file (JSON is YAML); the stack name defaults to the file's stem."""
    p = Path(path)
    data = yamlfile.load(p, "stack file", _loader)
    return stack_from_data(data, name, str(p), default_name=p.stem, base=p.resolve().parent)
