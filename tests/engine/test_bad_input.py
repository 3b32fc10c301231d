"""Bad input gets a clear error naming the resource and field, and changes nothing."""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from pathlib import Path

import pytest

import iaas

from .conftest import PUBLIC_KEY


def _nothing_changed(engine: iaas.Engine) -> None:
    assert engine.resources() == {}
    assert engine.cloud.managed_objects() == []


def _fails(engine: iaas.Engine, stack: iaas.Stack, *fragments: str) -> iaas.ValidationError:
    with pytest.raises(iaas.ValidationError) as info:
        engine.apply(stack)
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, text
    _nothing_changed(engine)
    return info.value


def _yaml(tmp_path: Path, text: str) -> iaas.Stack:
    p = tmp_path / "stack.yaml"
    p.write_text(text)
    return iaas.Stack.load(str(p), "t")


def test_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(iaas.ValidationError, match=r"stack.yaml:4: frob.x: unknown kind 'frob'"):
        _yaml(tmp_path, "resources:\n  network: {}\n  frob:\n    x: {}\n")


def test_unknown_field_wrong_type_missing_field(engine: iaas.Engine, tmp_path: Path) -> None:
    stack = _yaml(
        tmp_path,
        """\
resources:
  network:
    web:
      cidr: 10.0.0.0/24
      colour: blue
      mtu: big
  instance:
    vm:
      image: ${image.nope}
""",
    )
    err = _fails(
        engine,
        stack,
        "network.web.colour: unknown field",
        "network.web.mtu: expected integer",
        "instance.vm.flavor: set a flavor",
        "refers to image.nope, which is not declared",
    )
    assert any(e.source and e.source.startswith(str(tmp_path)) for e in err.errors)
    _fails(engine, _yaml(tmp_path, "resources:\n  network:\n    web: {}\n"), "network.web.cidr: is required")


def test_cycle_names_every_node(engine: iaas.Engine) -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.KeyPair(name="a", public_key=PUBLIC_KEY), depends_on=["key_pair.c"])
    stack.add(iaas.KeyPair(name="b", public_key=PUBLIC_KEY), depends_on=["key_pair.a"])
    stack.add(iaas.KeyPair(name="c", public_key=PUBLIC_KEY), depends_on=["key_pair.b"])
    with pytest.raises(iaas.CycleError) as info:
        engine.apply(stack)
    assert sorted(info.value.cycles[0]) == ["key_pair.a", "key_pair.b", "key_pair.c"]
    _nothing_changed(engine)


def test_invalid_and_overlapping_cidrs(engine: iaas.Engine) -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.Network(name="a", cidr="10.0.0.0/16"))
    stack.add(iaas.Network(name="b", cidr="10.0.5.0/24"))
    _fails(engine, stack, "network.b.cidr: 10.0.5.0/24 overlaps 10.0.0.0/16 of network.a")
    stack = iaas.Stack("t")
    stack.add(iaas.Network(name="a", cidr="10.0.0.1/24"))
    _fails(engine, stack, "network.a.cidr: invalid IPv4 CIDR")


@pytest.mark.parametrize(
    ("ip", "message"),
    [
        ("10.2.0.5", "10.2.0.5 is outside network.n (10.1.0.0/24)"),
        ("10.1.0.0", "10.1.0.0 is the network address of network.n (10.1.0.0/24)"),
        ("10.1.0.255", "10.1.0.255 is the broadcast address of network.n (10.1.0.0/24)"),
        ("10.1.0.1", "10.1.0.1 is the gateway address of network.n (10.1.0.0/24)"),
    ],
)
def test_fixed_ip_outside_network_or_reserved(engine: iaas.Engine, tmp_path: Path, ip: str, message: str) -> None:
    img = tmp_path / "i.qcow2"
    img.write_bytes(b"x")
    stack = iaas.Stack("t")
    stack.add(iaas.Image(name="i", source=str(img)))
    net = stack.add(iaas.Network(name="n", cidr="10.1.0.0/24"))
    stack.add(iaas.Instance(name="vm", image="${image.i}", flavor="m1.tiny", nics=[iaas.Nic(network=net, fixed_ip=ip)]))
    _fails(engine, stack, f"instance.vm.nics[0].fixed_ip: {message}")


def test_duplicate_name() -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
    with pytest.raises(iaas.ValidationError, match="key_pair.k.name: duplicate name"):
        stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))


def test_duplicate_name_in_stack_file(tmp_path: Path) -> None:
    with pytest.raises(iaas.ValidationError, match="duplicate key 'k'"):
        _yaml(tmp_path, "resources:\n  key_pair:\n    k: {public_key: x}\n    k: {public_key: y}\n")


def test_malformed_public_key(engine: iaas.Engine) -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.KeyPair(name="k", public_key="ssh-rsa not-base64!"))
    _fails(engine, stack, "key_pair.k.public_key: malformed public key")


def test_quota_exceeded(engine: iaas.Engine, tmp_path: Path) -> None:
    img = tmp_path / "i.qcow2"
    img.write_bytes(b"x")
    stack = iaas.Stack("t")
    proj = stack.add(iaas.Project(name="team", quota=iaas.Quota(instances=1)))
    stack.add(iaas.Image(name="i", source=str(img)))
    for n in ("a", "b"):
        stack.add(iaas.Instance(name=n, image="${image.i}", flavor="m1.tiny", project=proj))
    _fails(engine, stack, "quota", "instances")


def test_host_without_capacity(engine: iaas.Engine, tmp_path: Path) -> None:
    img = tmp_path / "i.qcow2"
    img.write_bytes(b"x")
    stack = iaas.Stack("t")
    stack.add(iaas.Image(name="i", source=str(img)))
    stack.add(iaas.Instance(name="huge", image="${image.i}", vcpus=256, memory_mib=4 * 1024 * 1024))
    _fails(engine, stack, "instance.huge")


def test_corrupt_state_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "state.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(iaas.StateError, match="state.db"):
        with iaas.Engine.open("t", home=home) as engine:
            engine.plan(iaas.Stack("t"))


def _hold_lock(home: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with iaas.Engine.open("t", home=home) as engine, engine.store.lock("other apply", "apply"):
        ready.set()
        release.wait(30)


def test_locked_stack(home: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(home), ready, release))
    proc.start()
    try:
        assert ready.wait(30)
        with iaas.Engine.open("t", home=home) as engine:
            with pytest.raises(iaas.LockError, match="locked by other apply"):
                engine.apply(iaas.Stack("t"))
    finally:
        release.set()
        proc.join(30)
    with iaas.Engine.open("t", home=home, lock_timeout=5) as engine:
        engine.apply(iaas.Stack("t"))  # the lock is free again


def test_wrong_parallelism() -> None:
    with pytest.raises(iaas.ValidationError, match="parallelism"):
        iaas.Engine(None, None, parallelism=0)  # type: ignore[arg-type]


def test_stale_lock_does_not_exist_after_kill(home: Path) -> None:
    pid = os.fork()
    if pid == 0:  # child: take the lock and die without releasing it
        with iaas.Engine.open("t", home=home) as engine:
            engine.store.lock("doomed", "apply").__enter__()
            os._exit(0)
    os.waitpid(pid, 0)
    time.sleep(0.01)
    with iaas.Engine.open("t", home=home) as engine:
        engine.apply(iaas.Stack("t"))


def test_a_long_list_of_problems_is_cut_short_in_the_message_but_kept_whole() -> None:
    errors = [iaas.FieldError(f"key_pair.k{i}", "public_key", "is required") for i in range(120)]
    error = iaas.ValidationError(errors)
    lines = str(error).splitlines()
    assert lines[0] == "120 problems:" and len(lines) == 1 + 50 + 1
    assert lines[-1] == "  ... and 70 more"
    assert len(error.errors) == 120


@pytest.mark.parametrize(
    ("kind", "name", "fields"),
    [
        ("volume", "", {"size_gib": 1}),
        ("volume", "../../etc", {"size_gib": 1}),
        ("volume", "\x1b[2Jx", {"size_gib": 1}),
        ("network", "web lan", {"cidr": "10.62.0.0/24"}),
        ("key_pair", "a/b", {"public_key": PUBLIC_KEY}),
    ],
)
def test_a_bad_name_is_refused_before_anything_else_is_created(
    engine: iaas.Engine, kind: str, name: str, fields: dict[str, object]
) -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.Network(name="ok", cidr="10.61.0.0/24"))
    stack.add_raw(kind, name, fields)
    _fails(engine, stack, f"{kind}.", ".name: invalid name")
    with pytest.raises(iaas.ValidationError, match=r"\.name: invalid name"):
        engine.plan(stack)


def test_a_bad_stack_name_is_refused_at_plan(home: Path) -> None:
    with iaas.Engine.open("../x", home=home) as engine:
        stack = iaas.Stack("../x", [iaas.Network(name="ok", cidr="10.61.0.0/24")])
        _fails(engine, stack, "stack: invalid name '../x'")


def test_an_output_naming_an_attribute_the_kind_lacks_is_refused(engine: iaas.Engine) -> None:
    stack = iaas.Stack("t", [iaas.Network(name="ok", cidr="10.61.0.0/24")])
    stack.output("gw", "${network.ok.gateway}")
    stack.output("typo", "${network.ok.gatway}")
    _fails(engine, stack, "output.typo: ${network.ok.gatway} names no attribute of a network (attributes: name, cidr")


@pytest.mark.parametrize("what", ["missing", "directory", "device"])
def test_an_image_source_that_is_not_a_readable_file_is_refused_at_plan(
    engine: iaas.Engine, tmp_path: Path, what: str
) -> None:
    source = {"missing": tmp_path / "nope.qcow2", "directory": tmp_path, "device": Path("/dev/null")}[what]
    expected = {
        "missing": f"no such file: {source}",
        "directory": f"{source} is a directory, not an image file",
        "device": f"{source} is not a regular file (a device, a pipe or a socket)",
    }[what]
    stack = iaas.Stack("t", [iaas.Network(name="ok", cidr="10.61.0.0/24"), iaas.Image(name="img", source=str(source))])
    with pytest.raises(iaas.ValidationError, match=re.escape(f"image.img.source: {expected}")):
        engine.plan(stack)
    _fails(engine, stack, f"image.img.source: {expected}")


def test_an_image_source_given_by_url_is_not_read_at_plan(engine: iaas.Engine) -> None:
    stack = iaas.Stack("t", [iaas.Image(name="img", source="https://example.invalid/x.qcow2")])
    assert engine.plan(stack).count("create") == 1


def test_an_ipv6_subnet_is_refused_before_anything_is_touched(engine: iaas.Engine) -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.Network(name="v6", cidr="10.20.0.0/24", ipv6_cidr="fd00::/64"))
    _fails(engine, stack, "network.v6.ipv6_cidr: IPv6 subnets are not supported yet")
