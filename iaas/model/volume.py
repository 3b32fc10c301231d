"""Volume: a block device, empty or a copy-on-write overlay on an image."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from iaas.model.base import Resource, UpdateClass, field


@attrs.define(kw_only=True)
class Volume(Resource):
    """A block storage volume; it grows in place and never shrinks."""

    kind: ClassVar[str] = "volume"
    description_doc: ClassVar[str] = "A block storage volume: empty, or a copy-on-write overlay on an image."

    size_gib: int = field(
        "Size in GiB. Growing is done in place; shrinking is refused.", required=True, minimum=1, maximum=65536
    )
    image: str | None = field("Image the volume is an overlay on.", ref="image", update="replace")
    format: str = field("Disk format of the volume.", default="qcow2", update="replace", choices=("qcow2", "raw"))
    project: str | None = field("Project the volume counts against.", ref="project", update="replace")
    host: str | None = field(
        "Host to place the volume on; chosen by the scheduler when unset.", update="replace", chosen=True
    )
    id: str | None = field("Identifier of the volume.", computed=True)
    path: str | None = field("Path of the volume on its host.", computed=True)

    @classmethod
    def update_class(cls, name: str, old_values: dict[str, Any], new_values: dict[str, Any]) -> UpdateClass | None:
        """Growing ``size_gib`` is live; shrinking it is refused."""
        old, new = old_values.get(name), new_values.get(name)
        if name == "size_gib" and isinstance(old, int) and isinstance(new, int) and new < old:
            raise ValueError(f"cannot shrink a volume from {old} GiB to {new} GiB")
        return None
