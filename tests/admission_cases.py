"""Plans every face must refuse with the same message: a cloud home holding network ``lan`` of stack ``base``."""

from __future__ import annotations

from pathlib import Path

from iaas import Cloud
from iaas.model import KINDS
from iaas.model.values import complete
from iaas.resources import Session

#: A second network overlapping ``lan``, and the field and message every face reports.
OVERLAPPING = {"name": "b", "cidr": "10.70.0.128/25"}
OVERLAP_ERROR = ("cidr", "10.70.0.128/25 overlaps 10.70.0.0/24 of network network.lan (stack base) on host default")
#: An instance whose fixed IP is outside ``lan`` (referred to by name), and the field and message every face reports.
OUTSIDE = {"name": "vm", "image": "deb", "flavor": "m1.tiny", "nics": [{"network": "lan", "fixed_ip": "10.71.0.5"}]}
OUTSIDE_ERROR = (
    "nics[0].fixed_ip",
    "10.71.0.5 is not a usable address of network network.lan (stack base) (10.70.0.0/24, gateway 10.70.0.1)",
)


def seed(home: Path, image: Path) -> None:
    """Make image ``deb`` and network ``lan`` (10.70.0.0/24) as stack ``base`` in the embedded cloud at ``home``."""
    image.write_bytes(b"QFI\xfb" + b"\0" * 1020)
    cloud = Cloud.open(None, home=home)
    try:
        session = Session(cloud, "base")
        for kind, inputs in (
            ("image", {"name": "deb", "source": str(image)}),
            ("network", {"name": "lan", "cidr": "10.70.0.0/24"}),
        ):
            session.create(kind, f"{kind}.{inputs['name']}", complete(KINDS[kind], inputs))
    finally:
        cloud.close()


def owners(home: Path) -> list[tuple[str, str, str | None]]:
    """(kind, name, stack) of every object the cloud at ``home`` manages."""
    cloud = Cloud.open(None, home=home)
    try:
        return sorted((r.kind, r.name, r.stack) for r in cloud.managed_objects())
    finally:
        cloud.close()
