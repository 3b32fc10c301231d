"""Files that may hold user data (secrets in user data, inputs, seeds): readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path

#: SQLite's side files of a database in WAL mode.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_database(path: str | os.PathLike[str]) -> None:
    """Create the SQLite database ``path`` and its side files mode 0600 (tightening existing ones)."""
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    for p in (base, *(Path(f"{base}{suffix}") for suffix in SQLITE_SIDE_FILES)):
        if p == base or p.exists():
            os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
            os.chmod(p, 0o600)
