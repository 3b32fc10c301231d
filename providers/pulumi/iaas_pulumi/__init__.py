"""The Pulumi face of iaas: a native resource provider and the code that derives its package.

The provider plugin (``pulumi-resource-iaas``) answers the Pulumi engine over
gRPC; the package schema, the typed Python SDK (``pulumi_iaas``) and the
per-kind documentation pages are all derived from :mod:`iaas.model`.
"""

from __future__ import annotations

from iaas import __version__

PACKAGE = "iaas"
MODULE = "index"
VERSION = __version__

__all__ = ["MODULE", "PACKAGE", "VERSION"]
