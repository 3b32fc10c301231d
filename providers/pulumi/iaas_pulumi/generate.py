"""Write (or check) everything derived from the model for Pulumi: the schema, the Python SDK, the docs pages.

Usage, from the repository root::

    python -m iaas_pulumi.generate          # write
    python -m iaas_pulumi.generate --check  # exit 1 when a committed file differs from what the model gives
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iaas_pulumi.docgen import pages
from iaas_pulumi.schema import package_schema, schema_json
from iaas_pulumi.sdkgen import generate as generate_sdk

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_PATH = Path("providers/pulumi/schema.json")
SDK_DIR = Path("providers/pulumi/sdk/python/pulumi_iaas")
DOCS_DIR = Path("docs/pulumi")


def expected_files() -> dict[Path, str]:
    """Every generated file, by path relative to the repository root."""
    schema = package_schema()
    files = {SCHEMA_PATH: schema_json()}
    files.update({SDK_DIR / name: text for name, text in generate_sdk(schema).items()})
    files.update({DOCS_DIR / name: text for name, text in pages(schema).items()})
    return files


def stale_files(root: Path = ROOT) -> list[Path]:
    """Generated files that are missing or differ from what the model gives now, plus leftovers."""
    expected = expected_files()
    stale = [p for p, text in expected.items() if not (root / p).is_file() or (root / p).read_text() != text]
    for folder in (SDK_DIR, DOCS_DIR):
        for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
            rel = path.relative_to(root)
            if path.is_file() and rel not in expected and "__pycache__" not in rel.parts:
                stale.append(rel)
    return stale


def write(root: Path = ROOT) -> list[Path]:
    """Write every generated file whose content changed; remove leftovers; return the paths touched."""
    expected = expected_files()
    touched = []
    for rel in stale_files(root):
        path = root / rel
        if rel in expected:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(expected[rel])
        else:
            path.unlink()
        touched.append(rel)
    return touched


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m iaas_pulumi.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.root)
        for rel in stale:
            print(f"out of date: {rel}")
        return 1 if stale else 0
    for rel in write(args.root):
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
