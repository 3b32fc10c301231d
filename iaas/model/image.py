"""Image: a bootable disk image that volumes and instances are built on."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import attrs

from iaas.model import checks
from iaas.model.base import UNKNOWN, Resource, field

#: CPU architectures as libvirt names them.
ARCHITECTURES = ("x86_64", "aarch64", "i686", "armv7l", "ppc64le", "s390x", "riscv64")


@attrs.define(kw_only=True)
class Image(Resource):
    """A disk image imported once per host into a storage pool."""

    kind: ClassVar[str] = "image"
    unique_name: ClassVar[Literal["project", "cloud"] | None] = "project"
    description_doc: ClassVar[str] = "A bootable disk image, imported once per host and shared by copy-on-write."
    updatable: ClassVar[bool] = False

    source: str | None = field(
        "Local path or http(s) URL of the image file; a relative path is relative to the stack file's folder "
        "(in Python, to the working directory when planning). Set this, source_instance or source_snapshot.",
        update="replace",
        check=checks.image_source,
        local_path=True,
    )
    source_instance: str | None = field(
        "Instance whose root disk the image is a copy of (a clone; the instance must be stopped). The image is "
        "kept on the instance's host.",
        ref="instance",
        update="replace",
    )
    source_snapshot: str | None = field(
        "Snapshot whose saved root disk the image is a copy of (a clone; the instance may run). The image is "
        "kept on the instance's host.",
        ref="snapshot",
        update="replace",
    )
    format: str = field("Disk format of the image file.", default="qcow2", update="replace", choices=("qcow2", "raw"))
    sha256: str | None = field(
        "Expected SHA-256 checksum of the file; verified on import.", update="replace", check=checks.sha256
    )
    architecture: str | None = field(
        "CPU architecture the image runs on; its instances go only to hosts of that architecture (default: any host).",
        update="replace",
        choices=ARCHITECTURES,
    )
    kernel: str | None = field(
        "Absolute path, on every host, of a kernel that instances of this image boot "
        "directly (no boot loader); the image is then their root disk only.",
        update="replace",
        check=checks.absolute_path,
    )
    initrd: str | None = field(
        "Absolute path, on every host, of the initial ramdisk booted with kernel.",
        update="replace",
        check=checks.absolute_path,
    )
    cmdline: str | None = field("Kernel command line booted with kernel.", update="replace")
    id: str | None = field("Identifier of the imported image.", computed=True)
    size: int | None = field("Size of the image file in bytes.", computed=True)

    @classmethod
    def check(cls, values: dict[str, Any]) -> list[tuple[str, str]]:
        """One source, of the three kinds; initrd and cmdline go with a kernel."""
        errors = _one_source(values)
        if values.get("kernel"):
            return errors
        return errors + [
            (f, "is booted with a kernel: set kernel too")
            for f in ("initrd", "cmdline")
            if isinstance(values.get(f), str) and values.get(f)
        ]


SOURCES = ("source", "source_instance", "source_snapshot")


def _one_source(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Exactly one of source, source_instance and source_snapshot is set."""
    if all(values.get(f) is None for f in SOURCES):
        return [("source", "set source (a file or URL), source_instance or source_snapshot")]
    given = [f for f in SOURCES if values.get(f) is not None and values.get(f) is not UNKNOWN]  # unknown: not yet
    return [(f, f"set only one of {', '.join(given)}") for f in given[1:]]
