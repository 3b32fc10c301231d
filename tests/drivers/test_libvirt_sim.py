"""The persistent simulated host: the sim store, the node file, and survival across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import libvirt
import pytest

from iaas.drivers.libvirt import DiskSpec, Host, NicSpec, VolumeSpec
from iaas.drivers.libvirt.sim import SimStore, StoredObject, loaded_transient, node_xml
from iaas.errors import HostError
from tests.drivers._libvirt_helpers import META, UUID1, UUID2, dom_spec, net_spec, reopened

ROOT = Path(__file__).resolve().parents[2]

# Run in a new process: open the stored host and describe what it holds.
DESCRIBE = """
import json, sys
from iaas.drivers.libvirt import Host
host = Host("sim", "test:///default", sim_store=sys.argv[1])
out = {"managed": [[o.type, o.name, o.uuid, o.meta and o.meta.address] for o in host.list_managed()]}
for ref in sys.argv[2:]:
    d = host.get_domain(ref)
    out[ref] = d and {"state": d.state, "memory": d.memory_mib, "vcpus": d.vcpus, "disks": [x.target for x in d.disks],
                      "nics": [n.mac for n in d.nics], "stack": d.meta.stack}
out["volumes"] = [[v.name, v.capacity_bytes] for v in host.list_volumes("iaas")]
out["dhcp"] = [h.ip for h in host.get_network("web-net").spec.dhcp_hosts]
print(json.dumps(out))
"""

# Run in a new process: change the stored host.
CHANGE = """
import sys
from iaas.drivers.libvirt import Host
host = Host("sim", "test:///default", sim_store=sys.argv[1])
host.stop_domain(sys.argv[2])
host.delete_volume("iaas", "iaas-b.qcow2")
host.update_dhcp_host("web-net", "delete", "52:54:00:00:00:01", "10.10.0.5")
"""


def _python(script: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _populate(host: Host) -> None:
    host.define_network(net_spec(), META)
    host.update_dhcp_host("web-net", "add", "52:54:00:00:00:01", "10.10.0.5", "app")
    host.ensure_pool("iaas", "/var/lib/iaas/images")
    host.create_volume("iaas", VolumeSpec("iaas-a.qcow2", 2**30))
    host.create_volume("iaas", VolumeSpec("iaas-b.qcow2", 2**30))
    host.resize_volume("iaas", "iaas-a.qcow2", 5 * 2**30)
    host.define_domain(
        dom_spec(
            max_memory_mib=2048,
            max_vcpus=4,
            disks=[DiskSpec("vda", pool="iaas", volume="iaas-a.qcow2")],
            nics=[NicSpec("web-net", "52:54:00:00:00:01")],
        ),
        META,
    )
    host.start_domain(UUID1)
    host.set_memory(UUID1, 1536)
    host.set_vcpus(UUID1, 3)
    host.attach_disk(UUID1, DiskSpec("vdb", pool="iaas", volume="iaas-b.qcow2"))
    host.define_domain(dom_spec(name="db", uuid=UUID2), META)


def test_objects_survive_in_a_new_process(tmp_path: Path) -> None:
    store = tmp_path / "sim.db"
    host = Host("sim", "test:///default", sim_store=store)
    _populate(host)
    host.close()
    seen = json.loads(_python(DESCRIBE, str(store), UUID1, UUID2))
    assert seen["managed"] == [
        ["domain", "app", UUID1, "instance.app"],
        ["domain", "db", UUID2, "instance.app"],
        ["network", "web-net", seen["managed"][2][2], "instance.app"],
        ["volume", "iaas-a.qcow2", None, None],
        ["volume", "iaas-b.qcow2", None, None],
    ]
    assert seen[UUID1] == {
        "state": "running",
        "memory": 1536,
        "vcpus": 3,
        "disks": ["vda", "vdb"],
        "nics": ["52:54:00:00:00:01"],
        "stack": "web",
    }
    assert seen[UUID2]["state"] == "shutoff"
    assert seen["volumes"] == [["iaas-a.qcow2", 5 * 2**30], ["iaas-b.qcow2", 2**30]]
    assert seen["dhcp"] == ["10.10.0.5"]


def test_changes_made_by_another_process_are_seen(tmp_path: Path) -> None:
    store = tmp_path / "sim.db"
    host = Host("sim", "test:///default", sim_store=store)
    _populate(host)
    host.close()
    _python(CHANGE, str(store), UUID1)
    fresh = Host("sim", "test:///default", sim_store=store)
    assert fresh.get_domain(UUID1).state == "shutoff"  # type: ignore[union-attr]
    assert [v.name for v in fresh.list_volumes("iaas")] == ["iaas-a.qcow2"]
    assert fresh.get_network("web-net").spec.dhcp_hosts == ()  # type: ignore[union-attr]


def test_inactive_network_and_autostart_survive(stored_host: Host) -> None:
    info = stored_host.define_network(net_spec(), META)
    stored_host._call("stop", lambda conn: conn.networkLookupByName("web-net").destroy())
    stored_host._call("save", lambda conn: stored_host._save_network(conn.networkLookupByName("web-net")))
    back = reopened(stored_host).get_network(info.uuid)
    assert back is not None and (back.active, back.autostart) == (False, True)


def test_paused_guest_survives(stored_host: Host) -> None:
    stored_host.define_domain(dom_spec(), META)
    stored_host.start_domain(UUID1)
    stored_host._call("pause", lambda conn: conn.lookupByUUIDString(UUID1).suspend())
    stored_host._call("save", lambda conn: stored_host._save_domain(conn.lookupByUUIDString(UUID1)))
    assert reopened(stored_host).get_domain(UUID1).state == "paused"  # type: ignore[union-attr]


def test_deleted_objects_stay_deleted(stored_host: Host) -> None:
    net = stored_host.define_network(net_spec(), META)
    stored_host.define_domain(dom_spec(), META)
    stored_host.delete_domain(UUID1)
    stored_host.delete_network(net.uuid)
    assert reopened(stored_host).list_managed() == []


def test_store_rows(tmp_path: Path) -> None:
    store = SimStore(tmp_path / "deep" / "dir" / "s.db")
    store.put("volume", "v", "<volume/>", parent="p1")
    store.put("volume", "v", "<volume/>", parent="p2")
    store.put("domain", UUID1, "<domain/>", state="running")
    store.put("domain", UUID1, "<domain>2</domain>", state="shutoff")
    assert store.objects("domain") == [StoredObject("domain", "", UUID1, "<domain>2</domain>", "shutoff", False)]
    assert [o.parent for o in store.objects("volume")] == ["p1", "p2"]
    store.delete("volume", "v", parent="p1")
    store.delete("volume", "absent")
    assert [o.parent for o in store.objects()] == ["", "p2"]
    store.close()


def test_node_xml_shape() -> None:
    objects = [
        StoredObject("domain", "", UUID1, "<domain type='test'><name>a</name></domain>\n", "running", False),
        StoredObject("domain", "", UUID2, "<domain type='test'><name>b</name></domain>", "weird", False),
        StoredObject("pool", "", "p", "<pool type='dir'><name>p</name></pool>", "active", True),
        StoredObject("volume", "p", "v", "<volume><name>v</name></volume>", "", False),
        StoredObject("volume", "q", "w", "<volume><name>w</name></volume>", "", False),
    ]
    root = ET.fromstring(node_xml(objects, cpus=8, memory_mib=1024, arch="x86_64"))
    assert root.findtext("memory") == str(1024 * 1024) and root.findtext("cpu/active") == "8"
    runstates = [d.findtext("{http://libvirt.org/schemas/domain/test/1.0}runstate") for d in root.findall("domain")]
    assert runstates == ["1", "5"]
    assert [v.findtext("name") for v in root.findall("pool/volume")] == ["v"]


def test_corrupt_stored_xml_is_refused() -> None:
    with pytest.raises(ValueError):
        node_xml(
            [StoredObject("domain", "", UUID1, "<domain/>", "running", False)], cpus=1, memory_mib=1, arch="x86_64"
        )


@pytest.mark.parametrize("xml", ["<domain/>", "<domain type='test'><name>x</name><bogus></domain>"])
def test_corrupt_store_is_a_connect_error(tmp_path: Path, xml: str) -> None:
    SimStore(tmp_path / "s.db").put("domain", UUID1, xml, state="running")
    with pytest.raises(HostError) as caught:
        Host("sim", "test:///default", sim_store=tmp_path / "s.db").info()
    assert caught.value.operation == "connect"


def _open_files(path: Path) -> list[str]:
    """The descriptors of this process open on ``path`` (or its WAL and shared-memory files)."""
    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(path)):
            found.append(target)
    return found


def test_close_closes_the_sim_store_and_the_next_call_opens_it_again(tmp_path: Path) -> None:
    store = tmp_path / "host.db"
    host = Host("sim", "test:///default", sim_store=store)
    host.define_network(net_spec(), META)
    assert _open_files(store)
    host.close()
    assert _open_files(store) == []  # a copy of the home or its removal sees no open file
    assert host.get_network("web-net") is not None
    host.close()


def test_a_running_guest_loaded_again_reads_as_it_was_and_stays_defined_through_changes(
    stored_host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new process loads running guests transient (no copy of their definition) and defines them again behind
    # the reads: whatever it does next, a guest must neither read differently nor vanish when stopped.
    stored_host.define_domain(dom_spec(), META)
    stored_host.start_domain(UUID1)
    stored_host.set_domain_autostart(UUID1, True)
    before = stored_host.get_domain(UUID1)
    gate = threading.Event()
    define = libvirt.virConnect.defineXML

    def held(conn: libvirt.virConnect, xml: str) -> libvirt.virDomain:
        gate.wait()
        return define(conn, xml)

    monkeypatch.setattr(libvirt.virConnect, "defineXML", held)
    again = reopened(stored_host)
    try:
        assert again.get_domain(UUID1) == before  # autostart too, which a transient guest cannot have yet
        persistent = again._call("read persistence", lambda conn: conn.lookupByUUIDString(UUID1).isPersistent())
        assert persistent == 0  # loaded transient: read before it is defined again
        gate.set()
        again.stop_domain(UUID1, timeout=0)
        stopped = again.get_domain(UUID1)
        assert stopped is not None and (stopped.state, stopped.autostart) == ("shutoff", True)
        persistent = again._call("read persistence", lambda conn: conn.lookupByUUIDString(UUID1).isPersistent())
        assert persistent == 1
        third = reopened(again)
        found = third.get_domain(UUID1)
        assert found is not None and (found.state, found.autostart) == ("shutoff", True)
        third.start_domain(UUID1)
        third.delete_domain(UUID1)
        assert reopened(third).get_domain(UUID1) is None
    finally:
        gate.set()
        again.close()


def test_running_guests_without_snapshots_are_written_transient() -> None:
    objects = [
        StoredObject("domain", "", UUID1, "<domain type='test'><name>a</name></domain>", "running", True),
        StoredObject("domain", "", UUID2, "<domain type='test'><name>b</name></domain>", "shutoff", False),
    ]
    assert list(loaded_transient(objects)) == [UUID1]
    with_snapshot = [*objects, StoredObject("snapshot", UUID1, "s1", "<domainsnapshot/>", "", False)]
    assert loaded_transient(with_snapshot) == {}
    root = ET.fromstring(node_xml(objects, cpus=1, memory_mib=1, arch="x86_64", transient=[UUID1]))
    marks = {d.findtext("name"): d.find("{http://libvirt.org/schemas/domain/test/1.0}transient") for d in root}
    assert marks["a"] is not None and marks["b"] is None
