"""``pulumi-resource-iaas``: the plugin the Pulumi engine starts; it prints its port, then serves.

The gRPC plumbing is the Pulumi SDK's provider server; the only addition is
that an error iaas raises on purpose (a quota exceeded, an object in the
way) reaches the user as its message alone, without a Python traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from iaas.api import IaasError
from iaas_pulumi import VERSION
from iaas_pulumi.provider import IaasProvider

try:  # the message size limits the Pulumi SDK gives its own servers
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS as CHANNEL_OPTIONS
except ImportError:  # pragma: no cover - older or newer SDK layouts
    CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]

_VERBS = (
    "GetSchema",
    "CheckConfig",
    "DiffConfig",
    "Configure",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
    "Invoke",
)


def _plain_errors(verb: str) -> Any:
    inner = getattr(ProviderServicer, verb)

    async def method(self: ProviderServicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await inner(self, request, context)
        except Exception as exc:
            cause = exc if isinstance(exc, IaasError) else exc.__context__
            if isinstance(cause, IaasError):
                await context.abort(grpc.StatusCode.UNKNOWN, str(cause))
            raise

    method.__name__ = verb
    return method


Servicer = type("Servicer", (ProviderServicer,), {verb: _plain_errors(verb) for verb in _VERBS})


async def serve(engine_address: str, provider: IaasProvider) -> None:
    """Listen on a free loopback port, print it for the engine, and serve until stopped."""
    server = grpc.aio.server(options=CHANNEL_OPTIONS)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(
        Servicer([], VERSION, provider, engine_address=engine_address), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    await server.wait_for_termination()


def main(argv: list[str] | None = None) -> None:
    """Serve the provider over gRPC (the engine passes its own address as first argument)."""
    parser = argparse.ArgumentParser(prog="pulumi-resource-iaas", description="The iaas resource provider for Pulumi.")
    parser.add_argument("engine", nargs="?", default="", help="address of the Pulumi engine")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        print(VERSION)
        return
    try:
        asyncio.run(serve(args.engine, IaasProvider()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
