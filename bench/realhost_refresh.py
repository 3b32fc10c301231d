"""Whole-process ``iaas plan`` with a refresh of N running instances on one real host, over its socket and over ssh.

It starts one libvirtd in private namespaces (scripts/libvirtd-host.sh), applies a stack of one isolated network, the
tiny guest's image (scripts/build-tiny-guest.sh) and N running instances of it with the ``iaas`` command, waits for
their DHCP leases, then times whole ``iaas plan --detailed-exitcode`` processes (start-up, imports, the stack file,
the refresh of every object, the plan, its output), each of which must find no change.  The runs alternate between
two cloud configs naming the same host: its local socket (``qemu:///system?socket=…``) and ``qemu+ssh://`` to an
OpenSSH server in the host's namespaces (scripts/build-test-sshd.sh), A B A B.  Then it counts the libvirt calls
(round trips to the daemon) of one plan with refresh made in this process, destroys the stack with ``iaas destroy``
and stops the host.  The machine's load average is printed before and after.  Needs root.  Run from the repository
root::

    .venv/bin/python bench/realhost_refresh.py                        # 50 instances, 5 runs per URI
    .venv/bin/python bench/realhost_refresh.py --instances 10 --runs 3

Results go to ``bench/results/realhost_refresh.json`` and a table on stdout.
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
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from userenv import user_env  # noqa: E402

import iaas  # noqa: E402
from iaas.drivers.libvirt import Host  # noqa: E402
from iaas.stackfile import load_stack  # noqa: E402
from tests.libvirt_calls import LibvirtCalls  # noqa: E402
from tests.realhosts import NamespacedHost, TinyGuest, build_sshd, build_tiny_guest, start_host  # noqa: E402

IAAS = Path(sys.executable).with_name("iaas")
STACK = "refresh"
URIS = ("socket", "ssh")


def stack_text(guest: TinyGuest, n: int, memory_mib: int) -> str:
    """The stack file: one isolated network, the tiny guest's image, ``n`` running instances of it."""
    image = "".join(f"      {k}: {json.dumps(v)}\n" for k, v in guest.image.items())
    lines = [f"stack: {STACK}\nresources:\n  network:\n    lan:\n      cidr: 10.88.0.0/22\n      mode: isolated\n"]
    lines.append(f"  image:\n    tiny:\n{image}  instance:\n")
    for i in range(n):
        lines.append(
            f"    vm{i}:\n      image: ${{image.tiny}}\n      vcpus: 1\n      memory_mib: {memory_mib}\n"
            "      root_disk_gib: 1\n      nics:\n        - network: ${network.lan}\n"
        )
    return "".join(lines)


def cloud_configs(ns: NamespacedHost, sshd: Path, work: Path, n: int) -> dict[str, Path]:
    """Two cloud configs naming the same host: through its socket, and as ``qemu+ssh://``."""
    host = {**ns.config(), "cpu_ratio": max(4.0, float(n))}  # N one-vCPU guests on however few cores
    ssh_uri = ns.ssh_config(sshd, work / "ssh")["uri"]
    files = {}
    for which, uri in (("socket", ns.uri), ("ssh", ssh_uri)):
        files[which] = work / f"cloud-{which}.json"
        files[which].write_text(json.dumps({"home": str(work / "cloud"), "hosts": [{**host, "uri": uri}]}))
    return files


def iaas_cli(work: Path, cloud: Path, *argv: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Seconds of one ``iaas`` command (a whole process) and what it did."""
    cmd = [str(IAAS), *argv, "--cloud", str(cloud), "--home", str(work / "home"), "--no-color"]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False, env=user_env())
    return time.perf_counter() - start, done


def timed_plan(work: Path, cloud: Path) -> float:
    """Seconds of one ``iaas plan --detailed-exitcode`` that must find no change."""
    took, done = iaas_cli(work, cloud, "plan", "--detailed-exitcode")
    if done.returncode != 0:
        raise RuntimeError(f"iaas plan exited {done.returncode} (0 = no change):\n{done.stdout[-2000:]}{done.stderr}")
    return took


def wait_for_leases(uri: str, n: int, timeout: float) -> int:
    """How many of the ``n`` instances hold a DHCP lease, waiting up to ``timeout`` seconds for all."""

    def leased(i: int) -> bool:
        try:
            return bool(host.wait_for_addresses(f"vm{i}", timeout))
        except iaas.IaasError:
            return False

    with Host("h", uri) as host, ThreadPoolExecutor(max_workers=min(n, 16)) as pool:
        return sum(pool.map(leased, range(n)))


def round_trips(work: Path, cloud: Path) -> Counter[str]:
    """The libvirt calls of one plan with refresh, made in this process."""
    stack = load_stack(work / "stack.yaml")
    with pytest.MonkeyPatch.context() as patch, iaas.Engine.open(STACK, home=work / "home", cloud=cloud) as engine:
        calls = LibvirtCalls(patch)
        plan: list[iaas.Plan] = []
        counted = calls.during(lambda: plan.append(engine.plan(stack, refresh=True)))
    if not plan[0].empty:
        raise RuntimeError("the in-process plan found changes")
    return counted


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max, rounded."""
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def load() -> str:
    """The machine's load average (1, 5, 15 minutes)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def step(what: str, action: Callable[[], object]) -> object:
    """Run ``action``, printing what it is and how long it took."""
    start = time.perf_counter()
    result = action()
    print(f"{what}: {time.perf_counter() - start:.1f} s", flush=True)
    return result


def bench(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Start the host, apply, time the plans, count the round trips, destroy; the results."""
    n = args.instances
    guest, sshd = build_tiny_guest(), build_sshd()
    ns = start_host("h", work / "host")
    try:
        clouds = cloud_configs(ns, sshd, work, n)
        (work / "stack.yaml").write_text(stack_text(guest, n, args.memory_mib))
        took, done = iaas_cli(work, clouds["socket"], "apply", "--auto-approve")
        if done.returncode != 0:
            raise RuntimeError(f"iaas apply failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        print(f"apply of {n} instances: {took:.1f} s", flush=True)
        leased = step(f"leases of {n} instances", lambda: wait_for_leases(ns.uri, n, args.lease_timeout))
        print(f"instances with a lease: {leased} of {n}; load average {load()}", flush=True)
        times: dict[str, list[float]] = {which: [] for which in URIS}
        for which in URIS:  # a first, uncounted run of each warms the caches (bytecode, the ssh host key)
            step(f"warm-up plan ({which})", lambda w=which: timed_plan(work, clouds[w]))
        for run in range(args.runs):
            for which in URIS:
                times[which].append(timed_plan(work, clouds[which]))
            print(f"run {run + 1}: " + "   ".join(f"{w} {times[w][-1]:.2f} s" for w in URIS), flush=True)
        trips = {which: round_trips(work, clouds[which]) for which in URIS}
        took, done = iaas_cli(work, clouds["socket"], "destroy", "--auto-approve")
        if done.returncode != 0:
            raise RuntimeError(f"iaas destroy failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        print(f"destroy: {took:.1f} s", flush=True)
    finally:
        ns.stop()
    return {
        "instances": n,
        "leased": leased,
        "plan_s": {which: spread(times[which]) for which in URIS},
        "runs": {which: [round(t, 3) for t in times[which]] for which in URIS},
        "round_trips": {which: sum(trips[which].values()) for which in URIS},
        "top_calls": dict(trips["socket"].most_common(8)),
    }


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=50, help="instances in the stack (default 50)")
    parser.add_argument("--runs", type=int, default=5, help="timed plans per URI (default 5)")
    parser.add_argument("--memory-mib", type=int, default=128, help="memory of each instance (default 128)")
    parser.add_argument("--lease-timeout", type=float, default=600.0, help="seconds to wait for the leases")
    parser.add_argument("--out", default=str(BENCH / "results" / "realhost_refresh.json"))
    args = parser.parse_args()
    before = load()
    print(f"load average before: {before}; {os.cpu_count()} CPUs", flush=True)
    # A short directory: the host's socket path must fit a unix socket address (108 bytes).
    with tempfile.TemporaryDirectory(prefix="iaas-rr-") as tmp:
        result = bench(args, Path(tmp))
    result["load_before"], result["load_after"] = before, load()
    print(f"load average after: {result['load_after']}")
    n, plan_s, trips = result["instances"], result["plan_s"], result["round_trips"]
    print(f"\niaas plan --detailed-exitcode, {n} running instances, 1 network, refresh on ({args.runs} runs each)")
    print(f"{'URI':<8} {'median':>8} {'min-max':>14} {'libvirt calls per refresh':>27}")
    for which in URIS:
        s = plan_s[which]  # type: ignore[index]
        print(f"{which:<8} {s['median']:>7.2f}s {s['min']:>6.2f}-{s['max']:.2f} s {trips[which]:>27}")  # type: ignore[index]
    print(f"most frequent calls (socket): {result['top_calls']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
