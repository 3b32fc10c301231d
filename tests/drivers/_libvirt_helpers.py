"""Values shared by the driver tests."""

from __future__ import annotations

from iaas.drivers.libvirt import DomainSpec, Host, Meta, NetworkSpec

UUID1 = "11111111-2222-4333-8444-555555555555"
UUID2 = "22222222-2222-4333-8444-555555555555"
META = Meta(stack="web", address="instance.app", project="demo")


def reopened(host: Host) -> Host:
    """A fresh Host on the same sim store (what the next process would see)."""
    assert host.sim_store_path is not None
    host.close()
    return Host(host.name, host.uri, sim_store=host.sim_store_path)


def net_spec(name: str = "web-net", **kw: object) -> NetworkSpec:
    """A NAT network with a DHCP range."""
    values: dict[str, object] = dict(
        ipv4_address="10.10.0.1", ipv4_prefix=24, dhcp_start="10.10.0.100", dhcp_end="10.10.0.200"
    )
    values.update(kw)
    return NetworkSpec(name=name, **values)  # type: ignore[arg-type]


def dom_spec(name: str = "app", uuid: str = UUID1, **kw: object) -> DomainSpec:
    """A small guest without devices."""
    values: dict[str, object] = dict(vcpus=1, memory_mib=512)
    values.update(kw)
    return DomainSpec(name=name, uuid=uuid, **values)  # type: ignore[arg-type]
