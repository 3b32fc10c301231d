"""Time to reachable guests on a real libvirt host: the iaas engine against a plain sequential script.

For N instances of the tiny guest (see scripts/build-tiny-guest.sh) on one isolated network, it measures the wall
time from the start until every instance holds a DHCP lease:

- ``iaas_s``: ``Engine.apply`` of a stack (network, image, N instances), then waiting for the leases of all
  instances at once;
- ``script_s``: the same objects made one after the other with the driver's primitives (network, image copy, for
  each instance: root overlay, seed ISO, define, start), then waiting for the leases one instance after the other.

The host is a libvirtd in private namespaces (scripts/libvirtd-host.sh), started for the run and stopped after it;
guests run under TCG unless the machine has KVM.  Needs root.  Run from the repository root::

    .venv/bin/python bench/realhost.py                # N = 1 and 4
    .venv/bin/python bench/realhost.py --sizes 1,2,4 --repeat 2

Results go to ``bench/results/realhost.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
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
from tests.integration.conftest import NamespacedHost, TinyGuest, start_host  # noqa: E402

LEASE_TIMEOUT = 300.0
MEMORY_MIB = 256


def build_guest() -> TinyGuest:
    """The tiny guest's files (built once, then cached)."""
    done = subprocess.run([str(ROOT / "scripts" / "build-tiny-guest.sh")], capture_output=True, text=True,
                          check=True)
    return TinyGuest(Path(done.stdout.strip().splitlines()[-1]))


def run_iaas(ns: NamespacedHost, guest: TinyGuest, n: int, home: Path) -> float:
    """Seconds from the start of an apply until all ``n`` instances have a lease; then destroy."""
    stack = iaas.Stack("bench")
    lan = stack.add(iaas.Network(name="lan", cidr="10.89.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    for i in range(n):
        stack.add(iaas.Instance(name=f"vm{i}", image=image, vcpus=1, memory_mib=MEMORY_MIB, root_disk_gib=1,
                                nics=[iaas.Nic(network=lan)]))
    cloud = {"hosts": [ns.config()], "home": str(home / "cloud")}
    with iaas.Engine.open("bench", home=home, cloud=cloud) as engine, Host("h", ns.uri) as host:
        start = time.monotonic()
        engine.apply(stack)
        with ThreadPoolExecutor(max_workers=n) as pool:
            list(pool.map(lambda i: host.wait_for_addresses(f"vm{i}", LEASE_TIMEOUT), range(n)))
        seconds = time.monotonic() - start
        engine.destroy()
    return seconds


def run_script(ns: NamespacedHost, guest: TinyGuest, n: int) -> float:
    """Seconds for the same objects made sequentially with the driver, until every lease; then clean up."""
    meta = Meta(stack="bench-script", address="script")
    pool_dir = f"{ns.pool_path}/script"
    with Host("h", ns.uri) as host:
        start = time.monotonic()
        net = host.define_network(NetworkSpec(name="plain", mode="isolated", ipv4_address="10.90.0.1",
                                              ipv4_prefix=24, dhcp_start="10.90.0.2", dhcp_end="10.90.0.254"), meta)
        Path(pool_dir).mkdir(parents=True, exist_ok=True)
        host.ensure_pool("plain", pool_dir)
        shutil.copyfile(guest.dir / "disk.qcow2", f"{pool_dir}/base.qcow2")
        host.pool_info("plain")
        ids = []
        for i in range(n):
            id = str(uuid.uuid4())
            host.create_volume("plain", VolumeSpec(name=f"{id}.qcow2", capacity_bytes=1 << 30,
                                                   backing_path=f"{pool_dir}/base.qcow2", backing_format="qcow2"))
            _seed.build_iso(_seed.render(id, f"p{i}", None, None, []), Path(f"{pool_dir}/{id}.iso"))
            boot = guest.image
            host.define_domain(DomainSpec(
                name=f"p{i}", uuid=id, vcpus=1, memory_mib=MEMORY_MIB,
                disks=[DiskSpec("vda", path=f"{pool_dir}/{id}.qcow2")],
                nics=[NicSpec(net.name, f"52:54:00:90:00:{i:02x}")], cdrom=f"{pool_dir}/{id}.iso",
                kernel=boot["kernel"], initrd=boot["initrd"], cmdline=boot["cmdline"]), meta)
            host.start_domain(id)
            ids.append(id)
        for id in ids:
            host.wait_for_addresses(id, LEASE_TIMEOUT)
        seconds = time.monotonic() - start
        for id in ids:
            host.delete_domain(id)
        host.delete_network(net.uuid)
    shutil.rmtree(pool_dir, ignore_errors=True)
    return seconds


def main() -> None:
    """Run the cases and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4", help="comma-separated numbers of instances (default 1,4)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case; the best is kept")
    parser.add_argument("--out", default=str(BENCH / "results" / "realhost.json"))
    args = parser.parse_args()
    guest = build_guest()
    rows = []
    with tempfile.TemporaryDirectory(prefix="iaas-bench-") as tmp:
        ns = start_host("bench", Path(tmp) / "host")
        try:
            for n in (int(s) for s in args.sizes.split(",")):
                iaas_s = min(run_iaas(ns, guest, n, Path(tmp) / f"home-{n}-{r}") for r in range(args.repeat))
                script_s = min(run_script(ns, guest, n) for _ in range(args.repeat))
                rows.append({"instances": n, "iaas_s": round(iaas_s, 2), "script_s": round(script_s, 2)})
                print(f"N={n:<3} iaas {iaas_s:6.2f} s   plain script {script_s:6.2f} s", flush=True)
        finally:
            ns.stop()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
