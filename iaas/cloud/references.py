"""Names in reference fields resolved to the ids of the objects they name.

A reference field (``image: debian-12``) may hold the name or the id of an
object that exists in the cloud; the cloud reports ids.  The engine's plan
(for objects a stack does not declare) and the faces' one-resource
:class:`iaas.resources.Session` resolve them with the one :class:`References`.

A soft reference field (a security group rule's ``remote_group``) keeps its
value as written: the object may be made later, by the same stack.  The
engine, which sees the whole stack, checks that it names an object of the
stack or of the cloud; a one-resource face cannot see the other resources of
its configuration and leaves it to the cloud, which looks it up when used.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from iaas.cloud.base import OpContext
from iaas.errors import FieldError
from iaas.model.schema import ObjectSchema

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud


class References:
    """Resolves the names in one resource's reference fields to ids, looking each name up once.

    ``cache`` maps (kind, name or id) to the id found (None: nothing found)
    and may be shared between resources; ``hint`` gives more words for a
    name that matches nothing; ``source`` is where the resource was declared.
    With ``strict``, a name that matches nothing is an error in
    :attr:`errors`; otherwise the value is left as it is.  ``declared``
    holds the (kind, name) of the objects of the whole stack, when known: a
    soft reference is then checked to name one of them or an object of the
    cloud that ``doomed`` (the (kind, name) of the objects the plan deletes)
    does not hold.
    """

    def __init__(
        self,
        cloud: Cloud,
        stack: str,
        address: str,
        strict: bool,
        *,
        cache: dict[tuple[str, str], str | None] | None = None,
        hint: Callable[[str], str] | None = None,
        source: str | None = None,
        declared: Collection[tuple[str, str]] | None = None,
        doomed: Collection[tuple[str, str]] = (),
    ):
        self.cloud, self.stack, self.address, self.strict = cloud, stack, address, strict
        self.declared, self.doomed = declared, doomed
        self.errors: list[FieldError] = []
        self.cache = cache if cache is not None else {}
        self.hint, self.source = hint, source

    def one(self, ref: str, value: Any, path: str) -> Any:
        """The id of the ``ref`` object named (or identified) by ``value``; other values unchanged."""
        if not isinstance(value, str):
            return value
        if (ref, value) not in self.cache:
            found = self.cloud.lookup(ref, OpContext(self.stack, self.address), value)
            self.cache[ref, value] = found.id if found else None
        if self.cache[ref, value] is None and self.strict:
            hint = self.hint(ref) if self.hint else ""
            self.errors.append(
                FieldError(self.address, path, f"no {ref} named or with id {value!r} exists{hint}", self.source)
            )
        return self.cache[ref, value] or value

    def soft(self, ref: str, value: Any, path: str) -> Any:
        """``value`` as written; checked, when the stack is known, to name an object of the stack or the cloud."""
        if isinstance(value, str) and self.declared is not None and (ref, value) not in self.declared:
            if (ref, value) in self.doomed:
                message = f"{ref} {value!r} is destroyed by this plan; declare it in the stack or name another"
                self.errors.append(FieldError(self.address, path, message, self.source))
            else:
                self.one(ref, value, path)
        return value

    def walk(self, sch: ObjectSchema, values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        """A copy of ``values`` with every reference field, nested ones too, resolved."""
        out = dict(values)
        for f in sch.inputs:
            value, path = out.get(f.name), prefix + f.name
            if f.spec.soft:
                out[f.name] = self.soft(f.spec.ref or "", value, path)
            elif f.spec.ref and isinstance(value, list):
                out[f.name] = [self.one(f.spec.ref, v, f"{path}[{i}]") for i, v in enumerate(value)]
            elif f.spec.ref:
                out[f.name] = self.one(f.spec.ref, value, path)
            elif f.nested is not None and isinstance(value, list):
                out[f.name] = [
                    self.walk(f.nested, v, f"{path}[{i}].") if isinstance(v, dict) else v for i, v in enumerate(value)
                ]
            elif f.nested is not None and isinstance(value, dict):
                out[f.name] = self.walk(f.nested, value, path + ".")
        return out
