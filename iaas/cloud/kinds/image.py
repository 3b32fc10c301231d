"""Images: a disk image file imported once into every host's ``iaas-images`` pool.

The image volume is named ``iaas-<id>.<format>``; volumes and root disks are
copy-on-write overlays on it.  An image copied from an instance or a snapshot
is made on that instance's host only (:mod:`iaas.cloud.kinds._clone`).  The
source is read when the image is created:

* a local path (or ``file://`` URL) must exist; its SHA-256 is checked when
  ``sha256`` is given, and ``size`` is the file's size;
* an ``http(s)://`` URL is downloaded into the pool of every real host,
  checked the same way.  Simulated hosts do not download: they record the
  image with an unknown ``size`` and the log says so.

Hosts on this machine get the file written into their pool directory; remote
hosts (``qemu+ssh://``, ``qemu+tcp://``) get it through their libvirt
connection (a volume upload; a URL is downloaded here first), checked against
``sha256`` before the volume is complete.  A host that joins the cloud later
gets its copy when a volume or instance first needs the image there (see
:meth:`Handler.on_host`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from iaas.cloud.base import Observed, OpContext, PlannedItem
from iaas.cloud.kinds._clone import create_clone, is_clone
from iaas.cloud.kinds._libvirt import LibvirtHandler, fmt_of, invalid, lock_for, volume_name
from iaas.cloud.pools import IMAGE_POOL
from iaas.drivers.libvirt import VolumeInfo, VolumeSpec
from iaas.errors import FieldError, HostError, HostUnreachableError, IaasError

log = logging.getLogger(__name__)

CHUNK = 1 << 20
DOWNLOAD_TIMEOUT = 60.0  # seconds without data before a download is given up


def is_url(source: str) -> bool:
    """True for an ``http://`` or ``https://`` source."""
    return source.startswith(("http://", "https://"))


def local_path(source: str) -> Path:
    """The file a local source names (a path or a ``file://`` URL)."""
    if source.startswith("file://"):
        return Path(unquote(urlsplit(source).path))
    return Path(source)


def source_problem(source: str) -> str | None:
    """What keeps a local source from being read (missing, a directory, a device, unreadable); None for a URL."""
    if "://" in source and not source.startswith("file://"):
        return None
    path = local_path(source)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"no such file: {path}"
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return f"{path} is a directory, not an image file"
    if not stat.S_ISREG(mode):
        return f"{path} is not a regular file (a device, a pipe or a socket)"
    if not os.access(path, os.R_OK):
        return f"cannot read {path}: permission denied"
    return None


def _copy(reader: IO[bytes], writer: IO[bytes] | None) -> tuple[str, int]:
    """Read everything from ``reader`` (writing it to ``writer``); its SHA-256 and size."""
    digest, size = hashlib.sha256(), 0
    while chunk := reader.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if writer is not None:
            writer.write(chunk)
    return digest.hexdigest(), size


class Handler(LibvirtHandler):
    """Images, one copy per host in the ``iaas-images`` pool."""

    kind = "image"

    # ------------------------------------------------------------ verbs

    def create(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Check the source and import it into every host (hosts that have it already are skipped).

        A copy of an instance or a snapshot is made on the instance's host only (see :mod:`._clone`).
        """
        id = self.pending_id(ctx)
        if is_clone(inputs):
            return create_clone(self, ctx, id, inputs)
        size = self._check_source(ctx.address, inputs)
        down: list[HostUnreachableError] = []
        for host_name in self.cloud.hosts:
            try:
                imported = self._import(ctx.address, id, inputs, host_name)
            except HostUnreachableError as exc:  # it gets its copy when first needed there
                log.warning("%s: not imported to host %s yet: %s", ctx.address, host_name, exc.detail)
                down.append(exc)
                continue
            if size is None and imported is not None:
                size = imported
        if down and len(down) == len(self.cloud.hosts):
            raise down[0]
        return {"id": id, "size": size}

    def read(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """The image as the hosts hold it: present on at least one host, with its format."""
        rec = self.cloud.inventory.get(id)
        down: HostUnreachableError | None = None
        for host_name in self.cloud.hosts:
            try:
                vol = self.find_volume(host_name, IMAGE_POOL, id)
            except HostUnreachableError as exc:
                down = exc
                continue
            if vol is not None:
                inputs: dict[str, Any] = {"format": fmt_of(vol.format)}
                if rec is not None and rec.kind == self.kind:
                    inputs["name"] = rec.name
                return Observed(
                    id,
                    inputs,
                    {"id": id, "size": self._size(host_name, vol, outputs)},
                    stack=rec.stack if rec else None,
                    address=rec.address if rec else None,
                )
        if down is not None:  # it may be on the host that does not answer: gone cannot be told
            raise down
        return None

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Images cannot change: every field forces a replacement."""
        raise IaasError(f"{ctx.address}: an image cannot be changed in place ({', '.join(changed)})")

    def delete(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Delete the image's volume on every host; an image already gone is fine."""
        for host_name in self.cloud.hosts:
            vol = self.find_volume(host_name, IMAGE_POOL, id)
            if vol is not None:
                self.host(host_name).delete_volume(IMAGE_POOL, vol.name)

    def lookup(self, ctx: OpContext, name_or_id: str) -> Observed | None:
        """An image by id or by the name it was recorded with."""
        rec = self.record(self.kind, name_or_id, ctx.stack)
        id = rec.id if rec is not None else name_or_id
        recorded = (rec.data or {}) if rec is not None else {}
        observed = self.read(ctx, id, dict(recorded.get("outputs") or {}))
        if observed is not None and rec is not None:
            known = recorded.get("inputs") or {}
            observed.inputs.update({k: known[k] for k in ("source", "sha256") if known.get(k) is not None})
        return observed

    def _size(self, host_name: str, vol: VolumeInfo, outputs: dict[str, Any]) -> int | None:
        """The recorded size, else what the host shows (the file's size; unknown for a simulated download)."""
        if "size" in outputs:
            return outputs["size"]
        if self.host(host_name).simulated:
            return vol.capacity_bytes or None
        path = Path(vol.path)
        return path.stat().st_size if self.local(host_name) and path.is_file() else None

    # ------------------------------------------------------------ for volumes and instances

    def on_host(self, ctx: OpContext, field: str, ref: str, host_name: str) -> VolumeInfo:
        """The image volume of image ``ref`` (id or name) on a host, imported there if it is missing."""
        rec = self.record(self.kind, ref, ctx.stack)
        image_id = rec.id if rec is not None else ref
        vol = self.find_volume(host_name, IMAGE_POOL, image_id)
        if vol is not None:
            return vol
        if rec is None:
            raise invalid(ctx.address, field, f"no image {ref!r} on host {host_name!r}")
        inputs = dict((rec.data or {}).get("inputs") or {})
        if is_clone(inputs):
            held = [h for h in self.cloud.hosts if self.find_volume(h, IMAGE_POOL, image_id) is not None]
            raise invalid(
                ctx.address,
                field,
                f"image {rec.name!r} is a copy kept only on host(s) {', '.join(held) or '(none)'}, "
                f"not on {host_name!r}: place it there (host)",
            )
        self._check_source(rec.address or f"image.{rec.name}", inputs)
        self._import(rec.address or f"image.{rec.name}", image_id, inputs, host_name)
        vol = self.find_volume(host_name, IMAGE_POOL, image_id)
        if vol is None:
            raise HostError(host_name, f"import image {rec.name}", "the image volume did not appear in the pool")
        return vol

    def plan_problems(self, item: PlannedItem) -> list[FieldError]:
        """A local source that is missing, a directory, a device or unreadable (URLs are read at apply)."""
        if item.action not in ("create", "replace"):
            return []
        source = (item.after or {}).get("source")
        problem = source_problem(source) if isinstance(source, str) and source else None
        return [FieldError(item.address, "source", problem)] if problem else []

    # ------------------------------------------------------------ importing

    def _check_source(self, address: str, inputs: dict[str, Any]) -> int | None:
        """Verify a local source (exists, checksum); its size, or None for a URL."""
        source = str(inputs.get("source") or "")
        if is_url(source):
            return None
        path = local_path(source)
        if problem := source_problem(source):
            raise invalid(address, "source", problem)
        try:
            with path.open("rb") as f:
                digest, size = _copy(f, None)
        except OSError as exc:
            raise invalid(address, "source", f"cannot read {path}: {exc.strerror or exc}") from exc
        self._verify(address, inputs.get("sha256"), digest)
        return size

    def _verify(self, address: str, expected: Any, actual: str) -> None:
        if expected and str(expected).lower() != actual:
            raise invalid(
                address, "sha256", f"checksum mismatch: expected {str(expected).lower()}, the file has {actual}"
            )

    def _import(self, address: str, id: str, inputs: dict[str, Any], host_name: str) -> int | None:
        """Put the image into the host's pool (unless it is there); the size of the imported file."""
        fmt = fmt_of(inputs.get("format"))
        name = volume_name(id, fmt)
        source = str(inputs.get("source") or "")
        host = self.host(host_name)
        with lock_for("image", host_name, id):
            pool = self.ensure_pool(host_name, IMAGE_POOL)
            existing = host.get_volume(IMAGE_POOL, name)
            if existing is not None:
                path = Path(existing.path)
                return path.stat().st_size if not host.simulated and self.local(host_name) and path.is_file() else None
            if host.simulated:
                return self._record_simulated(address, host_name, name, fmt, source)
            if not self.local(host_name):
                return self._upload(address, source, host_name, name, fmt, inputs.get("sha256"))
            dest = Path(pool.path or self.pool_dir(host_name, IMAGE_POOL)) / name
            size = self._fetch(address, source, dest, inputs.get("sha256"))
            host.pool_info(IMAGE_POOL)  # rescan the pool directory, so the new file becomes a volume
            return size

    def _upload(self, address: str, source: str, host_name: str, name: str, fmt: str, sha256: Any) -> int:
        """Send the image to a remote host through its libvirt connection; the size sent.

        A URL is downloaded here first (once per host), then sent; the
        checksum is verified on the bytes sent, before the volume is complete.
        """
        with tempfile.TemporaryDirectory(prefix="iaas-image-") as tmp:
            path = local_path(source)
            if is_url(source):
                path = Path(tmp) / name
                with path.open("wb") as out:
                    self._download(address, source, out)
            self.host(host_name).upload_volume(
                IMAGE_POOL, name, path, fmt_of(fmt), verify=lambda digest: self._verify(address, sha256, digest)
            )
            return path.stat().st_size

    def _record_simulated(self, address: str, host_name: str, name: str, fmt: str, source: str) -> int | None:
        """A simulated host holds no data: record a volume of the file's size (unknown for a URL)."""
        size = None if is_url(source) else local_path(source).stat().st_size
        if size is None:
            log.warning(
                "%s: simulated host %s: %s is not downloaded; the image is recorded with an unknown size",
                address,
                host_name,
                source,
            )
        spec = VolumeSpec(name=name, capacity_bytes=size or 0, format=fmt_of(fmt))
        self.host(host_name).create_volume(IMAGE_POOL, spec)
        return size

    def _fetch(self, address: str, source: str, dest: Path, sha256: Any) -> int:
        """Copy or download the source to ``dest`` through a temporary file; the size written."""
        part = dest.with_name(f".{dest.name}.part")
        try:
            with part.open("wb") as out:
                if is_url(source):
                    digest, size = self._download(address, source, out)
                else:
                    with local_path(source).open("rb") as src:
                        digest, size = _copy(src, out)
            self._verify(address, sha256, digest)
            os.replace(part, dest)
        except OSError as exc:
            raise IaasError(f"{address}: cannot write the image to {dest}: {exc.strerror or exc}") from exc
        finally:
            part.unlink(missing_ok=True)
        return size

    def _download(self, address: str, url: str, out: IO[bytes]) -> tuple[str, int]:
        import urllib.request  # only for a download: loading it costs every command a few hundredths of a second

        request = urllib.request.Request(url, headers={"User-Agent": "iaas"})
        try:
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310
                return _copy(response, out)
        except OSError as exc:  # URLError and HTTPError are OSErrors
            raise invalid(address, "source", f"cannot download {url}: {getattr(exc, 'reason', exc)}") from exc
