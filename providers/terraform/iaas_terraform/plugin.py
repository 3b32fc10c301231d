"""The plugin process Terraform starts: handshake, TLS over a private Unix socket, clean shutdown.

Terraform starts ``terraform-provider-iaas`` with ``TF_PLUGIN_MAGIC_COOKIE`` set and reads one
line from its standard output: ``1|6|unix|<socket>|grpc|<certificate>``.  The provider serves
gRPC with TLS (a fresh self-signed certificate, sent in that line) on a socket inside a new
directory only its user can enter, and exits when Terraform calls ``Shutdown``.  Nothing else
is ever written to standard output: logs go to standard error, which Terraform records with
``TF_LOG``.
"""

from __future__ import annotations

import base64
import datetime
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from typing import IO, Any

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL = 1
PROTOCOL = 6
MAX_MESSAGE = 256 * 1024 * 1024
WORKERS = 16

log = logging.getLogger("iaas_terraform")

_NOT_A_COMMAND = """\
terraform-provider-iaas is a Terraform provider: Terraform starts it, people do not.
Point Terraform at it with a CLI configuration (dev_overrides or a filesystem_mirror); see
docs/terraform.md of iaas.
"""


def certificate() -> tuple[bytes, bytes, str]:
    """A fresh self-signed server certificate for ``localhost``: (key PEM, certificate PEM, base64 DER)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "localhost"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "iaas")]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_agreement=True,
                key_cert_sign=True,
                content_commitment=False,
                data_encipherment=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), base64.b64encode(der).decode().rstrip("=")


class _Controller:
    """go-plugin's controller service: ``Shutdown`` ends the process."""

    def __init__(self, done: threading.Event):
        self.done = done

    def Shutdown(self, request: Any, context: Any) -> Any:  # noqa: N802 - protocol name
        """Stop serving; the main thread cleans up and exits."""
        from tf.gen import grpc_controller_pb2

        self.done.set()
        return grpc_controller_pb2.Empty()


def serve(handshake: IO[str], *, tls: bool = True) -> None:
    """Serve the provider until Terraform shuts it down; write the handshake line to ``handshake``."""
    from concurrent import futures

    import grpc
    from tf.gen import grpc_controller_pb2_grpc, tfplugin_pb2_grpc

    from iaas_terraform.provider import Provider

    directory = tempfile.mkdtemp(prefix="terraform-provider-iaas-")  # mode 0700
    socket_path = os.path.join(directory, "plugin.sock")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKERS),
        options=[("grpc.max_send_message_length", MAX_MESSAGE), ("grpc.max_receive_message_length", MAX_MESSAGE)],
    )
    provider = Provider()
    tfplugin_pb2_grpc.add_ProviderServicer_to_server(provider, server)
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(_Controller(done), server)
    cert_field = ""
    try:
        if tls:
            key_pem, cert_pem, cert_field = certificate()
            server.add_secure_port(f"unix:{socket_path}", grpc.ssl_server_credentials([(key_pem, cert_pem)]))
        else:
            server.add_insecure_port(f"unix:{socket_path}")
        server.start()
        handshake.write(f"{CORE_PROTOCOL}|{PROTOCOL}|unix|{socket_path}|grpc|{cert_field}\n")
        handshake.flush()
        _wait(done)
        server.stop(grace=2).wait()
    finally:
        provider.close()
        shutil.rmtree(directory, ignore_errors=True)


def _wait(done: threading.Event) -> None:
    """Wait for Shutdown, SIGTERM, or the end of the Terraform process that started this one."""
    parent = os.getppid()
    while not done.wait(1.0):
        if os.getppid() != parent:
            log.warning("Terraform is gone; stopping")
            return


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``terraform-provider-iaas``."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write(_NOT_A_COMMAND)
        return 1
    offered = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(PROTOCOL)).split(",")
    if str(PROTOCOL) not in offered:
        sys.stderr.write(
            f"terraform-provider-iaas speaks plugin protocol {PROTOCOL}; Terraform offers "
            f"{', '.join(offered)} (use Terraform 1.0 or newer)\n"
        )
        return 1
    handshake = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever prints from now on goes to standard error, never into the handshake
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group; Terraform sends StopProvider
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if os.environ.get("TF_LOG") else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        serve(handshake, tls=os.environ.get("TF_DISABLE_PLUGIN_TLS", "") in ("", "0"))
    finally:
        handshake.close()
    return 0
