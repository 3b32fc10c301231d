"""A Terraform provider for iaas: the real Terraform CLI plans and applies iaas resources.

Terraform starts the ``terraform-provider-iaas`` executable (see :mod:`iaas_terraform.plugin`) and
talks to it with the plugin protocol, version 6.  Every resource type is a kind of iaas, its
schema derived from the iaas model; validation, plans and changes are the iaas core's.
"""

from __future__ import annotations

from iaas import __version__

#: Registry address users write in ``required_providers`` (``source``), as this project documents it.
SOURCE = "terraform.local/iaas/iaas"

__all__ = ["SOURCE", "__version__"]
