"""Time to reachable guests on a real libvirt host: the iaas engine against a plain sequential script.

For N instances of the tiny guest (see scripts/build-tiny-guest.sh) on one isolated network, it measures the wall
time from the start until every instance holds a DHCP lease:

- ``iaas_s``: ``Engine.apply`` of a stack (network, image, N instances), then waiting for the leases of all
  instances at once;
- ``script_s``: the same objects made one after the other with the driver's primitives (network, image copy, for
  each instance: root overlay, seed ISO, define, start), then waiting for the leases one instance after the other;
- ``parallel_s``: the same driver calls with the instances made by as many threads as the engine uses
  (``--parallelism``), then waiting for all leases at once: the raw calls at their best, to which the engine's
  ``overhead`` (``iaas_s / parallel_s - 1``) is measured.

The host is a libvirtd in private namespaces (scripts/libvirtd-host.sh), started for the run and stopped after it;
guests run under TCG unless the machine has KVM.  Needs root.  Run from the repository root::

    .venv/bin/python bench/realhost.py                # N = 1, 4 and 10
    .venv/bin/python bench/realhost.py --sizes 1,2,4 --repeat 2

Ten guests need more vCPUs than a 2-core host offers at the default overcommit (4 per core); the host's
``cpu_ratio`` is raised to ``--cpu-ratio`` (default 8) for the run.

Results go to ``bench/results/realhost.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import iaas  # noqa: E402
from iaas.cloud.kinds import _seed  # noqa: E402
from iaas.drivers.libvirt import DiskSpec, DomainSpec, Host, Meta, NetworkSpec, NicSpec, VolumeSpec  # noqa: E402
from tests.realhosts import NamespacedHost, TinyGuest, build_tiny_guest, start_host  # noqa: E402

LEASE_TIMEOUT = 300.0
MEMORY_MIB = 256


def run_iaas(ns: NamespacedHost, guest: TinyGuest, n: int, home: Path, cpu_ratio: float, parallelism: int) -> float:
    """Seconds from the start of an apply until all ``n`` instances have a lease; then destroy."""
    stack = iaas.Stack("bench")
    lan = stack.add(iaas.Network(name="lan", cidr="10.89.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    for i in range(n):
        stack.add(
            iaas.Instance(
                name=f"vm{i}",
                image=image,
                vcpus=1,
                memory_mib=MEMORY_MIB,
                root_disk_gib=1,
                nics=[iaas.Nic(network=lan)],
            )
        )
    cloud = {"hosts": [{**ns.config(), "cpu_ratio": cpu_ratio}], "home": str(home / "cloud")}
    with (
        iaas.Engine.open("bench", home=home, cloud=cloud, parallelism=parallelism) as engine,
        Host("h", ns.uri) as host,
    ):
        start = time.monotonic()
        engine.apply(stack)
        with ThreadPoolExecutor(max_workers=n) as pool:
            list(pool.map(lambda i: host.wait_for_addresses(f"vm{i}", LEASE_TIMEOUT), range(n)))
        seconds = time.monotonic() - start
        engine.destroy()
    return seconds


def run_script(ns: NamespacedHost, guest: TinyGuest, n: int, threads: int = 1) -> float:
    """Seconds for the same objects made with the driver, until every lease; then clean up.

    With ``threads`` 1 everything is sequential; otherwise the instances are
    made by that many threads and the leases awaited all at once.
    """
    meta = Meta(stack="bench-script", address="script")
    pool_dir = f"{ns.pool_path}/script"
    boot = guest.image
    with Host("h", ns.uri) as host:
        start = time.monotonic()
        net = host.define_network(
            NetworkSpec(
                name="plain",
                mode="isolated",
                ipv4_address="10.90.0.1",
                ipv4_prefix=24,
                dhcp_start="10.90.0.2",
                dhcp_end="10.90.0.254",
            ),
            meta,
        )
        Path(pool_dir).mkdir(parents=True, exist_ok=True)
        host.ensure_pool("plain", pool_dir)
        shutil.copyfile(guest.dir / "disk.qcow2", f"{pool_dir}/base.qcow2")
        host.pool_info("plain")

        def instance(i: int) -> str:
            id = str(uuid.uuid4())
            host.create_volume(
                "plain",
                VolumeSpec(
                    name=f"{id}.qcow2",
                    capacity_bytes=1 << 30,
                    backing_path=f"{pool_dir}/base.qcow2",
                    backing_format="qcow2",
                ),
            )
            _seed.build_iso(_seed.render(id, f"p{i}", None, None, []), Path(f"{pool_dir}/{id}.iso"))
            host.define_domain(
                DomainSpec(
                    name=f"p{i}",
                    uuid=id,
                    vcpus=1,
                    memory_mib=MEMORY_MIB,
                    disks=[DiskSpec("vda", path=f"{pool_dir}/{id}.qcow2")],
                    nics=[NicSpec(net.name, f"52:54:00:90:00:{i:02x}")],
                    cdrom=f"{pool_dir}/{id}.iso",
                    kernel=boot["kernel"],
                    initrd=boot["initrd"],
                    cmdline=boot["cmdline"],
                ),
                meta,
            )
            host.start_domain(id)
            return id

        if threads == 1:
            ids = [instance(i) for i in range(n)]
            for id in ids:
                host.wait_for_addresses(id, LEASE_TIMEOUT)
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                ids = list(pool.map(instance, range(n)))
            with ThreadPoolExecutor(max_workers=n) as pool:
                list(pool.map(lambda id: host.wait_for_addresses(id, LEASE_TIMEOUT), ids))
        seconds = time.monotonic() - start
        for id in ids:
            host.delete_domain(id)
        host.delete_network(net.uuid)
    shutil.rmtree(pool_dir, ignore_errors=True)
    return seconds


def main() -> None:
    """Run the cases and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4,10", help="comma-separated numbers of instances (default 1,4,10)")
    parser.add_argument("--cpu-ratio", type=float, default=8.0, help="the host's vCPU overcommit for the run")
    parser.add_argument(
        "--parallelism", type=int, default=10, help="the engine's parallelism, and the threads of the parallel script"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case; the best is kept")
    parser.add_argument("--out", default=str(BENCH / "results" / "realhost.json"))
    args = parser.parse_args()
    guest = build_tiny_guest()
    rows = []
    with tempfile.TemporaryDirectory(prefix="iaas-bench-") as tmp:
        ns = start_host("bench", Path(tmp) / "host")
        try:
            for n in (int(s) for s in args.sizes.split(",")):
                iaas_s = min(
                    run_iaas(ns, guest, n, Path(tmp) / f"home-{n}-{r}", args.cpu_ratio, args.parallelism)
                    for r in range(args.repeat)
                )
                script_s = min(run_script(ns, guest, n) for _ in range(args.repeat))
                parallel_s = min(run_script(ns, guest, n, args.parallelism) for _ in range(args.repeat))
                overhead = iaas_s / parallel_s - 1
                rows.append(
                    {
                        "instances": n,
                        "iaas_s": round(iaas_s, 2),
                        "script_s": round(script_s, 2),
                        "parallel_s": round(parallel_s, 2),
                        "overhead": round(overhead, 3),
                    }
                )
                print(
                    f"N={n:<3} iaas {iaas_s:6.2f} s   sequential script {script_s:6.2f} s   parallel script "
                    f"{parallel_s:6.2f} s   engine overhead {overhead:+.1%}",
                    flush=True,
                )
        finally:
            ns.stop()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
