"""Snapshots as JSON documents (the JSON text kept in store columns is :mod:`iaas.state.jsontext`'s).

:func:`export_json` and :func:`import_json` give the portable document behind
``iaas state pull`` and ``iaas state push``::

    {"format": "iaas-state", "version": 1, "stack": "web", "lineage": "…",
     "serial": 7, "outputs": {...}, "resources": [{"address": ...}, ...]}

Resources are listed sorted by address so two pulls of the same state are
byte-for-byte equal.
"""

from __future__ import annotations

from typing import Any

import cattrs

from iaas.errors import StateError
from iaas.state.jsontext import dump_text
from iaas.state.records import ResourceRecord, Snapshot

#: The ``format`` tag of an exported state document.
DOCUMENT_FORMAT = "iaas-state"
#: The version of the exported document layout this code writes and reads.
DOCUMENT_VERSION = 1

_converter = cattrs.Converter(forbid_extra_keys=True)


def _strict(kind: type, accepted: tuple[type, ...]) -> None:
    """Structure ``kind`` only from values already of an accepted type (no str(5))."""

    def hook(value: Any, _: type) -> Any:
        if isinstance(value, bool) or not isinstance(value, accepted):
            raise TypeError(f"expected {kind.__name__}, found {type(value).__name__} {value!r}")
        return kind(value)

    _converter.register_structure_hook(kind, hook)


def _describe(exc: BaseException, kind: type | None) -> str:
    """Say what is wrong with one field, keeping the validator's own words."""
    if isinstance(exc, (TypeError, ValueError)) and not isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    return cattrs.v.format_exception(exc, kind)


def _problems(exc: cattrs.BaseValidationError, path: str) -> str:
    return "; ".join(cattrs.transform_error(exc, path=path, format_exception=_describe))


_strict(str, (str,))
_strict(int, (int,))
_strict(float, (int, float))


def export_json(snapshot: Snapshot) -> dict[str, Any]:
    """Return ``snapshot`` as a JSON-able document."""
    resources = [_converter.unstructure(snapshot.resources[a]) for a in sorted(snapshot.resources)]
    return {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "stack": snapshot.stack,
        "lineage": snapshot.lineage,
        "serial": snapshot.serial,
        "outputs": _converter.unstructure(snapshot.outputs),
        "resources": resources,
    }


def import_json(document: dict[str, Any]) -> Snapshot:
    """Return the snapshot held by an exported document.

    Raises :class:`StateError` saying what is wrong when the document is not
    an iaas state document, comes from a newer iaas, or has a malformed field.
    """
    if not isinstance(document, dict):
        raise StateError(f"state document must be a JSON object, found {type(document).__name__}")
    _check_header(document)
    body = {k: v for k, v in document.items() if k not in ("format", "version")}
    raw_resources = body.pop("resources", [])
    if not isinstance(raw_resources, list):
        raise StateError("state document: 'resources' must be a list")
    body["resources"] = {}
    try:
        snapshot = _converter.structure(body, Snapshot)
        for index, raw in enumerate(raw_resources):
            record = _structure_resource(raw, index)
            if record.address in snapshot.resources:
                raise StateError(f"state document: resource {record.address!r} appears twice")
            snapshot.resources[record.address] = record
    except cattrs.BaseValidationError as exc:
        raise StateError("state document: " + _problems(exc, "document")) from exc
    except (TypeError, ValueError) as exc:
        raise StateError(f"state document: {exc}") from exc
    dump_text(snapshot.outputs, what="state document: outputs")
    return snapshot


def _check_header(document: dict[str, Any]) -> None:
    if document.get("format") != DOCUMENT_FORMAT:
        raise StateError(
            f"not an iaas state document (format is {document.get('format')!r}, expected {DOCUMENT_FORMAT!r})"
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise StateError(f"state document: 'version' must be an integer, found {version!r}")
    if version < 1:
        raise StateError(f"state document has an unknown version {version}")
    if version > DOCUMENT_VERSION:
        raise StateError(
            f"state document has version {version}, newer than this iaas reads ({DOCUMENT_VERSION}); upgrade iaas"
        )


def _structure_resource(raw: Any, index: int) -> ResourceRecord:
    try:
        record = _converter.structure(raw, ResourceRecord)
    except cattrs.BaseValidationError as exc:
        where = f"resources[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("address"), str):
            where += f" ({raw['address']})"
        raise StateError(f"state document: {_problems(exc, where)}") from exc
    except (TypeError, ValueError) as exc:
        raise StateError(f"state document: resources[{index}]: {exc}") from exc
    dump_text([record.inputs, record.outputs, record.extra], what=f"state document: {record.address}")
    return record
