"""Child process of the crash test: apply a stack version, optionally SIGKILLing itself at one probe point.

Usage: python _crash_child.py HOME VERSION KILL_AT WHEN [STATE]
  VERSION 1 or 2 (two versions of the stack: the second replaces, updates and deletes);
  KILL_AT the probe call (1-based) at which to die, 0 for none; WHEN "before" or "after" that call;
  STATE the state's location (default: state.db in HOME), e.g. a postgresql:// URL.
Prints the number of probe calls made when it finishes.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import iaas
from iaas.cloud import Cloud
from iaas.state.postgres import PostgresStore
from iaas.state.sqlite import SQLiteStore

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d crash@iaas"
calls = 0
lock = threading.Lock()


def probe(fn: Any, kill_at: int, when: str) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global calls
        with lock:
            calls += 1
            mine = calls
        if mine == kill_at and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = fn(*args, **kwargs)
        if mine == kill_at and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    return wrapper


def build(version: int, image: str) -> iaas.Stack:
    s = iaas.Stack("crash")
    s.add(iaas.Project(name="p", quota=iaas.Quota(instances=20)))
    s.add(iaas.Image(name="img", source=image))
    s.add(iaas.KeyPair(name="k1", public_key=KEY))
    if version == 1:
        s.add(iaas.KeyPair(name="k2", public_key=KEY))
    for n in range(3):
        mode = "isolated" if (version == 2 and n == 0) else "nat"
        s.add(iaas.Network(name=f"net{n}", cidr=f"10.77.{n}.0/24", mode=mode))
    s.add(iaas.SecurityGroup(name="sg", rules=[iaas.Rule(port_min=22 if version == 1 else 2222)]))
    s.add(iaas.ServerGroup(name="sg-anti", policy="soft-anti-affinity"))
    for n in range(3):
        s.add(
            iaas.Volume(
                name=f"vol{n}", size_gib=1 + (version == 2 and n == 1), image="${image.img}" if n == 2 else None
            )
        )
    for n in range(4):
        nics = [iaas.Nic(network=f"${{network.net{n % 3}}}", security_groups=["${security_group.sg}"])]
        s.add(
            iaas.Instance(
                name=f"vm{n}",
                image="${image.img}",
                flavor="m1.tiny",
                key_pair="${key_pair.k1}",
                nics=nics,
                memory_mib=512 if version == 1 else 256 + 128 * n,
                server_group="${server_group.sg-anti}",
                project="${project.p}",
                volumes=[f"${{volume.vol{n}}}"] if n < 3 else [],
            )
        )
    s.add(iaas.PortForward(name="ssh", instance="${instance.vm0}", host_port=2200 + version, target_port=22))
    return s


def main() -> int:
    home, version, kill_at, when = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    state = sys.argv[5] if len(sys.argv) > 5 else None
    image = Path(home).parent / "img.qcow2"
    store_class = PostgresStore if state and state.startswith("postgresql://") else SQLiteStore
    for cls, names in ((Cloud, ("create", "update", "delete")), (store_class, ("put", "delete"))):
        for name in names:
            setattr(cls, name, probe(getattr(cls, name), kill_at, when))
    with iaas.Engine.open("crash", home=home, state=state, parallelism=4) as engine:
        engine.apply(build(version, str(image)))
        plan = engine.plan(build(version, str(image)))
        assert plan.empty, iaas.render_plan(plan)
    print(calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
