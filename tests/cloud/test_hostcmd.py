"""How commands reach a host: the command prefix for ssh, and one quoted command line over it."""

from __future__ import annotations

import subprocess

import pytest

from iaas.cloud.kinds import _hostcmd


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("qemu+ssh://h2.example.net/system", ("ssh", "-o", "BatchMode=yes", "h2.example.net")),
        (
            "qemu+ssh://admin@h2:2222/system?keyfile=/k/id&no_verify=1&known_hosts=/k/kh",
            (
                "ssh",
                "-o",
                "BatchMode=yes",
                "-p",
                "2222",
                "-l",
                "admin",
                "-i",
                "/k/id",
                "-o",
                "UserKnownHostsFile=/k/kh",
                "-o",
                "StrictHostKeyChecking=no",
                "h2",
            ),
        ),
        ("qemu+ssh://h2/system?command=/opt/bin/ssh", ("/opt/bin/ssh", "-o", "BatchMode=yes", "h2")),
        ("qemu+tcp://h2/system", None),
        ("qemu:///system", None),
    ],
)
def test_ssh_reaches_the_machine_of_a_qemu_ssh_uri_as_libvirt_does(uri: str, expected: tuple | None) -> None:
    assert _hostcmd.ssh_runner(uri) == expected


def test_a_command_over_ssh_is_one_quoted_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def run(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        seen.append(argv)
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(_hostcmd.subprocess, "run", run)
    _hostcmd.run(("ssh", "-o", "BatchMode=yes", "h2"), ["iptables", "-m", "comment", "--comment", "iaas:a b"])
    assert seen == [["ssh", "-o", "BatchMode=yes", "h2", "iptables -m comment --comment 'iaas:a b'"]]
