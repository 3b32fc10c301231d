"""An instance's virtual hardware in the domain XML, read back, and what a host's capabilities offer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from iaas.drivers.libvirt import DiskSpec, DomainSpec, Host, readback, render
from tests.drivers._libvirt_helpers import META, dom_spec

DATA = Path(__file__).parent / "data"


def hardware_spec(**kw: object) -> DomainSpec:
    values: dict[str, object] = dict(
        cpu_mode="Nehalem",
        machine="q35",
        firmware="uefi",
        secure_boot=True,
        tpm=True,
        boot=("network", "disk"),
        graphics="vnc",
        disks=[DiskSpec("sda", path="/r.qcow2", bus="scsi"), DiskSpec("sdb", path="/d.raw", format="raw", bus="scsi")],
        cdrom="/seed.iso",
    )
    values.update(kw)
    return dom_spec(**values)


def xml_of(spec: DomainSpec) -> ET.Element:
    return ET.fromstring(render.domain_xml(spec, META, domain_type="qemu", arch="x86_64"))


def test_hardware_is_rendered_as_libvirt_expects_it() -> None:
    root = xml_of(hardware_spec())
    assert root.find("os").get("firmware") == "efi"
    assert root.find("os/type").get("machine") == "q35"
    features = {f.get("name"): f.get("enabled") for f in root.findall("os/firmware/feature")}
    assert features == {"secure-boot": "yes", "enrolled-keys": "yes"}
    assert root.find("features/smm").get("state") == "on"  # secure boot needs SMM
    assert [b.get("dev") for b in root.findall("os/boot")] == ["network", "hd"]
    assert (root.find("cpu").get("mode"), root.find("cpu/model").text) == ("custom", "Nehalem")
    assert root.find("devices/controller[@type='scsi']").get("model") == "virtio-scsi"
    assert [d.find("target").get("bus") for d in root.findall("devices/disk[@device='disk']")] == ["scsi", "scsi"]
    cdrom = root.find("devices/disk[@device='cdrom']")
    assert (cdrom.find("target").get("dev"), cdrom.find("target").get("bus")) == ("sdz", "scsi")  # q35 has no IDE
    assert cdrom.find("address").attrib == {"type": "drive", "controller": "0", "bus": "0", "target": "1", "unit": "0"}
    assert root.find("devices/tpm/backend").attrib == {"type": "emulator", "version": "2.0"}
    graphics = root.find("devices/graphics")
    assert (graphics.get("type"), graphics.get("autoport"), graphics.find("listen").get("address")) == (
        "vnc",
        "yes",
        "127.0.0.1",
    )


def test_the_defaults_render_as_before() -> None:
    root = xml_of(dom_spec(disks=[DiskSpec("vda", path="/r.qcow2")], cdrom="/seed.iso"))
    assert root.find("os").get("firmware") is None and root.find("os/type").get("machine") is None
    assert root.find("cpu") is None and root.find("devices/tpm") is None and root.find("devices/graphics") is None
    assert [b.get("dev") for b in root.findall("os/boot")] == ["hd"]
    assert root.find("devices/controller") is None
    cdrom = root.find("devices/disk[@device='cdrom']/target")
    assert (cdrom.get("dev"), cdrom.get("bus")) == ("hdc", "ide")


@pytest.mark.parametrize("mode", ["host-model", "host-passthrough", "maximum"])
def test_cpu_modes_render_as_modes(mode: str) -> None:
    cpu = xml_of(dom_spec(cpu_mode=mode)).find("cpu")
    assert cpu.get("mode") == mode and cpu.find("model") is None


def test_on_q35_the_seed_cdrom_brings_its_scsi_controller() -> None:
    root = xml_of(dom_spec(machine="pc-q35-7.2", disks=[DiskSpec("vda", path="/r.qcow2")], cdrom="/seed.iso"))
    assert [c.get("model") for c in root.findall("devices/controller")] == ["virtio-scsi"]
    assert root.find("devices/disk[@device='cdrom']/target").get("bus") == "scsi"


def test_uefi_without_secure_boot_asks_for_firmware_without_it() -> None:
    root = xml_of(dom_spec(firmware="uefi", machine="q35"))
    assert {f.get("name"): f.get("enabled") for f in root.findall("os/firmware/feature")} == {
        "secure-boot": "no",
        "enrolled-keys": "no",
    }
    assert root.find("features/smm") is None


def test_hardware_reads_back_equal_from_a_simulated_host(host: Host) -> None:
    spec = hardware_spec()
    info = host.define_domain(spec, META)
    assert info.spec == spec
    assert readback.domain_spec(render.domain_xml(spec, META, domain_type="qemu", arch="x86_64")) == spec


def test_the_graphics_address_comes_from_the_live_port() -> None:
    live = "<domain><devices><graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'>"
    live += "<listen type='address' address='127.0.0.1'/></graphics></devices></domain>"
    assert readback.graphics_address(live) == "127.0.0.1:5901"
    assert readback.graphics_address(live.replace("5901", "-1")) is None  # not started: no port yet
    assert readback.graphics_address("<domain><devices/></domain>") is None


def test_guest_caps_of_a_tcg_host() -> None:
    q35 = readback.guest_caps((DATA / "domcaps-q35-tcg.xml").read_text())
    assert q35.machine == "pc-q35-7.2"
    assert "host-model" in q35.cpu_modes and "maximum" in q35.cpu_modes
    assert "host-passthrough" not in q35.cpu_modes  # TCG cannot give the host's own CPU
    assert {"Nehalem", "Skylake-Client", "qemu64"} <= q35.cpu_models
    assert q35.uefi and q35.secure_boot and q35.tpm_emulator
    assert "ide" not in q35.disk_buses and {"virtio", "scsi", "sata"} <= q35.disk_buses
    assert {"vnc", "spice"} <= q35.graphics
    pc = readback.guest_caps((DATA / "domcaps-pc-tcg.xml").read_text())
    assert pc.uefi and not pc.secure_boot and "ide" in pc.disk_buses


def test_machine_types_include_the_short_aliases() -> None:
    caps = """<capabilities><guest><os_type>hvm</os_type><arch name='x86_64'>
      <machine maxCpus='255'>pc-i440fx-7.2</machine><machine canonical='pc-i440fx-7.2'>pc</machine>
      <machine canonical='pc-q35-7.2'>q35</machine><machine>pc-q35-7.2</machine>
      <domain type='qemu'/><domain type='kvm'><machine>kvm-only</machine></domain></arch></guest>
      <guest><arch name='aarch64'><machine>virt</machine><domain type='qemu'/></arch></guest></capabilities>"""
    assert readback.machine_types(caps, "x86_64", "qemu") == {"pc-i440fx-7.2", "pc", "q35", "pc-q35-7.2"}
    assert "kvm-only" in readback.machine_types(caps, "x86_64", "kvm")
