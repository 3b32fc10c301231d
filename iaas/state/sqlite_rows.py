"""Converting records to and from rows of a state database (the SQLite and the PostgreSQL backends alike)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from iaas.errors import StateError
from iaas.state.jsontext import dump_text, load_text
from iaas.state.records import ApplyRecord, LockInfo, ResourceRecord, Snapshot
from iaas.state.sqlite_schema import DAMAGED_HINT

#: Columns of the resources table, in the order of the tuples below.
RESOURCE_COLUMNS = ("address", "kind", "id", "inputs", "outputs", "dependencies", "status", "extra", "updated_at")
#: Columns of the applies table, in the order :func:`apply_from_row` reads.
APPLY_COLUMNS = ("id", "stack", "operation", "owner", "started_at", "finished_at", "status", "summary")
#: Columns of the locks table, in the order :func:`lock_from_row` reads.
LOCK_COLUMNS = ("stack", "owner", "operation", "acquired_at", "pid", "hostname")


def check_record(record: ResourceRecord) -> None:
    """Refuse a record whose fields do not have the shapes the store keeps."""
    if not isinstance(record, ResourceRecord):
        raise StateError(f"expected a ResourceRecord, got {type(record).__name__}")
    where = f"resource {record.address!r}"
    for name in ("inputs", "outputs", "extra"):
        if not isinstance(getattr(record, name), dict):
            raise StateError(f"{where}: {name} must be a dict, got {type(getattr(record, name)).__name__}")
    deps = record.dependencies
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise StateError(f"{where}: dependencies must be a list of addresses (str), got {deps!r}")
    if record.id is not None and not isinstance(record.id, str):
        raise StateError(f"{where}: id must be a str or None, got {type(record.id).__name__}")


def resource_values(record: ResourceRecord, updated_at: float) -> tuple[Any, ...]:
    """Return the column values for ``record``, JSON fields as text."""
    check_record(record)
    what = f"resource {record.address!r}:"
    return (
        record.address,
        record.kind,
        record.id,
        dump_text(record.inputs, what=f"{what} inputs"),
        dump_text(record.outputs, what=f"{what} outputs"),
        dump_text(record.dependencies, what=f"{what} dependencies"),
        record.status,
        dump_text(record.extra, what=f"{what} extra"),
        float(updated_at),
    )


def resource_from_row(row: sqlite3.Row | tuple[Any, ...], where: str) -> ResourceRecord:
    """Build a record from a row of RESOURCE_COLUMNS; ``where`` prefixes errors."""
    address, kind, rid, inputs, outputs, deps, status, extra, updated_at = row
    here = f"{where}, resource {address!r}"
    try:
        values = _columns(inputs, outputs, deps, extra)
        if values is None:  # one column is damaged: parsed one by one, the error names it
            values = (
                _json(inputs, here, "inputs", dict),
                _json(outputs, here, "outputs", dict),
                _json(deps, here, "dependencies", list),
                _json(extra, here, "extra", dict),
            )
        return ResourceRecord(
            address=address,
            kind=kind,
            id=rid,
            inputs=values[0],
            outputs=values[1],
            dependencies=values[2],
            status=status,
            extra=values[3],
            updated_at=updated_at,
        )
    except (TypeError, ValueError) as exc:
        raise StateError(f"{here}: invalid record: {exc.args[0] if exc.args else exc}. {DAMAGED_HINT}") from exc


def snapshot_from_rows(stack: str, stack_row: tuple[Any, ...], rows: list[Any], where: str) -> Snapshot:
    """Build a stack's snapshot from its row (lineage, serial, outputs) and its resources' rows."""
    lineage, serial, outputs = stack_row
    resources = {row[0]: resource_from_row(row, where) for row in rows}
    return Snapshot(
        stack=stack, lineage=lineage, serial=serial, resources=resources, outputs=_json(outputs, where, "outputs", dict)
    )


def apply_from_row(row: sqlite3.Row | tuple[Any, ...], where: str) -> ApplyRecord:
    """Build a history entry from a row of APPLY_COLUMNS."""
    apply_id, stack, operation, owner, started_at, finished_at, status, summary = row
    here = f"{where}, history entry {apply_id}"
    try:
        return ApplyRecord(
            id=apply_id,
            stack=stack,
            operation=operation,
            owner=owner,
            started_at=started_at,
            finished_at=finished_at,
            status=status,
            summary=_json(summary, here, "summary", dict),
        )
    except (TypeError, ValueError) as exc:
        raise StateError(f"{here}: invalid entry: {exc.args[0] if exc.args else exc}") from exc


def lock_from_row(row: sqlite3.Row | tuple[Any, ...]) -> LockInfo:
    """Build lock information from a row of LOCK_COLUMNS."""
    stack, owner, operation, acquired_at, pid, host = row
    return LockInfo(stack=stack, owner=owner, operation=operation, acquired_at=acquired_at, pid=pid, hostname=host)


_SHAPES = (dict, dict, list, dict)


def _columns(*texts: Any) -> tuple[Any, ...] | None:
    """The JSON columns of a record parsed in one call (a refresh reads thousands), or None when one is not the
    JSON text of its shape."""
    if not all(isinstance(t, str) for t in texts):
        return None
    try:
        values = json.loads("[" + ",".join(texts) + "]")
    except ValueError:
        return None
    if len(values) != len(_SHAPES) or not all(isinstance(v, t) for v, t in zip(values, _SHAPES, strict=True)):
        return None
    return tuple(values)


def _json(text: Any, where: str, column: str, shape: type) -> Any:
    value = load_text(text, what=f"{where}: column {column}")
    if not isinstance(value, shape):
        raise StateError(f"{where}: column {column} holds {type(value).__name__}, expected {shape.__name__}")
    return value
