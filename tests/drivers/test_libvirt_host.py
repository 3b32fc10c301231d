"""The Host connection: simulated hosts, info, error wrapping, reconnecting, threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import libvirt
import pytest

from iaas.drivers.libvirt import Host, HostInfo
from iaas.drivers.libvirt._connection import _no_hardware_kvm_here, capability_domain_type
from iaas.drivers.libvirt.readback import boot_supported
from iaas.errors import HostError, NotFoundError
from tests.drivers._libvirt_helpers import META, UUID1, dom_spec


def _error(code: int, message: str) -> libvirt.libvirtError:
    exc = libvirt.libvirtError(message)
    exc.err = (code, 0, message, 2, None, None, None, -1, -1)
    return exc


def test_simulated_host_is_roomy_and_configurable() -> None:
    host = Host("h", "test:///default")
    info = host.info()
    assert host.simulated
    assert info == HostInfo(
        cpus=64, memory_mib=256 * 1024, free_memory_mib=256 * 1024, arch=info.arch, domain_type="test"
    )
    small = Host("s", "test:///default", sim_cpus=4, sim_memory_mib=8192)
    assert (small.info().cpus, small.info().memory_mib) == (4, 8192)


def test_free_memory_counts_running_guests(plain_host: Host) -> None:
    plain_host.define_domain(dom_spec(memory_mib=2048), META)
    before = plain_host.info().free_memory_mib
    plain_host.start_domain("app")
    assert plain_host.info().free_memory_mib == before - 2048


def test_each_host_is_its_own_machine() -> None:
    a, b = Host("a", "test:///default"), Host("b", "test:///default")
    a.define_domain(dom_spec(), META)
    assert a.get_domain("app") is not None
    assert b.get_domain("app") is None


def caps_xml(host_arch: str, **guests: str) -> str:
    """A host's capabilities XML: its architecture, and per guest architecture the domain types offered."""
    offered = "".join(
        f"<guest><os_type>hvm</os_type><arch name='{arch}'><wordsize>64</wordsize>"
        + "".join(f"<domain type='{t}'/>" for t in types.split())
        + "</arch></guest>"
        for arch, types in guests.items()
    )
    return f"<capabilities><host><cpu><arch>{host_arch}</arch></cpu></host>{offered}</capabilities>"


def test_domain_type_without_a_connection() -> None:
    assert Host("t", "test:///default").domain_type == "test"  # simulated: nothing is opened
    assert Host("q", "qemu+ssh://root@example.invalid/system", domain_type="kvm").domain_type == "kvm"


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        (caps_xml("x86_64", i686="qemu kvm", x86_64="qemu kvm"), "kvm"),
        (caps_xml("x86_64", i686="qemu", x86_64="qemu"), "qemu"),
        (caps_xml("x86_64", aarch64="qemu kvm", x86_64="qemu"), "qemu"),  # KVM for another architecture only
        (caps_xml("aarch64", aarch64="qemu kvm"), "kvm"),
        (caps_xml("x86_64"), "qemu"),
    ],
)
def test_domain_type_from_capabilities(caps: str, expected: str) -> None:
    assert capability_domain_type(caps) == expected


def test_kvm_on_this_machine_needs_the_x86_kvm_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    present = {"/sys/module/kvm", "/sys/module/kvm_pvm"}
    monkeypatch.setattr("os.path.exists", lambda p: p in present)
    assert _no_hardware_kvm_here(caps_xml("x86_64", x86_64="qemu kvm"))
    assert not _no_hardware_kvm_here(caps_xml("aarch64", aarch64="qemu kvm"))  # no such modules there
    present.add("/sys/module/kvm_amd")
    assert not _no_hardware_kvm_here(caps_xml("x86_64", x86_64="qemu kvm"))


def test_boot_support_from_domain_capabilities() -> None:
    assert boot_supported("<domainCapabilities><os supported='yes'><loader supported='yes'/></os></domainCapabilities>")
    assert not boot_supported("<domainCapabilities><os supported='no'/></domainCapabilities>")


def test_a_simulated_host_has_no_domain_capabilities(plain_host: Host) -> None:
    with pytest.raises(HostError) as caught:
        plain_host.domain_capabilities("x86_64")
    assert caught.value.operation == "read domain capabilities (x86_64 test)"


def test_node_file_uri_is_loaded_as_is(tmp_path: Path) -> None:
    node = tmp_path / "node.xml"
    node.write_text(
        "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>3</cores><threads>1</threads>"
        "<active>3</active><mhz>1000</mhz><model>i686</model></cpu><memory>1048576</memory></node>"
    )
    info = Host("file", f"test://{node}").info()
    assert (info.cpus, info.memory_mib, info.arch) == (3, 1024, "i686")


def test_sim_store_needs_a_test_uri(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Host("q", "qemu:///system", sim_store=tmp_path / "x.db")


def test_connect_failure_is_a_host_error(tmp_path: Path) -> None:
    host = Host("broken", f"test://{tmp_path}/missing.xml")
    with pytest.raises(HostError) as caught:
        host.info()
    assert caught.value.host == "broken"
    assert caught.value.operation == "connect"


def test_libvirt_errors_are_wrapped(plain_host: Host, capfd: pytest.CaptureFixture[str]) -> None:
    plain_host.define_domain(dom_spec(), META)
    with pytest.raises(HostError) as caught:  # same name, other UUID
        plain_host.define_domain(dom_spec(uuid="33333333-2222-4333-8444-555555555555"), META)
    err = caught.value
    assert err.host == "sim-a"
    assert err.operation == "define domain app"
    assert "already" in err.detail
    assert str(err).startswith("host 'sim-a': define domain app failed: ")
    assert not isinstance(err, libvirt.libvirtError)
    assert capfd.readouterr().err == ""  # libvirt's own error printer is silenced


def test_rejected_name_is_a_host_error(plain_host: Host) -> None:
    with pytest.raises(HostError) as caught:
        plain_host.define_domain(dom_spec(name="a/b"), META)
    assert caught.value.operation == "define domain a/b"


def test_missing_objects(plain_host: Host) -> None:
    assert plain_host.get_domain("nope") is None
    assert plain_host.get_network("nope") is None
    assert plain_host.pool_info("nope") is None
    assert plain_host.get_volume("nope", "v") is None
    with pytest.raises(NotFoundError):
        plain_host.start_domain("11111111-0000-4000-8000-000000000000")
    with pytest.raises(NotFoundError):
        plain_host.update_dhcp_host("nope", "add", "52:54:00:00:00:01", "10.0.0.2")
    with pytest.raises(NotFoundError):
        plain_host.list_volumes("nope")


def test_broken_connection_is_reopened_once(stored_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    stored_host.define_domain(dom_spec(), META)
    first = stored_host._connection()
    calls: list[libvirt.virConnect] = []

    def flaky(conn: libvirt.virConnect) -> str:
        calls.append(conn)
        if len(calls) == 1:
            raise _error(libvirt.VIR_ERR_SYSTEM_ERROR, "end of file while reading data")
        return conn.lookupByName("app").UUIDString()

    monkeypatch.setattr(Host, "_alive", lambda self, conn: False)
    assert stored_host._call("read domain app", flaky) == dom_spec().uuid
    assert calls[0] is first and calls[1] is not first  # a new connection, rebuilt from the store


def test_error_on_a_live_connection_is_not_retried(plain_host: Host) -> None:
    calls: list[int] = []

    def failing(conn: libvirt.virConnect) -> None:
        calls.append(1)
        raise _error(libvirt.VIR_ERR_INTERNAL_ERROR, "boom")

    with pytest.raises(HostError, match="boom"):
        plain_host._call("poke", failing)
    assert calls == [1]


def test_second_failure_after_reconnect_is_wrapped(plain_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Host, "_alive", lambda self, conn: False)

    def failing(conn: libvirt.virConnect) -> None:
        raise _error(libvirt.VIR_ERR_NO_CONNECT, "no connection driver")

    with pytest.raises(HostError) as caught:
        plain_host._call("poke", failing)
    assert caught.value.operation == "poke"


def test_threads_share_one_host(host: Host) -> None:
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            uuid = f"{i:08d}-0000-4000-8000-000000000000"
            for _ in range(20):
                host.define_domain(dom_spec(name=f"vm{i}", uuid=uuid), META)
                host.start_domain(uuid)
                host.set_memory(uuid, 256)
                host.stop_domain(uuid)
                host.delete_domain(uuid)
            host.define_domain(dom_spec(name=f"vm{i}", uuid=uuid), META)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(o.name for o in host.list_managed()) == [f"vm{i}" for i in range(8)]


def test_close_and_context_manager() -> None:
    with Host("ctx", "test:///default") as host:
        host.define_domain(dom_spec(), META)
    assert host.get_domain("app") is None  # a plain simulated host forgets on close
    assert repr(host) == "Host('ctx', 'test:///default')"


def test_network_filters_on_a_simulated_host(plain_host: Host) -> None:
    with pytest.raises(HostError) as caught:
        plain_host.define_nwfilter("<filter name='iaas-sg-x' chain='root'/>")
    assert caught.value.operation == "define network filter iaas-sg-x"
    plain_host.undefine_nwfilter("iaas-sg-x")  # nothing to undefine: fine
    assert plain_host.nwfilter_names() == []


def test_threads_asking_for_one_object_in_a_bulk_session_wait_for_one_read() -> None:
    host = Host("sim", "test:///default")
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()

    def read() -> str:
        calls.append(1)
        started.set()
        release.wait(10)
        return "leases"

    with host.bulk_reads(), ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(host._once, "key", read)
        assert started.wait(10)
        others = [pool.submit(host._once, "key", read) for _ in range(3)]
        release.set()
        assert [f.result(10) for f in (first, *others)] == ["leases"] * 4
    assert len(calls) == 1


def test_a_failed_read_in_a_bulk_session_is_read_again() -> None:
    host = Host("sim", "test:///default")
    answers = iter([HostError("sim", "read", "gone away"), "found"])

    def read() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with host.bulk_reads():
        with pytest.raises(HostError, match="gone away"):
            host._once("key", read)
        assert host._once("key", read) == "found"
        assert host._once("key", read) == "found"


def _counted_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = libvirt.open

    def counting(uri: str) -> libvirt.virConnect:
        opened.append(uri)
        return real(uri)

    monkeypatch.setattr(libvirt, "open", counting)
    return opened


def test_a_host_connected_ahead_is_opened_once_and_used_by_the_first_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _counted_opens(monkeypatch)
    host = Host("h", "test:///default", sim_store=tmp_path / "sim.db")
    try:
        host.define_domain(dom_spec(), META)
        host.close()
        host.connect_ahead()
        host.connect_ahead()  # already on its way: nothing more
        assert host.get_domain(UUID1) is not None
        assert len(opened) == 2  # the first life, then once ahead
    finally:
        host.close()


def test_a_failed_opening_ahead_is_reported_by_the_first_call_and_tried_again_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _counted_opens(monkeypatch)
    host = Host("broken", f"test://{tmp_path}/missing.xml")
    host.connect_ahead()
    with pytest.raises(HostError) as caught:
        host.info()
    assert (caught.value.host, caught.value.operation, len(opened)) == ("broken", "connect", 1)
    with pytest.raises(HostError):
        host.info()
    assert len(opened) == 2
