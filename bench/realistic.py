"""Whole-process ``iaas apply`` of a realistic stack on the embedded (simulated) cloud, timed from outside.

The stack: one image, one project, 3 security groups, 10 networks, and N
instances, each with its own volume and one NIC on one of the networks (in
all 3 groups).  The simulated host is sized to hold them all.  For each N the
script writes ``stack.yaml`` and ``cloud.yaml`` into a fresh directory and
runs ``iaas apply --auto-approve`` as a separate process.

    .venv/bin/python bench/realistic.py                     # N = 1000 and 2000
    .venv/bin/python bench/realistic.py --sizes 250,500
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from userenv import user_env  # noqa: E402

IAAS = Path(sys.executable).with_name("iaas")


def stack_text(n: int) -> str:
    """The stack file of N instances."""
    lines = [
        "stack: realistic",
        "resources:",
        "  image:",
        "    base:",
        "      source: ./base.qcow2",
        "  project:",
        "    team:",
        "      quota: {instances: -1, vcpus: -1, memory_mib: -1, volumes: -1, volume_gib: -1, networks: -1}",
        "  security_group:",
    ]
    for g in range(3):
        lines += [f"    sg{g}:", f"      rules: [{{protocol: tcp, port_min: {22 + g}}}]"]
    lines.append("  network:")
    for k in range(10):
        lines += [f"    net{k}:", f"      cidr: 10.{100 + k}.0.0/16", "      project: ${project.team}"]
    lines.append("  volume:")
    for i in range(n):
        lines += [f"    data{i}:", "      size_gib: 1", "      project: ${project.team}"]
    lines.append("  instance:")
    groups = '["${security_group.sg0}", "${security_group.sg1}", "${security_group.sg2}"]'
    for i in range(n):
        lines += [
            f"    vm{i}:",
            "      image: ${image.base}",
            "      flavor: m1.tiny",
            "      project: ${project.team}",
            f'      volumes: ["${{volume.data{i}}}"]',
            f'      nics: [{{network: "${{network.net{i % 10}}}", security_groups: {groups}}}]',
        ]
    return "\n".join(lines) + "\n"


def cloud_text(home: Path) -> str:
    """One simulated host large enough for every size run here."""
    host = {"name": "default", "uri": "test:///default", "sim_cpus": 4096, "sim_memory_mib": 8 << 20}
    return json.dumps({"home": str(home), "hosts": [host]})


STEPS = ("apply", "plan", "change", "destroy")
COMMANDS = {
    "apply": ("apply", "--auto-approve"),
    "plan": ("plan", "--detailed-exitcode"),
    "change": ("apply", "--auto-approve"),
    "destroy": ("destroy", "--auto-approve"),
}


def _timed(n: int, work: Path, step: str) -> tuple[float, float]:
    """Seconds of one whole ``iaas`` process doing ``step`` in ``work``: wall clock, and CPU (user and system, all
    of its threads)."""
    cmd = [str(IAAS), *COMMANDS[step], "--cloud", "cloud.yaml", "--home", "home", "--no-color"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False, env=user_env())
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"N={n}: {step} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(n: int, work: Path, steps: tuple[str, ...] = STEPS) -> dict[str, tuple[float, float]]:
    """Seconds of each step for N instances in ``work``, wall clock and CPU (the steps run in the order of
    ``STEPS``)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "stack.yaml").write_text(stack_text(n))
    (work / "cloud.yaml").write_text(cloud_text(work / "home"))
    (work / "base.qcow2").write_bytes(b"QFI\xfb" + b"\0" * 1020)
    out: dict[str, tuple[float, float]] = {}
    for step in STEPS:
        if step not in steps:
            continue
        if step == "change":
            text = (work / "stack.yaml").read_text().replace("    vm0:\n", "    vm0:\n      memory_mib: 256\n", 1)
            (work / "stack.yaml").write_text(text)
        out[step] = _timed(n, work, step)
    return out


def main() -> int:
    """Run the sizes asked for and print one JSON line per size."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,2000", help="comma-separated N (default 1000,2000)")
    p.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated steps (default {','.join(STEPS)})")
    p.add_argument("--keep", type=Path, help="work in this directory (N appended) and keep it, for profiling")
    args = p.parse_args()
    steps = tuple(s for s in args.steps.split(",") if s)
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        p.error(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    for n in (int(s) for s in args.sizes.split(",")):
        before = os.getloadavg()[0]
        if args.keep:
            seconds = run(n, args.keep / str(n), steps)
        else:
            with tempfile.TemporaryDirectory(prefix=f"iaas-realistic-{n}-") as tmp:
                seconds = run(n, Path(tmp), steps)
        row = {"n": n, **{f"{k}_s": round(v[0], 2) for k, v in seconds.items()}}
        row.update({f"{k}_cpu_s": round(v[1], 2) for k, v in seconds.items()})
        print(json.dumps({**row, "load_before": before, "load_after": os.getloadavg()[0]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
