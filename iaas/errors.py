"""The one error hierarchy of iaas.

Every error a user can see is an :class:`IaasError`.  Errors about user input
name the resource address and the field; errors from a hypervisor name the host
and the operation.  This module imports nothing from the rest of iaas, so every
part may raise these errors.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import attrs

_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}  # control, invisible formatting, line and paragraph separator characters


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` safe for a terminal: control characters other than ``keep`` written as escapes (``\\x1b``)."""
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch in keep or unicodedata.category(ch) not in _HIDDEN
        else f"\\x{ord(ch):02x}"
        if ord(ch) < 256
        else f"\\u{ord(ch):04x}"
        for ch in text
    )


class IaasError(Exception):
    """Base class of every error iaas raises on purpose."""


@attrs.frozen
class FieldError:
    """One problem with one field of one resource.

    ``address`` is the resource address (``network.web``), ``field`` a dotted
    path inside it (``nics[0].fixed_ip``), ``source`` where the resource was
    declared (``stack.yaml:12``) when it came from a file.
    """

    address: str
    field: str
    message: str
    source: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        target = f"{self.address}.{self.field}" if self.field else self.address
        return printable(f"{where}{target}: {self.message}" if target else f"{where}{self.message}")


class ValidationError(IaasError):
    """Desired resources are invalid; nothing was touched.

    Carries every problem found, not only the first.
    """

    def __init__(self, errors: Iterable[FieldError] | str):
        if isinstance(errors, str):
            errors = [FieldError("", "", errors)]
        self.errors: list[FieldError] = list(errors)
        super().__init__(self._render())

    #: Problems spelled out in the message; the rest are counted (``errors`` holds them all).
    SHOWN = 50

    def _render(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        lines = [f"{len(self.errors)} problems:"]
        lines += [f"  - {e}" for e in self.errors[: self.SHOWN]]
        if len(self.errors) > self.SHOWN:
            lines.append(f"  ... and {len(self.errors) - self.SHOWN} more")
        return "\n".join(lines)


class CycleError(ValidationError):
    """The dependency graph has one or more cycles; each is named in full."""

    def __init__(self, cycles: Sequence[Sequence[str]]):
        self.cycles = [list(c) for c in cycles]
        errors = [FieldError(c[0], "", "dependency cycle: " + " -> ".join([*c, c[0]])) for c in self.cycles]
        super().__init__(errors)


class QuotaError(ValidationError):
    """A project's quota would be exceeded."""


class CapacityError(ValidationError):
    """No host can hold what was asked for."""


class DatabaseError(IaasError):
    """A database cannot be reached or used: bad URL, refused login, missing database, lost connection, schema.

    Messages name the database by its URL without the password.
    """


class StateError(DatabaseError):
    """The state store is unreadable, corrupt, or from an incompatible version."""


class LostStateError(StateError):
    """The cloud holds objects of the stack that its state does not record (a lost or replaced state).

    ``objects`` lists them as (address, kind, id); planning is refused until
    they are adopted (``Engine.recover``, ``iaas state recover``) or imported.
    """

    def __init__(self, message: str, *, objects: Sequence[tuple[str, str, str]] = ()):
        self.objects = list(objects)
        super().__init__(message)


class LockError(IaasError):
    """The stack is locked by another operation."""

    def __init__(self, message: str, *, owner: str | None = None):
        self.owner = owner
        super().__init__(message)


class ConflictError(IaasError):
    """An object exists that iaas must not take over (owned by another stack)."""


class NotFoundError(IaasError):
    """A cloud object that was asked for does not exist."""


class HostError(IaasError):
    """A hypervisor call failed; names the host and the operation."""

    def __init__(self, host: str, operation: str, detail: str):
        self.host = host
        self.operation = operation
        self.detail = detail
        super().__init__(f"host {host!r}: {operation} failed: {detail}")


class HostUnreachableError(HostError):
    """The host's libvirtd could not be reached, or stopped answering within the host's timeout."""


class PlanError(IaasError):
    """A plan cannot be made or applied (stale plan file, prevent_destroy, ...)."""


class ApplyError(IaasError):
    """One or more steps of an apply failed; the others were finished and saved."""

    def __init__(self, failures: dict[str, BaseException], skipped: Sequence[str] = (), result: object = None):
        self.failures = failures
        self.skipped = list(skipped)
        self.result = result  # the engine's ApplyResult: what finished, failed and was skipped
        lines = [f"{len(failures)} resource(s) failed:"]
        lines += [f"  - {addr}: {exc}" for addr, exc in failures.items()]
        if self.skipped:
            lines.append(
                f"  {len(self.skipped)} dependent resource(s) skipped: "
                + ", ".join(self.skipped[:10])
                + (" ..." if len(self.skipped) > 10 else "")
            )
        super().__init__("\n".join(lines))
