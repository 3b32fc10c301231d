"""A host whose libvirtd stops answering: calls fail in bounded time naming it; other hosts work on."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import iaas
from iaas.drivers.libvirt import Host
from iaas.errors import HostError
from tests.integration.conftest import NamespacedHost, TinyGuest, _host

pytestmark = pytest.mark.realhost

TIMEOUT = 2  # the stuck host's timeout in these tests
GUARD = 120.0  # a call still running after this long counts as hung (far above the bound)


def _daemon_pid(host: NamespacedHost) -> int:
    return int((host.dir / "run" / "libvirtd.pid").read_text().strip())


@pytest.fixture
def stuck(
    realhost_factory: dict[str, NamespacedHost], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NamespacedHost]:
    """A host whose libvirtd is stopped (SIGSTOP) by :func:`freeze` and resumed at the end."""
    host = _host(realhost_factory, "stuck", tmp_path_factory)
    yield host
    os.kill(_daemon_pid(host), signal.SIGCONT)


def freeze(host: NamespacedHost) -> None:
    """Stop the host's libvirtd: its socket still accepts connections, nothing answers."""
    os.kill(_daemon_pid(host), signal.SIGSTOP)


def bounded(call: Callable[[], object]) -> BaseException | None:
    """Run ``call`` in a thread; the exception it raised (None if none).  Fails the test if it hangs."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GUARD)
    assert outcome, f"the call was still blocked after {GUARD:g} s"
    return outcome[0]


def test_a_call_on_an_open_connection_and_a_new_connection_fail_naming_the_host(stuck: NamespacedHost) -> None:
    with Host("stuck", stuck.uri, timeout=TIMEOUT) as connected, Host("stuck", stuck.uri, timeout=TIMEOUT) as fresh:
        assert connected.info().cpus > 0  # open before the daemon stops
        freeze(stuck)
        for host in (connected, fresh):
            error = bounded(host.info)
            assert isinstance(error, HostError), error
            assert error.host == "stuck"
            assert f"no answer from libvirtd within {TIMEOUT} s" in str(error), error
        assert isinstance(bounded(fresh.info), HostError)  # again: the pending open is not waited for twice


def test_a_stack_on_a_healthy_host_applies_while_another_host_hangs(
    stuck: NamespacedHost, realhost2: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    stack = iaas.Stack("healthy")
    lan = stack.add(iaas.Network(name="lan", cidr="10.93.0.0/24", mode="isolated", host="h2"))
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    stack.add(
        iaas.Instance(
            name="vm", image=image, host="h2", vcpus=1, memory_mib=128, root_disk_gib=1, nics=[iaas.Nic(network=lan)]
        )
    )
    cloud = {
        "hosts": [{**stuck.config(), "timeout": TIMEOUT}, realhost2.config()],
        "home": str(tmp_path / "cloud"),
    }
    freeze(stuck)
    with iaas.Engine.open("healthy", home=tmp_path, cloud=cloud) as engine:
        try:
            assert bounded(lambda: engine.apply(stack)) is None
            assert engine.store.get("instance.vm").outputs["host"] == "h2"  # type: ignore[union-attr]
            plan: list[iaas.Plan] = []
            assert bounded(lambda: plan.append(engine.plan(stack, refresh=True))) is None
            assert plan[0].empty
        finally:
            os.kill(_daemon_pid(stuck), signal.SIGCONT)  # the image is on every host that answered
            assert bounded(engine.destroy) is None
    with Host("h2", realhost2.uri) as h2:
        assert h2.list_managed() == []
