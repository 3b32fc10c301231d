"""Images: source, format and checksum (iaas.model.image)."""

from __future__ import annotations

import pytest

from iaas.model import Image, object_schema
from iaas.model.values import action_of, complete, diff, inputs_of

from ._util import assert_invalid, assert_valid, problems

SHA = "a" * 64


def _image(**values: object) -> dict[str, object]:
    return {"name": "debian", "source": "https://example.com/debian.qcow2", **values}


@pytest.mark.parametrize(
    "source",
    [
        "https://example.com/d.qcow2",
        "http://example.com/d.img",
        "file:///srv/d.qcow2",
        "/var/lib/images/d.qcow2",
        "images/d.qcow2",
    ],
)
def test_valid_sources(source: str) -> None:
    assert_valid(Image, _image(source=source))


def test_valid_format_and_checksum() -> None:
    assert_valid(Image, _image(format="raw", sha256=SHA))
    assert_valid(Image, _image(format="qcow2", sha256=SHA.upper()))


def test_one_source_is_required() -> None:
    assert problems(Image, {"name": "debian"}) == {
        "source": "set source (a file or URL), source_instance or source_snapshot"
    }
    assert_valid(Image, {"name": "copy", "source_instance": "${instance.vm}"})
    assert_valid(Image, {"name": "copy", "source_snapshot": "${snapshot.before}"})
    assert problems(Image, _image(source_snapshot="${snapshot.before}")) == {
        "source_snapshot": "set only one of source, source_snapshot"
    }


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ftp://example.com/d.qcow2", "invalid source 'ftp://example.com/d.qcow2': use a local path, or a file://"),
        ("", "source must be a local path or an http(s) URL"),
        ("disk\x00.qcow2", "invalid source 'disk\\x00.qcow2': a path or URL holds no NUL character"),
    ],
)
def test_bad_sources(source: str, message: str) -> None:
    assert_invalid(Image, _image(source=source), "source", message)


def test_format_choices() -> None:
    assert problems(Image, _image(format="vmdk")) == {"format": "must be one of qcow2, raw; got 'vmdk'"}


@pytest.mark.parametrize("checksum", ["a" * 63, "a" * 65, "g" * 64, "sha256:" + "a" * 64])
def test_bad_checksums(checksum: str) -> None:
    assert problems(Image, _image(sha256=checksum)) == {
        "sha256": f"invalid sha256 checksum {checksum!r}: expected 64 hexadecimal digits"
    }


def test_wrong_types() -> None:
    assert problems(Image, _image(source=["/a"])) == {"source": "expected string, got list ['/a']"}
    assert problems(Image, _image(format=2)) == {"format": "expected string, got int 2"}


@pytest.mark.parametrize("name", ["id", "size"])
def test_computed_fields_cannot_be_set(name: str) -> None:
    assert problems(Image, _image(**{name: 1})) == {name: "is computed by the cloud and cannot be set"}


def test_the_source_may_be_a_local_file() -> None:
    source = object_schema(Image).field("source")
    assert source is not None and source.spec.local_path


def test_python_objects_give_the_same_inputs() -> None:
    image = Image(name="debian", source="/srv/d.qcow2", sha256=SHA)
    assert inputs_of(image) == {"name": "debian", "source": "/srv/d.qcow2", "format": "qcow2", "sha256": SHA}


def test_complete_fills_the_format() -> None:
    assert complete(Image, _image()) == {
        **_image(),
        "source_instance": None,
        "source_snapshot": None,
        "format": "qcow2",
        "sha256": None,
        "architecture": None,
        "kernel": None,
        "initrd": None,
        "cmdline": None,
    }


@pytest.mark.parametrize(
    ("name", "value"), [("source", "/srv/other.qcow2"), ("format", "raw"), ("sha256", SHA), ("name", "ubuntu")]
)
def test_every_change_replaces_the_image(name: str, value: str) -> None:
    old = complete(Image, _image())
    changes = diff(Image, old, {**old, name: value})
    assert [(c.field, c.update) for c in changes] == [(name, "replace")]
    assert action_of(changes) == "replace"
    assert not Image.updatable


def test_direct_kernel_boot_fields() -> None:
    assert_valid(Image, _image(kernel="/srv/vmlinuz", initrd="/srv/initrd.img", cmdline="console=ttyS0"))
    assert problems(Image, _image(initrd="/srv/initrd.img", cmdline="quiet")) == {
        "initrd": "is booted with a kernel: set kernel too",
        "cmdline": "is booted with a kernel: set kernel too",
    }
    assert_invalid(Image, _image(kernel="boot/vmlinuz"), "kernel", "use an absolute path")


def test_changing_the_kernel_replaces_the_image() -> None:
    old = complete(Image, _image(kernel="/srv/a"))
    new = complete(Image, _image(kernel="/srv/b"))
    assert action_of(diff(Image, old, new)) == "replace"
