"""Declaring resource kinds: fields with their schema facts, references, unknowns.

Every kind is an attrs class derived from :class:`Resource`.  Each field is
declared once with :func:`field`, whose metadata carries what every face of
iaas needs to know about it (required, default, how a change is applied,
computed, secret, description, reference target, allowed values).  Schemas,
SDKs, argument specs and documentation are derived from these declarations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

import attrs

from iaas.model import checks

UpdateClass = Literal["live", "offline", "migrate", "replace"]
"""How a change to a field is carried out.

``live``: applied to the running object; ``offline``: needs the object stopped
and started again; ``migrate``: the object moves to another host, keeping its
identity, disks and addresses (a running guest keeps running); ``replace``: the
object is deleted and created anew.
"""

META_KEY = "iaas"
_NOTHING = attrs.NOTHING


class _Unknown:
    """A value that is known only after apply (it depends on a resource being created)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(known after apply)"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def contains_unknown(value: Any) -> bool:
    """Tell whether a value is, or contains anywhere inside it, :data:`UNKNOWN`."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False


_REF_RE = re.compile(r"^\$\{\s*([a-z_]+)\.([A-Za-z0-9_.-]+?)(?:\.([a-z_]+))?\s*\}$")


@attrs.frozen
class Reference:
    """A reference to an attribute of another resource of the stack.

    Written ``${network.web.gateway}`` in a stack file, or made with
    ``network.ref("gateway")`` in Python.  A reference without an attribute
    means the resource's ``id``.
    """

    kind: str
    name: str
    attribute: str = "id"

    @property
    def address(self) -> str:
        """The address of the referenced resource (``network.web``)."""
        return f"{self.kind}.{self.name}"

    def __str__(self) -> str:
        return "${" + f"{self.kind}.{self.name}.{self.attribute}" + "}"

    @classmethod
    def parse(cls, text: str) -> Reference | None:
        """Parse ``${kind.name[.attribute]}``; return None when ``text`` is not a reference."""
        m = _REF_RE.match(text.strip()) if isinstance(text, str) else None
        if not m:
            return None
        kind, name, attribute = m.group(1), m.group(2), m.group(3)
        return cls(kind, name, attribute or "id")


@attrs.frozen
class FieldSpec:
    """The schema facts of one field, as declared in the model."""

    description: str
    required: bool = False
    update: UpdateClass = "live"
    computed: bool = False
    chosen: bool = False  # optional input; when unset the cloud chooses a value and reports it
    secret: bool = False
    ref: str | None = None  # kind this field refers to (its value is that resource's id)
    choices: tuple[Any, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    check: Callable[[Any], str | None] | None = None  # returns an error message or None
    default_doc: str | None = None  # how the default is described when it is computed
    local_path: bool = False  # may name a local file: a relative path is kept, and resolved against the stack's folder
    recomputed_by: tuple[str, ...] = ()  # computed field: inputs whose in-place change may change its value
    exclusive: bool = False  # its value is held by one object at a time (an address, an attached volume)
    soft: bool = False  # a reference that names its object without ordering after it (see :func:`field`)

    @property
    def replace(self) -> bool:
        """True when a change of this field forces a replacement."""
        return self.update == "replace"

    @property
    def placement(self) -> bool:
        """True when the field says where the object lives (a change moves or replaces it)."""
        return self.update in ("migrate", "replace")


def field(
    description: str,
    *,
    default: Any = _NOTHING,
    factory: Callable[[], Any] | None = None,
    required: bool = False,
    update: UpdateClass = "live",
    computed: bool = False,
    chosen: bool = False,
    secret: bool = False,
    ref: str | None = None,
    choices: Sequence[Any] | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    check: Callable[[Any], str | None] | None = None,
    default_doc: str | None = None,
    local_path: bool = False,
    recomputed_by: Sequence[str] = (),
    exclusive: bool = False,
    soft: bool = False,
) -> Any:
    """Declare one field of a resource kind with its schema facts.

    A required field has no default.  A computed field is set by the cloud and
    defaults to None; users cannot set it.  A ``chosen`` field is an optional
    input that the cloud fills in when it is left unset (a placement host).
    ``recomputed_by`` names the inputs whose in-place change may change a
    computed field; its value is kept across any other update.  An
    ``exclusive`` value is held by one object at a time: a new object that
    takes it over from one being deleted is created after that delete.
    A ``soft`` reference (``ref`` set) holds the name or id of its object as
    written, is looked up each time it is used and orders nothing: two
    objects may name each other.  A stack reference to the object stands for
    its name.
    """
    spec = FieldSpec(
        description=description,
        required=required,
        update=update,
        computed=computed,
        chosen=chosen,
        secret=secret,
        ref=ref,
        choices=tuple(choices) if choices is not None else None,
        minimum=minimum,
        maximum=maximum,
        check=check,
        default_doc=default_doc,
        local_path=local_path,
        recomputed_by=tuple(recomputed_by),
        exclusive=exclusive,
        soft=soft,
    )
    if required:
        if default is not _NOTHING or factory is not None:
            raise TypeError("a required field has no default")
        return attrs.field(default=None, metadata={META_KEY: spec}, kw_only=True)
    if factory is not None:
        return attrs.field(factory=factory, metadata={META_KEY: spec}, kw_only=True)
    return attrs.field(default=None if default is _NOTHING else default, metadata={META_KEY: spec}, kw_only=True)


#: The computed field of a kind whose host may lose what iaas programmed there (see :func:`dataplane_field`).
DATAPLANE = "dataplane"
#: The value of :data:`DATAPLANE` while the host carries everything the state says it has.
PRESENT = "present"
#: How the value of :data:`DATAPLANE` begins when a host lost something.
MISSING = "missing: "


def dataplane_field() -> Any:
    """The ``dataplane`` field of a kind whose host may lose what iaas programmed there (DNAT rules, filters,
    a running network): a refresh checks it, and an update with no other change restores it."""
    return field(
        f"Whether its host still carries it, checked at every refresh: `{PRESENT}`, or `{MISSING}…` naming what a "
        "host lost (a reboot, say), which an update puts back; a plan shows a loss as drift of this field. "
        "The output `programmed` says what was programmed (`nft: DNAT to …`, `recorded only: …`).",
        computed=True,
    )


def spec_of(a: attrs.Attribute[Any]) -> FieldSpec:
    """Return the :class:`FieldSpec` of an attrs attribute declared with :func:`field`."""
    spec: FieldSpec = a.metadata[META_KEY]
    return spec


def fields_of(cls: type) -> list[tuple[attrs.Attribute[Any], FieldSpec]]:
    """List the declared fields of a kind or nested type, in declaration order."""
    return [(a, spec_of(a)) for a in attrs.fields(cls) if META_KEY in a.metadata]


@attrs.define(kw_only=True)
class Resource:
    """Base class of every resource kind.

    Subclasses set ``kind`` (the name used in addresses and stack files) and
    declare their fields.  ``name`` is the resource's name: unique per kind in
    a stack, it forms the address ``kind.name``.
    """

    kind: ClassVar[str] = ""
    description_doc: ClassVar[str] = ""
    updatable: ClassVar[bool] = True  # some field can change without a replacement
    #: The rule of this kind's names (kinds named on the hosts, as libvirt objects or hostnames, are stricter).
    name_check: ClassVar[Callable[[Any], str | None]] = staticmethod(checks.free_name)
    #: Where this kind's names are unique across the cloud's stacks: in a ``"project"`` (objects without
    #: one share the cloud's default project), in the whole ``"cloud"``, or nowhere (None: names may repeat).
    unique_name: ClassVar[Literal["project", "cloud"] | None] = None

    name: str = field("Name of the resource; unique per kind within a stack.", required=True, update="replace")

    @property
    def address(self) -> str:
        """The resource's address in its stack, ``kind.name``."""
        return f"{self.kind}.{self.name}"

    def ref(self, attribute: str = "id") -> Reference:
        """A reference to one of this resource's attributes, for use in another resource."""
        return Reference(self.kind, self.name, attribute)

    @classmethod
    def check(cls, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields of one resource; return (field, message) pairs.

        ``values`` are the unstructured inputs; a value may be a
        :class:`Reference` or :data:`UNKNOWN` and must then be left alone.
        """
        return []

    @classmethod
    def update_class(cls, name: str, old: dict[str, Any], new: dict[str, Any]) -> UpdateClass | None:
        """Decide how a change of field ``name`` between two sets of inputs is applied.

        Return None to use the field's declared class.  Raise ValueError with
        a message when the change is not allowed at all (e.g. shrinking a disk).
        """
        return None

    @classmethod
    def normalize(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Fill derived defaults into unstructured inputs (e.g. a flavor's sizes)."""
        return values
