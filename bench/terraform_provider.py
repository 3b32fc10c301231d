"""Terraform through the iaas provider, against iaas's own engine, on the same stack of key pairs.

Both sides create N independent key pairs on the embedded cloud (a fresh home each), with
parallelism 10, then plan again with a refresh (N reads, no change):

- ``terraform``: Terraform 1.0.3 (installed into ``bench/.peer/`` by ``bench/terraform_peer.py``)
  runs ``init``, ``apply -auto-approve`` and ``plan -detailed-exitcode`` on N ``iaas_key_pair``
  resources, with the provider of this checkout installed in a filesystem mirror;
- ``engine``: ``bench/run.py``'s case (``build_stack`` + ``child``) in a fresh process: apply,
  and the refreshing plan that follows.

Usage, from the repository root::

    .venv/bin/python bench/terraform_provider.py              # N=1000
    .venv/bin/python bench/terraform_provider.py --n 200

Results go to ``bench/results/terraform_provider.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH)]

from terraform_peer import PARALLELISM, Peer, _measure, ensure_peer  # noqa: E402

SOURCE = "terraform.local/iaas/iaas"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d bench@iaas"
DEFAULT_OUT = BENCH / "results" / "terraform_provider.json"

# The launcher runs the provider as a child and appends the CPU seconds it used to a file, so
# the provider's share of a Terraform run can be told apart from Terraform's own.
_LAUNCH = (
    "import resource, subprocess, sys; "
    "rc = subprocess.call([sys.executable, '-m', 'iaas_terraform', *sys.argv[2:]]); "
    "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "open(sys.argv[1], 'a').write(f'{r.ru_utime + r.ru_stime}\\n'); sys.exit(rc)"
)


def _version() -> str:
    out = subprocess.run(
        [sys.executable, "-c", "import iaas; print(iaas.__version__)"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def provider_peer(base: Path, terraform: Path) -> Peer:
    """A CLI configuration whose filesystem mirror holds a launcher of this checkout's provider.

    Each launch adds the provider's CPU seconds to ``base/provider-cpu.log``.
    """
    host, namespace, name = SOURCE.split("/")
    version = _version()
    platform_dir = base / "mirror" / host / namespace / name / version / "linux_amd64"
    launcher = platform_dir / f"terraform-provider-iaas_v{version}"
    launcher.parent.mkdir(parents=True, exist_ok=True)
    launcher.write_text(f"#!/bin/sh\nexec '{sys.executable}' -c \"{_LAUNCH}\" '{base / 'provider-cpu.log'}' \"$@\"\n")
    launcher.chmod(0o755)
    config = base / "terraform.rc"
    config.write_text(
        "provider_installation {\n  filesystem_mirror {\n"
        f'    path    = {json.dumps(str(base / "mirror"))}\n    include = ["{SOURCE}"]\n  }}\n}}\n'
    )
    return Peer(terraform, config)


def config_text(n: int, home: Path) -> str:
    """A configuration of ``n`` key pairs on the embedded cloud under ``home``."""
    width = len(str(n - 1)) if n > 1 else 1
    blocks = [
        f'terraform {{\n  required_providers {{\n    iaas = {{ source = "{SOURCE}" }}\n  }}\n}}\n',
        f'provider "iaas" {{\n  home = {json.dumps(str(home))}\n}}\n',
    ]
    for i in range(n):
        name = f"r{i:0{width}d}"
        blocks.append(f'resource "iaas_key_pair" "{name}" {{\n  name       = "{name}"\n  public_key = "{KEY}"\n}}\n')
    return "\n".join(blocks)


def _provider_cpu(peer: Peer) -> tuple[float, int]:
    """CPU seconds of the provider launches logged since the last call, and how many launches."""
    log = peer.cli_config.parent / "provider-cpu.log"
    lines = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return round(sum(map(float, lines)), 2), len(lines)


def run_terraform(n: int, peer: Peer, workdir: Path) -> dict[str, float]:
    """Apply ``n`` key pairs with Terraform through the provider, then plan again; return the costs.

    ``*_provider_cpu_s`` is the CPU time of the provider processes (every launch of the command).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(config_text(n, workdir / "home"))
    common = ["-input=false", "-no-color"]
    _measure(peer, workdir, "init", common)
    _provider_cpu(peer)
    apply_s, apply_kib = _measure(peer, workdir, "apply", [*common, "-auto-approve", f"-parallelism={PARALLELISM}"])
    apply_cpu, apply_launches = _provider_cpu(peer)
    plan_s, plan_kib = _measure(peer, workdir, "plan", [*common, "-detailed-exitcode", f"-parallelism={PARALLELISM}"])
    plan_cpu, plan_launches = _provider_cpu(peer)
    return {
        "apply_s": round(apply_s, 2),
        "plan_s": round(plan_s, 2),
        "apply_rss_mib": round(apply_kib / 1024, 1),
        "plan_rss_mib": round(plan_kib / 1024, 1),
        "apply_provider_cpu_s": apply_cpu,
        "apply_launches": apply_launches,
        "plan_provider_cpu_s": plan_cpu,
        "plan_launches": plan_launches,
    }


def run_engine(n: int) -> dict[str, float]:
    """The same stack applied by iaas's engine (``bench/run.py``'s case, in a fresh process)."""
    with tempfile.TemporaryDirectory(prefix="iaas-bench-engine-") as tmp:
        cmd = [sys.executable, str(BENCH / "run.py"), "--child", "independent", str(n), "key_pair", tmp]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"the engine case failed:\n{done.stderr[-4000:]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "apply_s": round(row["apply_s"], 2),
        "plan_s": round(row["refresh_plan_s"], 2),
        "rss_mib": round(row["peak_rss_mib"], 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run both sides for N key pairs; print a table and save JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of key pairs (default 1000)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    terraform = ensure_peer().terraform
    with tempfile.TemporaryDirectory(prefix="tf-iaas-bench-") as tmp:
        print(f"terraform + provider: {args.n} key pairs ...", file=sys.stderr, flush=True)
        tf = run_terraform(args.n, provider_peer(Path(tmp), terraform), Path(tmp) / "work")
    print(f"iaas engine: {args.n} key pairs ...", file=sys.stderr, flush=True)
    engine = run_engine(args.n)
    result = {
        "n": args.n,
        "kind": "key_pair",
        "parallelism": PARALLELISM,
        "terraform": tf,
        "engine": engine,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'':<22} {'apply s':>8} {'plan s':>8} {'peak MiB':>9}")
    print(f"{'terraform + provider':<22} {tf['apply_s']:>8.2f} {tf['plan_s']:>8.2f} {tf['apply_rss_mib']:>9.1f}")
    print(f"{'  provider CPU only':<22} {tf['apply_provider_cpu_s']:>8.2f} {tf['plan_provider_cpu_s']:>8.2f}")
    print(f"{'iaas engine':<22} {engine['apply_s']:>8.2f} {engine['plan_s']:>8.2f} {engine['rss_mib']:>9.1f}")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
