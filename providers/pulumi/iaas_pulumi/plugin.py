"""``pulumi-resource-iaas``: the plugin the Pulumi engine starts; it prints its port, then serves."""

from __future__ import annotations

import sys

from pulumi.provider.experimental.server import main as serve

from iaas_pulumi import VERSION
from iaas_pulumi.provider import IaasProvider


def main(argv: list[str] | None = None) -> None:
    """Serve the provider over gRPC on a loopback port (the engine passes its own address as argument)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--version"]:
        print(VERSION)
        return
    serve(args, VERSION, IaasProvider())


if __name__ == "__main__":
    main()
