"""Drive the provider plugin the way the Pulumi engine does: a subprocess that prints its port, then gRPC."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto.provider_pb2_grpc import ResourceProviderStub
from pulumi.runtime.rpc import UNKNOWN

from iaas_pulumi.names import pascal

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def secret(value: Any) -> dict[str, Any]:
    """A value wrapped as a secret, as the engine sends it."""
    return {SECRET_SIG: SECRET_VALUE, "value": value}


def is_secret(value: Any) -> bool:
    """True for a secret-wrapped value."""
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE


def reveal(value: Any) -> Any:
    """The value inside a secret wrapper (or the value itself)."""
    return value["value"] if is_secret(value) else value


def struct(values: dict[str, Any] | None) -> struct_pb2.Struct:
    """A protobuf Struct from plain values."""
    s = struct_pb2.Struct()
    s.update(values or {})
    return s


def _plain_value(v: struct_pb2.Value) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "struct_value":
        return plain(v.struct_value)
    if kind == "list_value":
        return [_plain_value(x) for x in v.list_value.values]
    return None if kind in (None, "null_value") else getattr(v, kind)


def plain(s: struct_pb2.Struct) -> dict[str, Any]:
    """Plain values from a protobuf Struct (infinite numbers included)."""
    return {k: _plain_value(v) for k, v in s.fields.items()}


def urn(kind: str, name: str, stack: str = "dev", project: str = "proj") -> str:
    """The URN of a resource of a kind."""
    return f"urn:pulumi:{stack}::{project}::iaas:index:{pascal(kind)}::{name}"


def plugin_command() -> list[str]:
    """The installed plugin executable, else the module."""
    exe = Path(sys.executable).parent / "pulumi-resource-iaas"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "iaas_pulumi"]


class Plugin:
    """A running provider plugin and a stub to call it."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None):
        environ = {k: v for k, v in os.environ.items() if not k.startswith("IAAS_")}
        environ.update(env or {})
        self.proc = subprocess.Popen(
            [*plugin_command(), "127.0.0.1:1"], cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            self.proc.kill()
            raise RuntimeError(f"the plugin printed {line!r}, not a port: {self.proc.stderr.read().decode()}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = ResourceProviderStub(self.channel)

    def close(self) -> None:
        """Stop the plugin."""
        self.channel.close()
        self.proc.terminate()
        self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    # -------------------------------------------------------------- the verbs, with plain values

    def configure(self, args: dict[str, Any] | None = None, variables: dict[str, str] | None = None) -> Any:
        """Configure the provider."""
        return self.stub.Configure(
            proto.ConfigureRequest(
                args=struct(args), variables=variables or {}, acceptSecrets=True, acceptResources=True
            )
        )

    def check(
        self, kind: str, name: str, news: dict[str, Any], olds: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Check: (inputs, [(property, reason)])."""
        r = self.stub.Check(
            proto.CheckRequest(urn=urn(kind, name), olds=struct(olds), news=struct(news), randomSeed=b"0" * 32)
        )
        return plain(r.inputs), [(f.property, f.reason) for f in r.failures]

    def diff(
        self, kind: str, name: str, id: str, olds: dict[str, Any], news: dict[str, Any], ignore: list[str] | None = None
    ) -> Any:
        """Diff."""
        return self.stub.Diff(
            proto.DiffRequest(
                urn=urn(kind, name), id=id, olds=struct(olds), news=struct(news), ignoreChanges=ignore or []
            )
        )

    def create(self, kind: str, name: str, props: dict[str, Any], preview: bool = False) -> tuple[str, dict]:
        """Create: (id, properties)."""
        r = self.stub.Create(proto.CreateRequest(urn=urn(kind, name), properties=struct(props), preview=preview))
        return r.id, plain(r.properties)

    def read(
        self, kind: str, name: str, id: str, props: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None
    ) -> tuple[str, dict, dict]:
        """Read: (id, properties, inputs)."""
        r = self.stub.Read(
            proto.ReadRequest(urn=urn(kind, name), id=id, properties=struct(props), inputs=struct(inputs))
        )
        return r.id, plain(r.properties), plain(r.inputs)

    def update(
        self, kind: str, name: str, id: str, olds: dict[str, Any], news: dict[str, Any], preview: bool = False
    ) -> dict[str, Any]:
        """Update: the new properties."""
        r = self.stub.Update(
            proto.UpdateRequest(urn=urn(kind, name), id=id, olds=struct(olds), news=struct(news), preview=preview)
        )
        return plain(r.properties)

    def delete(self, kind: str, name: str, id: str, props: dict[str, Any]) -> None:
        """Delete."""
        self.stub.Delete(proto.DeleteRequest(urn=urn(kind, name), id=id, properties=struct(props)))


__all__ = ["UNKNOWN", "Plugin", "is_secret", "plain", "reveal", "secret", "struct", "urn"]
