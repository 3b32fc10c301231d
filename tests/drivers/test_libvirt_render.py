"""Templates: escaping, strictness, and reading rendered XML back into equal specs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jinja2
import pytest

from iaas.drivers.libvirt import (
    DhcpHost,
    DiskSpec,
    DomainSpec,
    Meta,
    NetworkSpec,
    NicSpec,
    VolumeSpec,
    parse_meta,
    readback,
    render,
)
from iaas.drivers.libvirt.meta import META_NS
from tests.drivers._libvirt_helpers import META, UUID1

NASTY = "a<&'\"b"


def full_domain(name: str = "web-1") -> DomainSpec:
    return DomainSpec(
        name=name,
        uuid=UUID1,
        vcpus=2,
        memory_mib=1024,
        max_vcpus=4,
        max_memory_mib=2048,
        disks=[
            DiskSpec("vda", pool="default", volume="iaas-root.qcow2"),
            DiskSpec("vdb", path="/var/lib/iaas/data.img", format="raw", serial="vol-1"),
        ],
        nics=[
            NicSpec("web-net", "52:54:00:AA:00:01", filter="iaas-sg", filter_params={"IP": "10.0.0.5"}),
            NicSpec("db-net", "52:54:00:aa:00:02"),
        ],
        cdrom="/var/lib/iaas/seed.iso",
        console_log="/var/log/iaas/web-1.log",
        kernel="/boot/vmlinuz",
        initrd="/boot/initrd.img",
        cmdline="console=ttyS0 root=/dev/vda",
    )


def test_domain_xml_reads_back_equal() -> None:
    spec = full_domain()
    xml = render.domain_xml(spec, META, domain_type="qemu", arch="x86_64")
    assert readback.domain_spec(xml) == spec
    root = ET.fromstring(xml)
    assert root.get("type") == "qemu"
    assert root.find("features/acpi") is not None
    assert root.find("os/type").get("arch") == "x86_64"  # type: ignore[union-attr]
    assert root.find("os/boot") is None  # direct kernel boot


def test_domain_without_kernel_boots_from_disk() -> None:
    spec = DomainSpec("plain", UUID1, vcpus=1, memory_mib=256)
    xml = render.domain_xml(spec, META, domain_type="kvm", arch="x86_64")
    root = ET.fromstring(xml)
    assert root.find("os/boot").get("dev") == "hd"  # type: ignore[union-attr]
    assert root.find("devices/serial") is None
    assert readback.domain_spec(xml) == spec


def test_values_are_escaped_in_every_template() -> None:
    meta = Meta(stack=NASTY, address=NASTY, project=NASTY)
    dom = render.domain_xml(
        DomainSpec(
            NASTY,
            UUID1,
            1,
            256,
            disks=[DiskSpec("vda", path=f"/p/{NASTY}")],
            nics=[NicSpec(NASTY, "52:54:00:00:00:01", filter=NASTY, filter_params={NASTY: NASTY})],
            cdrom=NASTY,
            console_log=NASTY,
            kernel=NASTY,
            cmdline=NASTY,
        ),
        meta,
        domain_type="test",
        arch="x86_64",
    )
    parsed = readback.domain_spec(dom)
    assert parsed.name == NASTY and parsed.cmdline == NASTY and parsed.cdrom == NASTY
    assert parsed.disks[0].path == f"/p/{NASTY}"
    assert parsed.nics[0].network == NASTY and parsed.nics[0].filter_params == ((NASTY, NASTY),)
    assert parse_meta(dom) == meta

    net = render.network_xml(
        NetworkSpec(
            NASTY,
            bridge=NASTY,
            dns_domain=NASTY,
            ipv4_address="10.0.0.1",
            ipv4_prefix=24,
            dhcp_hosts=[DhcpHost("52:54:00:00:00:01", "10.0.0.2", NASTY)],
        ),
        meta,
    )
    back = readback.network_spec(net)
    assert (back.name, back.bridge, back.dns_domain, back.dhcp_hosts[0].name) == (NASTY,) * 4
    assert parse_meta(net) == meta

    vol = ET.fromstring(render.volume_xml(VolumeSpec(NASTY, 1, backing_path=NASTY)))
    assert vol.findtext("name") == NASTY and vol.findtext("backingStore/path") == NASTY
    pool = ET.fromstring(render.pool_xml(NASTY, NASTY))
    assert pool.findtext("name") == NASTY and pool.findtext("target/path") == NASTY


def test_missing_template_value_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render.render("pool.xml.j2", name="only-a-name")


@pytest.mark.parametrize("mode", ["nat", "isolated", "routed"])
def test_network_xml_reads_back_equal(mode: str) -> None:
    spec = NetworkSpec(
        "n1",
        uuid=UUID1,
        mode=mode,
        bridge="virbr7",
        ipv4_address="10.1.0.1",  # type: ignore[arg-type]
        ipv4_prefix=24,
        dhcp_start="10.1.0.10",
        dhcp_end="10.1.0.20",
        dhcp_hosts=[DhcpHost("52:54:00:00:00:01", "10.1.0.5", "h1"), DhcpHost("52:54:00:00:00:02", "10.1.0.6")],
        dns_domain="example.test",
        mtu=1400,
    )
    assert readback.network_spec(render.network_xml(spec, META)) == spec


def test_network_without_ip_has_no_dhcp() -> None:
    spec = NetworkSpec("l2only", mode="isolated")
    root = ET.fromstring(render.network_xml(spec, META))
    assert root.find("ip") is None and root.find("forward") is None
    assert readback.network_spec(render.network_xml(spec, META)) == spec


def test_meta_element_shape() -> None:
    root = ET.fromstring(render.network_xml(NetworkSpec("n"), META))
    resource = root.find(f"metadata/{{{META_NS}}}resource")
    assert resource is not None
    assert [c.tag.split("}")[1] for c in resource] == ["stack", "address", "project"]


def test_parse_meta_absent_and_partial() -> None:
    assert parse_meta("<domain><name>x</name></domain>") is None
    partial = f'<domain><metadata><r:resource xmlns:r="{META_NS}"><r:stack>s</r:stack></r:resource></metadata></domain>'
    assert parse_meta(partial) == Meta(stack="s", address="", project="")


def test_spec_invariants() -> None:
    with pytest.raises(ValueError):
        DiskSpec("vda")
    with pytest.raises(ValueError):
        DiskSpec("vda", path="/x", pool="p", volume="v")
    with pytest.raises(ValueError):
        NetworkSpec("n", ipv4_address="10.0.0.1")
    with pytest.raises(ValueError):
        NetworkSpec("n", dhcp_start="10.0.0.2", dhcp_end="10.0.0.3")
    with pytest.raises(ValueError):
        DomainSpec("d", UUID1, 1, 256, cmdline="quiet")
    assert NicSpec("n", "52:54:00:AB:CD:EF").mac == "52:54:00:ab:cd:ef"


def test_sizes_with_units() -> None:
    assert readback.to_bytes(ET.fromstring("<c unit='KiB'>2</c>")) == 2048
    assert readback.to_bytes(ET.fromstring("<c unit='G'>1</c>")) == 2**30
    assert readback.to_bytes(ET.fromstring("<c>7</c>")) == 7
    assert readback.to_bytes(None) == 0
