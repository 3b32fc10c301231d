"""The cloud config: hosts, where their files are (local or remote), and bad entries named."""

from __future__ import annotations

from pathlib import Path

import pytest

from iaas.cloud.cloud import Cloud, CloudConfig, HostConfig
from iaas.errors import ValidationError


@pytest.mark.parametrize(
    ("uri", "remote"),
    [
        ("qemu:///system", False),
        ("qemu:///system?socket=/run/h1/libvirt-sock", False),
        ("qemu+ssh://root@h2.example.net/system", True),
        ("qemu+tcp://10.0.0.2/system", True),
        ("qemu+tcp://localhost:16510/system", False),
        ("qemu+tcp://127.0.0.1:16510/system", False),
        ("qemu+ssh://[::1]/system", False),
        ("test:///default", False),
    ],
)
def test_a_host_is_remote_when_its_uri_names_another_machine(uri: str, remote: bool) -> None:
    assert HostConfig("h", uri).is_remote is remote


def test_remote_overrides_what_the_uri_says() -> None:
    assert HostConfig("h", "qemu+tcp://localhost:16510/system", remote=True).is_remote
    assert not HostConfig("h", "qemu+ssh://h2/system", remote=False).is_remote


def test_remote_and_domain_type_are_read_from_a_config() -> None:
    config = CloudConfig.load(
        {"hosts": [{"name": "h2", "uri": "qemu+tcp://localhost:1/system", "remote": True, "domain_type": "qemu"}]}
    )
    [host] = config.hosts
    assert (host.is_remote, host.domain_type) == (True, "qemu")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("remote", "yes", "must be true or false, got 'yes'"),
        ("domain_type", "xen", "must be 'kvm' or 'qemu', got 'xen'"),
        ("underlay", "h2.lan", "must be an IPv4 address, got 'h2.lan'"),
        ("underlay", "192.0.2.1", "192.0.2.1 is already the underlay address of host h1"),
        ("timeout", 0, "must be a positive number, got 0"),
        ("floating_pool", "192.0.2.17/28", "must be an IPv4 CIDR such as 192.0.2.16/28, got '192.0.2.17/28'"),
        ("floating_interface", "eth0/1", "must be an interface name, got 'eth0/1'"),
        ("timeout", "30s", "must be a positive number, got '30s'"),
    ],
)
def test_bad_host_entries_are_named(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CloudConfig.load(
            {
                "hosts": [
                    {"name": "h1", "uri": "qemu:///system", "underlay": "192.0.2.1"},
                    {"name": "h2", "uri": "qemu:///system", field: value},
                ]
            }
        )
    [error] = caught.value.errors
    assert (error.address, error.field, error.message) == ("hosts[1]", field, message)


def test_timeout_reaches_the_host_and_defaults_to_30_seconds(tmp_path: Path) -> None:
    config = CloudConfig.load(
        {"hosts": [{"name": "a", "uri": "test:///default", "timeout": 5}, {"name": "b", "uri": "test:///default"}]}
    )
    config.home = str(tmp_path)
    cloud = Cloud(config)
    try:
        assert (cloud.hosts["a"].timeout, cloud.hosts["b"].timeout) == (5.0, 30.0)
    finally:
        cloud.close()


def test_domain_type_reaches_the_host(tmp_path: Path) -> None:
    cloud = Cloud(CloudConfig([HostConfig("h", "qemu:///system", domain_type="qemu")], home=str(tmp_path)))
    try:
        assert cloud.hosts["h"].domain_type == "qemu"  # decided by the config: no connection is opened
    finally:
        cloud.close()


def test_command_prefix_must_be_a_list_of_strings() -> None:
    with pytest.raises(ValidationError) as caught:
        CloudConfig.load({"hosts": [{"name": "h2", "uri": "qemu+tcp://h2/system", "command_prefix": "ssh h2"}]})
    [error] = caught.value.errors
    assert (error.field, error.message) == ("command_prefix", "must be a non-empty list of strings, got 'ssh h2'")


def test_port_forwards_say_how_to_reach_a_remote_host_that_takes_no_commands(tmp_path: Path) -> None:
    hosts = [
        HostConfig("tcp", "qemu+tcp://h2.example.net/system"),
        HostConfig("ssh", "qemu+ssh://h3/system"),
        HostConfig("via", "qemu+tcp://h4/system", command_prefix=["ssh", "root@h4"]),
    ]
    cloud = Cloud(CloudConfig(hosts, home=str(tmp_path)))
    try:
        handler = cloud.handler("port_forward")
        assert [handler._programmable(h.name) for h in hosts] == [False, True, True]  # no connection is made
        assert handler._where("via") == ("ssh", "root@h4")
        assert handler._where("ssh") == ("ssh", "-o", "BatchMode=yes", "h3")
        assert "give the host a command_prefix" in handler._note("tcp")
    finally:
        cloud.close()
