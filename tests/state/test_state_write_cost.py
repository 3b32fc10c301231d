"""A write costs what it changes, not the size of the stack.

After 10,000 resources were put one by one (and the WAL folded back, as the
engine does at the end of an apply), changing one of them and folding again
must write well under 64 KiB to the database and its WAL.  Bytes written are measured on
the files themselves (every 512-byte block whose contents changed or that
appeared), and, where Linux reports it, by the process's write() byte count.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from iaas.state import ResourceRecord, SQLiteStore, open_store

STACK_SIZE = 10_000
LIMIT = 64 * 1024
_BLOCK = 512


def _record(index: int, generation: int = 0) -> ResourceRecord:
    return ResourceRecord(
        address=f"instance.vm{index:05d}",
        kind="instance",
        id=f"{generation:04d}{index:028x}",
        inputs={
            "name": f"vm{index:05d}",
            "memory_mb": 1024,
            "vcpus": 2,
            "image": "image.debian",
            "networks": ["network.web"],
            "user_data": "#cloud-config\n" + "x" * 200,
        },
        outputs={"ip": f"10.{index // 65536}.{index // 256 % 256}.{index % 256}", "host": "host-1"},
        dependencies=["image.debian", "network.web"],
    )


def _files(db_path: Path) -> list[Path]:
    return [db_path, Path(f"{db_path}-wal")]


def _contents(db_path: Path) -> list[bytes]:
    return [path.read_bytes() if path.exists() else b"" for path in _files(db_path)]


def _bytes_written(before: list[bytes], after: list[bytes]) -> int:
    """Bytes of the blocks that differ or are new in ``after``."""
    total = 0
    for old, new in zip(before, after, strict=True):
        for offset in range(0, len(new), _BLOCK):
            block = new[offset : offset + _BLOCK]
            if block != old[offset : offset + _BLOCK]:
                total += len(block)
    return total


def _process_write_count() -> int | None:
    try:
        with open("/proc/self/io", encoding="ascii") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("wchar:"))
    except (OSError, StopIteration):
        return None


def _measure(db_path: Path, store: SQLiteStore, record: ResourceRecord) -> tuple[int, int | None]:
    before = _contents(db_path)
    calls_before = _process_write_count()
    store.put(record)
    store.checkpoint()  # the engine folds the WAL back at the end of every apply
    calls_after = _process_write_count()
    written = _bytes_written(before, _contents(db_path))
    calls = None if calls_before is None or calls_after is None else calls_after - calls_before
    return written, calls


@pytest.mark.slow
def test_one_update_in_a_large_stack_writes_little(db_path: Path) -> None:
    with open_store(db_path, "big") as store:
        for index in range(STACK_SIZE):
            store.put(_record(index))
        store.checkpoint()
        full_size = sum(len(blob) for blob in _contents(db_path))
        assert full_size > 20 * LIMIT  # the state is far bigger than one write may cost

        written, calls = _measure(db_path, store, attrs.evolve(_record(4321, 1), status="tainted"))
        assert 0 < written < LIMIT
        assert calls is None or calls < LIMIT

        # Every write of a run of updates stays small, including those that
        # fold the WAL back into the database.
        for step in range(40):
            written, calls = _measure(db_path, store, _record((step * 997) % STACK_SIZE, 2))
            assert 0 < written < LIMIT, f"update {step} wrote {written} bytes"
            assert calls is None or calls < LIMIT, f"update {step} made {calls} bytes of write() calls"
        snapshot = store.read()
    assert len(snapshot.resources) == STACK_SIZE
    assert snapshot.serial == STACK_SIZE + 41
    assert snapshot.resources["instance.vm04321"].status == "tainted"


def test_bytes_written_counts_changed_and_new_blocks() -> None:
    old = [b"a" * 2048, b""]
    new = [b"a" * 1024 + b"b" + b"a" * 1023, b"c" * 700]
    assert _bytes_written(old, new) == 512 + 700
