"""XML read back once across commands: kept by content per host, ignored when damaged or written by other code."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from iaas.drivers.libvirt import _parsecache, readback
from iaas.drivers.libvirt.specs import VolumeInfo
from iaas.yamlfile import cache as yaml_cache

VOLUME = """<volume><name>a.qcow2</name><key>/p/a.qcow2</key><capacity unit='bytes'>1024</capacity>
<allocation unit='bytes'>0</allocation><target><path>/p/a.qcow2</path><format type='qcow2'/></target></volume>"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IAAS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _counted() -> tuple[list[str], object]:
    reads: list[str] = []

    def read(xml: str) -> VolumeInfo:
        reads.append(xml)
        return readback.volume_info(xml, "p")

    return reads, read


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob(_parsecache.PREFIX + "*")) if folder.exists() else []


def test_what_one_command_read_back_the_next_finds(folder: Path) -> None:
    reads, read = _counted()
    first = _parsecache.ParseCache("h", "test:///default")
    info = first.volume(VOLUME, "p", read)  # type: ignore[arg-type]
    assert first.volume(VOLUME, "p", read) == info  # type: ignore[arg-type]
    first.save()
    assert len(_files(folder)) == 1
    again = _parsecache.ParseCache("h", "test:///default")
    assert again.volume(VOLUME, "p", read) == info  # type: ignore[arg-type]
    assert len(reads) == 1
    other_host = _parsecache.ParseCache("h2", "test:///default")
    other_host.volume(VOLUME, "p", read)  # type: ignore[arg-type]
    assert len(reads) == 2


@pytest.mark.parametrize("content", [b"", b"not marshal", marshal.dumps(("other code", {})), marshal.dumps([1])])
def test_a_damaged_file_or_one_of_other_code_is_read_back_again_and_replaced(folder: Path, content: bytes) -> None:
    reads, read = _counted()
    first = _parsecache.ParseCache("h", "test:///default")
    first.volume(VOLUME, "p", read)  # type: ignore[arg-type]
    first.save()
    (path,) = _files(folder)
    path.write_bytes(content)
    again = _parsecache.ParseCache("h", "test:///default")
    again.volume(VOLUME, "p", read)  # type: ignore[arg-type]
    again.save()
    assert len(reads) == 2
    assert _parsecache.ParseCache("h", "test:///default").volume(VOLUME, "p", read)  # type: ignore[arg-type]
    assert len(reads) == 2


def test_an_entry_this_code_cannot_take_is_read_back_again(folder: Path) -> None:
    reads, read = _counted()
    first = _parsecache.ParseCache("h", "test:///default")
    first.volume(VOLUME, "p", read)  # type: ignore[arg-type]
    first.save()
    (path,) = _files(folder)
    header, entries = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps((header, {k: {"unknown": 1} for k in entries})))
    assert _parsecache.ParseCache("h", "test:///default").volume(VOLUME, "p", read).name == "a.qcow2"  # type: ignore[arg-type]
    assert len(reads) == 2


def test_nothing_is_kept_when_caching_is_off(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAAS_CACHE_DIR", "off")
    reads, read = _counted()
    for _ in range(2):
        kept = _parsecache.ParseCache("h", "test:///default")
        kept.volume(VOLUME, "p", read)  # type: ignore[arg-type]
        kept.save()
    assert len(reads) == 2 and not _files(folder)


def test_the_folder_keeps_the_newest_hosts_files_and_the_yaml_entries_apart(folder: Path) -> None:
    _reads, read = _counted()
    for n in range(_parsecache.MAX_FILES + 3):
        kept = _parsecache.ParseCache(f"h{n}", "test:///default")
        kept.volume(VOLUME, "p", read)  # type: ignore[arg-type]
        kept.save()
    assert len(_files(folder)) == _parsecache.MAX_FILES
    for n in range(yaml_cache.MAX_ENTRIES + 1):
        yaml_cache.put(yaml_cache.key(f"n: {n}\n", "test", None), {"n": n})
    assert len(_files(folder)) == _parsecache.MAX_FILES  # the YAML entries' limit counts only theirs
