"""Whole-process benchmark: the ``iaas`` command and ``terraform`` timed the same way, as subprocesses.

Every figure is the wall time of one command started from scratch (interpreter or binary start-up, imports, reading
the stack file, the work, writing the output to a file), and its peak resident memory (``wait4``'s ``ru_maxrss``;
for Terraform, the largest process of its tree, as ``bench/terraform_peer.py`` measures it).  Cases:

- ``startup``: ``iaas --version`` and ``iaas --help``;
- ``validate``: ``iaas validate`` of a file of 1,000 key pairs;
- ``scale``: 10,000 independent key pairs: ``iaas apply``, then ``iaas plan --no-refresh`` and ``iaas plan``
  (with a refresh of every object);
- ``huge``: the same with 100,000 key pairs, once;
- ``peer``: for each shape at 1,000 resources, pairs of runs, iaas then Terraform 1.0.3 + hashicorp/null, A B A B:
  each side applies into a fresh directory, then plans with a refresh (which must find no change).

Run from the repository root::

    .venv/bin/python bench/cli.py                                   # every case, 2 pairs per shape
    .venv/bin/python bench/cli.py --cases startup,validate,scale --repeat 5
    .venv/bin/python bench/cli.py --cases peer --shapes independent --pairs 3

Results go to ``bench/results/cli.json``; a table goes to stdout.  Each row gives the median and the min-max of
its runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from terraform_peer import SHAPES, run_peer, shape_dependencies  # noqa: E402
from userenv import user_env  # noqa: E402

IAAS = Path(sys.executable).with_name("iaas")
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d bench@iaas"
CASES = ("startup", "validate", "scale", "huge", "peer")


def stack_yaml(shape: str, n: int, alias_keys: bool = False) -> str:
    """A stack file of ``n`` key pairs wired as ``shape`` (the graphs of ``terraform_peer.shape_dependencies``).

    ``alias_keys`` writes the public key once and refers to it (``*pk``) from every other key pair: 100,000 key
    pairs then fit in the 4 MiB a stack file may have.
    """
    deps = shape_dependencies(shape, n)
    width = len(str(n - 1))
    names = [f"r{i:0{width}d}" for i in range(n)]
    lines = [f"stack: {shape}", "resources:", "  key_pair:"]
    for i, name in enumerate(names):
        key = PUBLIC_KEY if not alias_keys else (f"&pk {PUBLIC_KEY}" if i == 0 else "*pk")
        lines.append(f"    {name}: {{public_key: {key}}}" if alias_keys else f"    {name}:\n      public_key: {key}")
        if deps[i]:
            lines.append("      depends_on: [" + ", ".join(f"key_pair.{names[d]}" for d in deps[i]) + "]")
    return "\n".join(lines) + "\n"


def run(args: Sequence[str], cwd: Path, log: Path, ok: Sequence[int] = (0,)) -> dict[str, float]:
    """Run one command to completion; its wall seconds and peak RSS (MiB)."""
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(args), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=user_env())
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}; see {log}")
    return {"s": seconds, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024}


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, minimum and maximum of some runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def _iaas(work: Path, *args: str, ok: Sequence[int] = (0,)) -> dict[str, float]:
    return run([str(IAAS), *args], work, work / f"{args[0].strip('-')}.log", ok)


def case_startup(work: Path, repeat: int) -> dict[str, object]:
    """``iaas --version`` and ``iaas --help``."""
    _iaas(work, "--version")  # warm the bytecode cache
    out: dict[str, object] = {}
    for flag in ("version", "help"):
        runs = [_iaas(work, f"--{flag}") for _ in range(repeat)]
        out[flag] = {"s": spread([r["s"] for r in runs]), "cpu_s": spread([r["cpu_s"] for r in runs])}
    return out


def case_validate(work: Path, repeat: int, n: int = 1000) -> dict[str, object]:
    """``iaas validate`` of ``n`` key pairs."""
    (work / "stack.yaml").write_text(stack_yaml("independent", n))
    _iaas(work, "validate")
    runs = [_iaas(work, "validate") for _ in range(repeat)]
    return {
        "n": n,
        "s": spread([r["s"] for r in runs]),
        "cpu_s": spread([r["cpu_s"] for r in runs]),
        "rss_mib": max(r["rss_mib"] for r in runs),
    }


def _iaas_apply_plan(work: Path, refresh_only: bool = False) -> dict[str, dict[str, float]]:
    """Apply the stack file of ``work`` into a fresh home, then plan without and with a refresh."""
    home = work / "home"
    subprocess.run(["rm", "-rf", str(home)], check=True)
    common = ["--home", str(home), "--no-color"]
    out = {"apply": _iaas(work, "apply", "--auto-approve", *common)}
    if not refresh_only:
        out["plan_no_refresh"] = _iaas(work, "plan", "--no-refresh", "--detailed-exitcode", *common)
    out["plan"] = _iaas(work, "plan", "--detailed-exitcode", *common)
    return out


def case_scale(work: Path, repeat: int, n: int = 10_000) -> dict[str, object]:
    """``n`` independent key pairs: apply, no-op plan, plan with refresh."""
    (work / "stack.yaml").write_text(stack_yaml("independent", n, alias_keys=n > 10_000))
    runs = [_iaas_apply_plan(work) for _ in range(repeat)]
    return {
        "n": n,
        **{
            step: {
                "s": spread([r[step]["s"] for r in runs]),
                "cpu_s": spread([r[step]["cpu_s"] for r in runs]),
                "rss_mib": max(r[step]["rss_mib"] for r in runs),
            }
            for step in ("apply", "plan_no_refresh", "plan")
        },
    }


def case_peer(work: Path, shapes: Sequence[str], pairs: int, n: int = 1000) -> dict[str, object]:
    """Pairs of iaas and Terraform runs on the same graphs, interleaved A B A B."""
    out: dict[str, object] = {}
    for shape in shapes:
        side = work / shape
        side.mkdir(exist_ok=True)
        (side / "stack.yaml").write_text(stack_yaml(shape, n))
        _iaas_apply_plan(side, refresh_only=True)  # uncounted: warms the bytecode cache and the file cache
        iaas_runs, tf_runs = [], []
        for i in range(pairs):
            iaas_runs.append(_iaas_apply_plan(side, refresh_only=True))
            tf = run_peer(shape, n, work / f"tf-{shape}-{i}")
            tf_runs.append(tf)
            print(
                f"  {shape} pair {i + 1}: iaas {iaas_runs[-1]['apply']['s']:.2f}/{iaas_runs[-1]['plan']['s']:.2f} s, "
                f"terraform {tf['apply_s']:.1f}/{tf['plan_s']:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        row = {
            "iaas_apply": spread([r["apply"]["s"] for r in iaas_runs]),
            "iaas_plan": spread([r["plan"]["s"] for r in iaas_runs]),
            "iaas_apply_cpu": spread([r["apply"]["cpu_s"] for r in iaas_runs]),
            "iaas_plan_cpu": spread([r["plan"]["cpu_s"] for r in iaas_runs]),
            "iaas_rss_mib": max(max(r["apply"]["rss_mib"], r["plan"]["rss_mib"]) for r in iaas_runs),
            "tf_apply": spread([r["apply_s"] for r in tf_runs]),
            "tf_plan": spread([r["plan_s"] for r in tf_runs]),
            "tf_rss_mib": max(max(r["apply_rss_mib"], r["plan_rss_mib"]) for r in tf_runs),
        }
        row["apply_ratio"] = row["tf_apply"]["median"] / row["iaas_apply"]["median"]  # type: ignore[index]
        row["plan_ratio"] = row["tf_plan"]["median"] / row["iaas_plan"]["median"]  # type: ignore[index]
        out[shape] = row
    return out


def _fmt(s: dict[str, float]) -> str:
    return f"{s['median']:.3f} s ({s['min']:.3f}–{s['max']:.3f})"


def table(results: dict[str, object]) -> str:
    """The results as Markdown table rows."""
    lines = ["| case | wall: median (min–max) | CPU: median | peak RSS |", "|---|---:|---:|---:|"]
    startup = results.get("startup") or {}
    for flag, r in startup.items():  # type: ignore[attr-defined]
        lines.append(f"| iaas --{flag} | {_fmt(r['s'])} | {r['cpu_s']['median']:.3f} s | |")
    if v := results.get("validate"):
        cpu = v["cpu_s"]["median"]  # type: ignore[index]
        lines.append(f"| iaas validate, {v['n']:,} key pairs | {_fmt(v['s'])} | {cpu:.3f} s | {v['rss_mib']:.0f} MiB |")  # type: ignore[index]
    for sc in (results.get("scale"), results.get("huge")):
        if not sc:
            continue
        for step in ("apply", "plan_no_refresh", "plan"):
            r = sc[step]  # type: ignore[index]
            what = f"{sc['n']:,} key pairs: iaas {step.replace('_', ' ')}"  # type: ignore[index]
            lines.append(f"| {what} | {_fmt(r['s'])} | {r['cpu_s']['median']:.2f} s | {r['rss_mib']:.0f} MiB |")
    for shape, row in (results.get("peer") or {}).items():  # type: ignore[attr-defined]
        head = f"| {shape} 1,000:"
        apply, plan = (f"{_fmt(row[f'iaas_{v}'])} / {_fmt(row[f'tf_{v}'])}" for v in ("apply", "plan"))
        cpu = f"{row['iaas_apply_cpu']['median']:.2f} s", f"{row['iaas_plan_cpu']['median']:.2f} s"
        rss = f"{row['iaas_rss_mib']:.0f} / {row['tf_rss_mib']:.0f} MiB"
        lines.append(f"{head} iaas apply / terraform apply | {apply} | {cpu[0]} (iaas) | {rss} |")
        lines.append(f"{head} iaas plan / terraform plan (refresh) | {plan} | {cpu[1]} (iaas) | |")
        lines.append(f"{head} iaas faster, apply / plan | {row['apply_ratio']:.1f}x / {row['plan_ratio']:.1f}x | | |")
    return "\n".join(lines)


def _machine() -> dict[str, str]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        "unknown CPU",
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "python": sys.version.split()[0], "load": " ".join(load)}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    p.add_argument("--repeat", type=int, default=5, help="runs of each startup, validate and scale case (default 5)")
    p.add_argument("--scale-repeat", type=int, default=2, help="runs of the 10,000 key pairs case (default 2)")
    p.add_argument("--shapes", default=",".join(SHAPES))
    p.add_argument("--pairs", type=int, default=2, help="iaas/Terraform pairs per shape (default 2)")
    p.add_argument("--out", default=str(BENCH / "results" / "cli.json"))
    args = p.parse_args(argv)
    cases = args.cases.split(",")
    results: dict[str, object] = {"machine_before": _machine(), "command": " ".join(sys.argv)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs = {
        "startup": lambda work: case_startup(work, args.repeat * 2),
        "validate": lambda work: case_validate(work, args.repeat),
        "scale": lambda work: case_scale(work, args.scale_repeat),
        "huge": lambda work: case_scale(work, 1, n=100_000),
        "peer": lambda work: case_peer(work, args.shapes.split(","), args.pairs),
    }
    with tempfile.TemporaryDirectory(prefix="iaas-cli-bench-") as tmp:
        for case in cases:
            results[case] = runs[case](Path(tmp))
            results["machine_after"] = _machine()
            out.write_text(json.dumps(results, indent=2))  # saved after every case
    print(table(results))
    print(f"\nmachine: {results['machine_before']}; load after: {results['machine_after']['load']}")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
