"""Image: a bootable disk image that volumes and instances are built on."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from iaas.model import checks
from iaas.model.base import Resource, field

#: CPU architectures as libvirt names them.
ARCHITECTURES = ("x86_64", "aarch64", "i686", "armv7l", "ppc64le", "s390x", "riscv64")


@attrs.define(kw_only=True)
class Image(Resource):
    """A disk image imported once per host into a storage pool."""

    kind: ClassVar[str] = "image"
    description_doc: ClassVar[str] = "A bootable disk image, imported once per host and shared by copy-on-write."
    updatable: ClassVar[bool] = False

    source: str = field(
        "Local path or http(s) URL of the image file; a relative path is relative to the stack file's folder "
        "(in Python, to the working directory when planning).",
        required=True,
        update="replace",
        check=checks.image_source,
        local_path=True,
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
        """initrd and cmdline go with a kernel."""
        if values.get("kernel"):
            return []
        return [
            (f, "is booted with a kernel: set kernel too")
            for f in ("initrd", "cmdline")
            if isinstance(values.get(f), str) and values.get(f)
        ]
