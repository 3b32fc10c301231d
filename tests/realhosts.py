"""Real libvirt hosts on this machine, each a libvirtd in its own namespaces, and the tiny guest they boot.

Shared by the integration tests (tests/integration/conftest.py wraps them in
fixtures) and the real-host benchmarks (bench/).  :func:`start_host` starts
one libvirtd (QEMU driver) with ``scripts/libvirtd-host.sh`` inside a private
mount + network + UTS namespace, so guests and their networks see nothing of
this machine and the machine sees nothing of them; :func:`build_tiny_guest`
gives the kernel and initramfs of ``scripts/build-tiny-guest.sh``;
:func:`build_sshd` an OpenSSH server for reaching a host as ``qemu+ssh://``.
Everything here needs root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parent.parent
HOST_SCRIPT = ROOT / "scripts" / "libvirtd-host.sh"
GUEST_SCRIPT = ROOT / "scripts" / "build-tiny-guest.sh"
CLOUD_IMAGE_SCRIPT = ROOT / "scripts" / "build-cloud-image.sh"
SSHD_SCRIPT = ROOT / "scripts" / "build-test-sshd.sh"
START_TIMEOUT = 30.0  # seconds for a host's socket to appear


class BuildError(RuntimeError):
    """A build script failed; ``offline`` when it failed because the Debian archive cannot be reached."""

    @property
    def offline(self) -> bool:
        """Whether the script could not download its packages."""
        return any(sign in str(self) for sign in ("apt-get download", "the Debian archive cannot be reached"))


def _built(script: Path, tail: int) -> Path:
    """Run a build script; the directory it prints last."""
    done = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(done.stderr.strip()[-tail:])
    return Path(done.stdout.strip().splitlines()[-1])


def build_tiny_guest() -> TinyGuest:
    """The tiny guest, built once and cached under ~/.cache/iaas-test-guest."""
    return TinyGuest(_built(GUEST_SCRIPT, 1500))


def build_cloud_image() -> TinyGuest:
    """A Debian cloud image with real cloud-init, built once and cached under ~/.cache/iaas-cloud-image."""
    return TinyGuest(_built(CLOUD_IMAGE_SCRIPT, 1500))


def build_sshd() -> Path:
    """OpenSSH's server, unpacked (not installed) by scripts/build-test-sshd.sh."""
    return _built(SSHD_SCRIPT, 800)


@attrs.define
class NamespacedHost:
    """A libvirtd in its own namespaces, reached through its socket."""

    name: str
    dir: Path
    process: subprocess.Popen[bytes]
    clients: list[Client] = attrs.field(factory=list)
    tunnel: Tunnel | None = None
    ssh: Tunnel | None = None

    @property
    def socket(self) -> Path:
        """The daemon's read-write socket."""
        return self.dir / "sock" / "libvirt-sock"

    @property
    def uri(self) -> str:
        """The connection URI of this host."""
        return f"qemu:///system?socket={self.socket}"

    @property
    def pool_path(self) -> str:
        """Where the host's storage pools keep their files (seen alike inside and outside the namespace)."""
        return str(self.dir / "pools")

    @property
    def log(self) -> Path:
        """The daemons' output."""
        return self.dir / "daemon.log"

    @property
    def private_path(self) -> Path:
        """A directory only the daemon sees (a memory file system in its mount namespace; empty from outside)."""
        return self.dir / "private"

    def config(self) -> dict[str, object]:
        """This host as an entry of a cloud config's ``hosts``."""
        return {"name": self.name, "uri": self.uri, "pool_path": self.pool_path}

    def remote_config(self, name: str | None = None) -> dict[str, object]:
        """This host seen as a remote machine: ``qemu+tcp://`` through a loopback tunnel, pools it alone sees."""
        if self.tunnel is None:
            self.tunnel = Tunnel(self.socket)
        return {
            "name": name or self.name,
            "uri": f"qemu+tcp://127.0.0.1:{self.tunnel.port}/system",
            "remote": True,
            "pool_path": str(self.private_path),
        }

    def ssh_config(self, sshd: Path, workdir: Path, name: str | None = None) -> dict[str, object]:
        """This host seen as a remote machine reached by ssh: ``qemu+ssh://`` to an sshd in its namespaces.

        ``sshd`` is the directory of scripts/build-test-sshd.sh.  Each
        connection to a loopback port gets its own ``sshd -i`` inside the
        host's network and mount namespaces (with an ``sshd`` user added to
        its view of /etc/passwd only); the client logs in as root with a key
        made here.  The pools are the ones only the daemon sees.
        """
        if self.ssh is None:
            workdir.mkdir(parents=True, exist_ok=True)
            for key in ("host_key", "client_key"):
                if not (workdir / key).exists():
                    subprocess.run(
                        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(workdir / key)], check=True
                    )
            shutil.copy(workdir / "client_key.pub", workdir / "authorized_keys")
            (workdir / "sshd_config").write_text(
                f"HostKey {workdir}/host_key\nAuthorizedKeysFile {workdir}/authorized_keys\n"
                "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                "UsePAM no\nStrictModes no\nPidFile none\nLogLevel ERROR\n"
            )
            passwd = Path("/etc/passwd").read_text()
            (workdir / "passwd").write_text(
                passwd + ("" if "\nsshd:" in passwd else "sshd:x:999:65534::/run/sshd:/usr/sbin/nologin\n")
            )
            libs = ":".join(str(p) for p in (sshd / "usr" / "lib").glob("*-linux-gnu"))
            serve = (
                f"mount --bind {workdir}/passwd /etc/passwd && mkdir -p /run/sshd && "
                f"LD_LIBRARY_PATH={libs} exec {sshd}/usr/sbin/sshd -i -f {workdir}/sshd_config"
            )
            pid = self.process.pid
            self.ssh = Tunnel(
                command=[
                    *self.enter_mount(),
                    f"--net=/proc/{pid}/ns/net",
                    f"--uts=/proc/{pid}/ns/uts",
                    "unshare",
                    "--mount",
                    "--propagation",
                    "private",
                    "sh",
                    "-c",
                    serve,
                ]
            )
            (workdir / "known_hosts").touch()
            # libvirt's ssh transport takes no known-hosts file: its ssh is told by a wrapper, so that the
            # host keys of these short-lived servers stay out of the user's ~/.ssh.
            wrapper = workdir / "ssh"
            wrapper.write_text(f'#!/bin/sh\nexec ssh -o UserKnownHostsFile={workdir}/known_hosts "$@"\n')
            wrapper.chmod(0o755)
        uri = (
            f"qemu+ssh://root@127.0.0.1:{self.ssh.port}/system?keyfile={workdir}/client_key&no_verify=1"
            f"&known_hosts={workdir}/known_hosts&command={workdir}/ssh"
        )
        return {"name": name or self.name, "uri": uri, "remote": True, "pool_path": str(self.private_path)}

    def enter_mount(self) -> list[str]:
        """``nsenter`` into the daemon's mount namespace, keeping its root: without ``--root`` the command would
        escape a chroot that the checkout (and the daemon) live in."""
        pid = self.process.pid
        return ["nsenter", f"--mount=/proc/{pid}/ns/mnt", f"--root=/proc/{pid}/root"]

    def read_private(self, path: str) -> str:
        """A file as the daemon sees it (for files under :attr:`private_path`)."""
        done = subprocess.run(
            [*self.enter_mount(), "cat", path], capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout if done.returncode == 0 else ""

    def run(self, *argv: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run a command inside the host's network namespace (where its guests' networks are)."""
        return in_netns(self.process.pid, argv, timeout)

    def client(self, bridge: str, address: str) -> Client:
        """A client machine plugged into ``bridge`` with ``address`` (CIDR), in a network namespace of its own.

        Its traffic to guests crosses the bridge like a guest's would, so the
        guests' network filters apply to it (they do not apply to traffic
        from the host itself).
        """
        port = f"itc{len(self.clients)}"
        peer = f"{port}p"
        for argv in (
            ["ip", "link", "add", port, "type", "veth", "peer", "name", peer],
            ["ip", "link", "set", port, "master", bridge],
            ["ip", "link", "set", port, "up"],
        ):
            _check(self.run(*argv))
        process = subprocess.Popen(
            ["nsenter", f"--net=/proc/{self.process.pid}/ns/net", "unshare", "--net", "sleep", "infinity"],
            stdin=subprocess.DEVNULL,
        )
        client = Client(process)
        self.clients.append(client)
        start = time.monotonic()
        before = {_netns(os.getpid()), _netns(self.process.pid)}  # nsenter first joins the host's, then unshares
        while _netns(process.pid) in before and time.monotonic() - start < 10:
            time.sleep(0.02)  # until unshare has made the new namespace
        _check(self.run("ip", "link", "set", peer, "netns", str(process.pid)))
        for argv in (
            ["ip", "link", "set", "lo", "up"],
            ["ip", "addr", "add", address, "dev", peer],
            ["ip", "link", "set", peer, "up"],
        ):
            _check(client.run(*argv))
        return client

    def stop(self) -> None:
        """Stop the daemons and every guest; the namespaces go with them."""
        for client in self.clients:
            client.stop()
        for tunnel in (self.tunnel, self.ssh):
            if tunnel is not None:
                tunnel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@attrs.define
class Client:
    """A process holding a network namespace of its own, with one interface on a host's bridge."""

    process: subprocess.Popen[bytes]

    def run(self, *argv: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run a command inside the client's network namespace."""
        return in_netns(self.process.pid, argv, timeout)

    def stop(self) -> None:
        """End the client; its namespace and interface go with it."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Tunnel:
    """A TCP port on 127.0.0.1 carrying each connection to a unix socket, as an SSH tunnel would, or to a program.

    libvirt speaks the same protocol on its TCP and unix sockets, so
    ``qemu+tcp://127.0.0.1:<port>/system`` reaches the daemon like a remote
    one, while no traffic leaves loopback.  With ``command``, each connection
    is served by a new process of it (as inetd does; ``sshd -i``).
    """

    def __init__(self, target: Path | None = None, command: list[str] | None = None):
        self.target, self.command = target, command  # a unix socket, or a program serving each connection
        self.processes: list[subprocess.Popen[bytes]] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, name="tunnel", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.command is not None:  # inetd style: the connection is the program's stdin and stdout
                with client:
                    self.processes.append(
                        subprocess.Popen(
                            self.command, stdin=client.fileno(), stdout=client.fileno(), stderr=subprocess.DEVNULL
                        )
                    )
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(str(self.target))
            except OSError:
                client.close()
                upstream.close()
                continue
            threading.Thread(target=self._carry, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _carry(client: socket.socket, upstream: socket.socket) -> None:
        """Copy both ways until both sides have finished; then close both."""

        def pipe(source: socket.socket, dest: socket.socket) -> None:
            try:
                while data := source.recv(1 << 16):
                    dest.sendall(data)
            except OSError:
                pass
            with contextlib.suppress(OSError):
                dest.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        back.start()
        pipe(client, upstream)
        back.join()
        client.close()
        upstream.close()

    def close(self) -> None:
        """Stop accepting (connections already carried end with the daemon); end the programs it started."""
        self.closed = True
        self.server.close()
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def in_netns(pid: int, argv: tuple[str, ...], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command inside the network namespace of process ``pid``."""
    return subprocess.run(
        ["nsenter", f"--net=/proc/{pid}/ns/net", *argv], capture_output=True, text=True, timeout=timeout, check=False
    )


def _netns(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def _check(done: subprocess.CompletedProcess[str]) -> None:
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, done.args))}: {done.stderr.strip()}")


def start_host(name: str, dir: Path) -> NamespacedHost:
    """Start a namespaced libvirtd named ``name`` keeping its state under ``dir``; wait for its socket."""
    dir.mkdir(parents=True, exist_ok=True)
    log = (dir / "daemon.log").open("wb")
    process = subprocess.Popen(
        [str(HOST_SCRIPT), "run", str(dir), name], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    log.close()
    host = NamespacedHost(name, dir, process)
    start = time.monotonic()
    while not host.socket.exists():
        if process.poll() is not None or time.monotonic() - start > START_TIMEOUT:
            host.stop()
            tail = host.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"libvirt host {name} did not start (exit {process.returncode}): {tail}")
        time.sleep(0.05)
    return host


def unavailable() -> str | None:
    """Why this machine cannot run real-host tests, or None."""
    if os.geteuid() != 0:
        return "real-host tests need root (libvirtd in private namespaces)"
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "real-host tests need unshare and nsenter (util-linux)"
    done = subprocess.run([str(HOST_SCRIPT), "install"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"the libvirt packages cannot be installed: {(done.stderr or done.stdout).strip()[-600:]}"
    return None


@attrs.frozen
class TinyGuest:
    """The files of a guest booted directly: the tiny guest (scripts/build-tiny-guest.sh) or the cloud image
    (scripts/build-cloud-image.sh), each a disk.qcow2, a vmlinuz, an initrd.img and a cmdline."""

    dir: Path

    @property
    def image(self) -> dict[str, str]:
        """Inputs of an image that boots the tiny guest directly."""
        return {
            "source": str(self.dir / "disk.qcow2"),
            "kernel": str(self.dir / "vmlinuz"),
            "initrd": str(self.dir / "initrd.img"),
            "cmdline": (self.dir / "cmdline").read_text().strip(),
        }
