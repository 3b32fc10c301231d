"""Benchmark of the iaas engine on the embedded (test driver) cloud, with Terraform as a peer.

For each graph shape (independent, chain, 50 layers) and size N it measures, each case in a fresh process:

- ``apply_s``: a full apply of N resources (all created), parallelism 10;
- ``plan_s``: the no-op plan that follows (state read, every resource resolved and compared; no refresh);
- ``refresh_plan_s``: the same plan with a refresh (every object read back from the cloud);
- ``change_state_bytes``: bytes written to the state database (SQLite file + WAL) by an apply that changes one
  resource, and ``change_write_bytes``: every byte the process wrote during that apply (state, inventory, host);
- ``peak_rss_mib``: peak resident memory of the process.

Run from the repository root::

    .venv/bin/python bench/run.py --sizes 1000,10000            # iaas only
    .venv/bin/python bench/run.py --sizes 1000 --peer           # and Terraform 1.0.3 + null, with ratios

Results go to ``bench/results/iaas.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from terraform_peer import SHAPES, run_peer, shape_dependencies  # noqa: E402

KINDS = ("key_pair", "network")
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d bench@iaas"


def build_stack(shape: str, n: int, kind: str, generation: int = 0):  # type: ignore[no-untyped-def]
    """A stack of ``n`` resources of ``kind`` wired as ``shape`` (explicit depends_on)."""
    import iaas

    stack = iaas.Stack("bench")
    deps = shape_dependencies(shape, n)
    width = len(str(n - 1))
    names = [f"r{i:0{width}d}" for i in range(n)]
    for i, name in enumerate(names):
        if kind == "network":
            res = iaas.Network(
                name=name,
                cidr=f"10.{i // 256}.{i % 256}.0/24",
                mode="isolated",
                dhcp=False,
                mtu=1500 + (generation if i == 0 else 0),
            )
        else:
            res = iaas.KeyPair(
                name=name, public_key=PUBLIC_KEY if not (generation and i == 0) else PUBLIC_KEY + " changed"
            )
        stack.add(res, depends_on=[f"{kind}.{names[d]}" for d in deps[i]])
    return stack


def _state_files(home: Path) -> list[bytes]:
    return [p.read_bytes() if p.exists() else b"" for p in (home / "state.db", home / "state.db-wal")]


def _changed_bytes(before: list[bytes], after: list[bytes], block: int = 512) -> int:
    """Bytes of the 512-byte blocks of the state files that changed or are new."""
    total = 0
    for old, new in zip(before, after, strict=True):
        for offset in range(0, len(new), block):
            if new[offset : offset + block] != old[offset : offset + block]:
                total += len(new[offset : offset + block])
    return total


def _wchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def child(shape: str, n: int, kind: str, home: Path) -> dict[str, float]:
    """Run one case in this process and return its figures."""
    import iaas

    out: dict[str, float] = {}
    with iaas.Engine.open("bench", home=home, parallelism=10) as engine:
        stack = build_stack(shape, n, kind)
        t = time.perf_counter()
        engine.apply(stack, refresh=False)
        out["apply_s"] = time.perf_counter() - t
        t = time.perf_counter()
        plan = engine.plan(stack, refresh=False)
        out["plan_s"] = time.perf_counter() - t
        assert plan.empty, "the plan after an apply must be empty"
        t = time.perf_counter()
        plan = engine.plan(stack, refresh=True)
        out["refresh_plan_s"] = time.perf_counter() - t
        assert plan.empty, "the refreshed plan after an apply must be empty"
        changed = build_stack(shape, n, kind, generation=1)
        plan = engine.plan(changed, refresh=False)
        assert sum(plan.summary().values()) == 1, plan.summary()
        before_state = _state_files(home)
        before_w = _wchar()
        engine.apply(plan)
        out["change_write_bytes"] = _wchar() - before_w
        out["change_state_bytes"] = _changed_bytes(before_state, _state_files(home))
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_case(shape: str, n: int, kind: str) -> dict[str, float]:
    """Run one case in a fresh process (fresh memory figures)."""
    with tempfile.TemporaryDirectory(prefix=f"iaas-bench-{shape}-{n}-") as tmp:
        cmd = [sys.executable, __file__, "--child", shape, str(n), kind, tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"case {shape}/{n} failed:\n{proc.stderr[-4000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000")
    p.add_argument("--shapes", default=",".join(SHAPES))
    p.add_argument("--kind", default="network", choices=KINDS, help="resource kind to create (default: network)")
    p.add_argument("--peer", action="store_true", help="also run Terraform 1.0.3 + null on the same graphs")
    p.add_argument("--peer-sizes", default="1000", help="sizes for the Terraform peer (default: 1000)")
    p.add_argument(
        "--peer-results",
        default=str(BENCH / "results" / "terraform_peer.json"),
        help="without --peer, compare with the figures saved by bench/terraform_peer.py (if present)",
    )
    p.add_argument("--out", default=str(BENCH / "results" / "iaas.json"))
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        shape, n, kind, home = args.child
        print(json.dumps(child(shape, int(n), kind, Path(home))))
        return 0
    rows = []
    saved = _saved_peer(Path(args.peer_results))
    peer_sizes = {int(s) for s in args.peer_sizes.split(",")}
    for n in (int(s) for s in args.sizes.split(",")):
        for shape in args.shapes.split(","):
            row: dict[str, object] = {"shape": shape, "n": n, "kind": args.kind, **run_case(shape, n, args.kind)}
            peer = None
            if args.peer and n in peer_sizes:
                with tempfile.TemporaryDirectory(prefix="tf-peer-") as tmp:
                    peer = run_peer(shape, n, tmp)
            elif not args.peer:
                peer = saved.get((shape, n))
            if peer is not None:
                row["terraform"] = peer
                row["apply_ratio"] = peer["apply_s"] / row["apply_s"]  # type: ignore[operator]
                # terraform plan refreshes every resource: compare with iaas's refreshing plan
                row["plan_ratio"] = peer["plan_s"] / row["refresh_plan_s"]  # type: ignore[operator]
            rows.append(row)
            print(_line(row), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps({"machine": _machine(), "command": " ".join(sys.argv), "rows": rows}, indent=2)
    )
    return 0


def _saved_peer(path: Path) -> dict[tuple[str, int], dict[str, float]]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {(r["shape"], r["n"]): r for r in data.get("results", [])}


def _line(row: dict[str, object]) -> str:
    text = (
        f"{row['shape']:<12} n={row['n']:<6} apply {row['apply_s']:.2f}s  plan {row['plan_s']:.2f}s  "
        f"refresh+plan {row['refresh_plan_s']:.2f}s  one change writes {row['change_state_bytes']} B of state "
        f"({row['change_write_bytes']} B in all)  peak RSS {row['peak_rss_mib']:.0f} MiB"
    )
    if "terraform" in row:
        tf = row["terraform"]
        text += (
            f"\n{'':<12} terraform apply {tf['apply_s']:.1f}s plan {tf['plan_s']:.1f}s "  # type: ignore[index]
            f"-> iaas is {row['apply_ratio']:.0f}x faster to apply, {row['plan_ratio']:.0f}x to plan "
            "(with refresh)"
        )
    return text


def _machine() -> str:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        "unknown CPU",
    )
    return f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"


if __name__ == "__main__":
    sys.exit(main())
