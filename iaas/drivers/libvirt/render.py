"""Render libvirt XML from the jinja2 templates in ``templates/``.

Every value is escaped (autoescape is on) and every name a template uses must
be given (StrictUndefined), so a name like ``a<&'"b`` yields well-formed XML
and a missing value is an error rather than an empty string.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iaas.drivers.libvirt.specs import DhcpHost, DiskSpec, DomainSpec, Meta, NetworkSpec, NicSpec, VolumeSpec

TEMPLATE_DIR = Path(__file__).with_name("templates")

if TYPE_CHECKING:
    import jinja2


@functools.cache
def _env() -> jinja2.Environment:
    """The template environment, made on the first render (jinja2 is not loaded by a command that renders none)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **values: Any) -> str:
    """Render one template (file name in ``templates/``) with the given values."""
    return _env().get_template(template).render(**values).strip() + "\n"


def domain_xml(spec: DomainSpec, meta: Meta, *, domain_type: str, arch: str) -> str:
    """XML of a guest definition; ``domain_type`` is "kvm", "qemu" or "test"."""
    return render("domain.xml.j2", spec=spec, meta=meta, domain_type=domain_type, arch=arch)


def disk_xml(disk: DiskSpec) -> str:
    """XML of one disk device, as used for hotplug."""
    return render("disk.xml.j2", disk=disk)


def interface_xml(nic: NicSpec) -> str:
    """XML of one NIC device, as used for hotplug."""
    return render("interface.xml.j2", nic=nic)


def network_xml(spec: NetworkSpec, meta: Meta) -> str:
    """XML of a network definition."""
    return render("network.xml.j2", spec=spec, meta=meta)


def dhcp_host_xml(host: DhcpHost) -> str:
    """XML of one static DHCP host entry, as used by network updates."""
    return render("dhcp_host.xml.j2", host=host)


def dhcp_range_xml(start: str, end: str) -> str:
    """XML of a DHCP range, as used by network updates."""
    return render("dhcp_range.xml.j2", start=start, end=end)


def dns_host_xml(ip: str, names: tuple[str, ...]) -> str:
    """XML of one DNS host record (an address and its names), as used by network updates."""
    return render("dns_host.xml.j2", ip=ip, names=names)


def pool_xml(name: str, path: str) -> str:
    """XML of a directory storage pool."""
    return render("pool.xml.j2", name=name, path=path)


def volume_xml(spec: VolumeSpec) -> str:
    """XML of a volume to create."""
    return render("volume.xml.j2", spec=spec)
