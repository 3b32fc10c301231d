"""What one racing process does: open the shared cloud home, wait for the others, create one instance."""

from __future__ import annotations

from typing import Any

from iaas import Cloud
from iaas.model import KINDS
from iaas.model.values import complete
from iaas.resources import Session


def create_instance(config: dict[str, Any], home: str, stack: str, inputs: dict[str, Any], barrier: Any) -> str:
    """Create ``inputs`` as ``instance.vm`` of ``stack`` once every racer is ready; the outcome's class name."""
    cloud = Cloud.open(config, home=home)
    try:
        full = complete(KINDS["instance"], {"name": stack, **inputs})
        session = Session(cloud, stack)
        barrier.wait()
        try:
            session.create("instance", "instance.vm", full)
        except Exception as exc:  # the outcome is what the test counts
            return f"{type(exc).__name__}: {exc}"
        return "created"
    finally:
        cloud.close()
