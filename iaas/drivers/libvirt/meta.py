"""The iaas metadata element that marks every domain and network iaas makes.

It lives in the object's ``<metadata>``::

    <iaas:resource xmlns:iaas="https://iaas.dev/xmlns/resource/1">
      <iaas:stack>web</iaas:stack>
      <iaas:address>instance.app</iaas:address>
      <iaas:project>default</iaas:project>
    </iaas:resource>

Templates render it; :func:`parse_meta` reads it back from an object's XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from iaas.drivers.libvirt.specs import Meta

#: XML namespace of the iaas metadata element.
META_NS = "https://iaas.dev/xmlns/resource/1"
#: Prefix used for it in rendered XML.
META_PREFIX = "iaas"


def meta_from_element(root: ET.Element) -> Meta | None:
    """Read the iaas metadata below ``root`` (an already parsed object), if any."""
    found = root.find(f".//{{{META_NS}}}resource")
    if found is None and root.tag == f"{{{META_NS}}}resource":
        found = root
    if found is None:
        return None

    def text(tag: str) -> str:
        child = found.find(f"{{{META_NS}}}{tag}")
        return (child.text or "") if child is not None else ""

    return Meta(stack=text("stack"), address=text("address"), project=text("project"))


def parse_meta(xml: str) -> Meta | None:
    """Read the iaas metadata from a domain's or network's XML.

    Returns None when the object carries no iaas metadata (it was not made by
    iaas).  Missing child elements read as empty strings.
    """
    return meta_from_element(ET.fromstring(xml))
