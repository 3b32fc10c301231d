"""The plugin process: handshake line, TLS on a private Unix socket, the protocol over gRPC, Shutdown."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import msgpack
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from tf.gen import grpc_controller_pb2, grpc_controller_pb2_grpc, tfplugin_pb2, tfplugin_pb2_grpc

from iaas_terraform.plugin import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, MAX_MESSAGE
from tests.terraform.conftest import KEY


class Plugin:
    """A running provider process, as Terraform starts it."""

    def __init__(self, home: Path, tls: bool = True):
        env = {
            **os.environ,
            MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE,
            "PLUGIN_PROTOCOL_VERSIONS": "5,6",
            "IAAS_HOME": str(home),
        }
        if not tls:
            env["TF_DISABLE_PLUGIN_TLS"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "iaas_terraform"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.line = self.proc.stdout.readline().rstrip("\n")
        core, proto, network, self.address, wire, cert = self.line.split("|")
        assert (core, proto, network, wire) == ("1", "6", "unix", "grpc")
        self.cert = x509.load_der_x509_certificate(base64.b64decode(cert + "=" * (-len(cert) % 4))) if cert else None
        options = [("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.ssl_target_name_override", "localhost")]
        if self.cert is not None:
            creds = grpc.ssl_channel_credentials(self.cert.public_bytes(serialization.Encoding.PEM))
            self.channel = grpc.secure_channel(f"unix:{self.address}", creds, options=options)
        else:
            self.channel = grpc.insecure_channel(f"unix:{self.address}", options=options)
        self.provider = tfplugin_pb2_grpc.ProviderStub(self.channel)
        self.raw_cert = cert

    def shutdown(self) -> tuple[int, str, str]:
        """Call Shutdown; return the exit code and what was left on stdout and stderr."""
        grpc_controller_pb2_grpc.GRPCControllerStub(self.channel).Shutdown(grpc_controller_pb2.Empty())
        out, err = self.proc.communicate(timeout=60)
        self.channel.close()
        return self.proc.returncode, out, err


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[Plugin]:
    p = Plugin(tmp_path / "home")
    yield p
    if p.proc.poll() is None:
        p.proc.kill()
        p.proc.wait()


def _dv(value: object) -> tfplugin_pb2.DynamicValue:
    return tfplugin_pb2.DynamicValue(msgpack=msgpack.packb(value))


def test_handshake_tls_and_shutdown(plugin: Plugin) -> None:
    socket_dir = Path(plugin.address).parent
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
    assert not plugin.raw_cert.endswith("=")
    assert plugin.cert is not None
    san = plugin.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    schema = plugin.provider.GetProviderSchema(tfplugin_pb2.GetProviderSchema.Request())
    assert "iaas_instance" in schema.resource_schemas and "iaas_image" in schema.data_source_schemas
    code, out, _ = plugin.shutdown()
    assert code == 0 and out == ""  # nothing on stdout but the handshake line
    assert not socket_dir.exists()


def test_calls_over_grpc_and_stop(plugin: Plugin) -> None:
    p = plugin.provider
    assert not p.ConfigureProvider(
        tfplugin_pb2.ConfigureProvider.Request(config=_dv({"home": None, "cloud": None, "stack": "t"}))
    ).diagnostics
    bad = p.ValidateResourceConfig(
        tfplugin_pb2.ValidateResourceConfig.Request(
            type_name="iaas_network", config=_dv({"name": "n", "cidr": "300.0.0.0/8"})
        )
    )
    assert [d.attribute.steps[0].attribute_name for d in bad.diagnostics] == ["cidr"]
    p.StopProvider(tfplugin_pb2.StopProvider.Request())
    planned = p.PlanResourceChange(
        tfplugin_pb2.PlanResourceChange.Request(
            type_name="iaas_key_pair",
            prior_state=_dv(None),
            proposed_new_state=_dv({"name": "k"}),
            config=_dv({"name": "k", "public_key": KEY}),
        )
    )
    assert planned.diagnostics and "stopping" in planned.diagnostics[0].summary
    assert plugin.shutdown()[0] == 0


def test_plaintext_when_tls_is_off(tmp_path: Path) -> None:
    p = Plugin(tmp_path, tls=False)
    assert p.line.endswith("|grpc|") and p.cert is None
    assert p.provider.GetProviderSchema(tfplugin_pb2.GetProviderSchema.Request()).provider.block.attributes
    assert p.shutdown()[0] == 0


def test_refuses_to_run_outside_terraform() -> None:
    env = {k: v for k, v in os.environ.items() if k != MAGIC_COOKIE_KEY}
    done = subprocess.run([sys.executable, "-m", "iaas_terraform"], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == "" and "Terraform provider" in done.stderr
    env = {**env, MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "4,5"}
    done = subprocess.run([sys.executable, "-m", "iaas_terraform"], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == "" and "protocol 6" in done.stderr
