"""list_managed: everything iaas made is findable, nothing else is listed."""

from __future__ import annotations

from iaas.drivers.libvirt import Host, ManagedObject, VolumeSpec
from tests.drivers._libvirt_helpers import META, UUID1, dom_spec, net_spec


def test_lists_marked_objects_only(host: Host) -> None:
    net = host.define_network(net_spec(), META)
    host.define_domain(dom_spec(), META)
    host.ensure_pool("iaas", "/var/lib/iaas/images")
    host.create_volume("iaas", VolumeSpec("iaas-root.qcow2", 2**30))
    host.create_volume("iaas", VolumeSpec("someone-elses.qcow2", 2**30))
    # objects made by others: no iaas metadata
    host._call(
        "foreign",
        lambda conn: conn.defineXML(
            "<domain type='test'><name>foreign</name><memory>1024</memory><os><type>hvm</type></os></domain>"
        ),
    )
    host._call("foreign", lambda conn: conn.networkDefineXML("<network><name>foreign-net</name></network>"))
    assert host.list_managed() == [
        ManagedObject("domain", "app", UUID1, META),
        ManagedObject("network", "web-net", net.uuid, META),
        ManagedObject("volume", "iaas-root.qcow2", None, None, pool="iaas"),
    ]


def test_empty_host(host: Host) -> None:
    assert host.list_managed() == []


def test_deleted_objects_disappear(host: Host) -> None:
    net = host.define_network(net_spec(), META)
    host.define_domain(dom_spec(), META)
    host.delete_domain(UUID1)
    host.delete_network(net.uuid)
    assert host.list_managed() == []
