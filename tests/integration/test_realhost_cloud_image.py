"""A real cloud image on a namespaced libvirt host: Debian 12 with its own cloud-init reads the seed iaas writes.

The image (scripts/build-cloud-image.sh) runs systemd, cloud-init, netplan
with systemd-networkd and OpenSSH, as Debian's cloud images do.  One
instance with a key pair and a fixed address: once its SSH port answers,
the test logs in from the host's network namespace with the key pair's
private key and checks what cloud-init made of the seed: the hostname, the
address on the NIC with the instance's MAC, the network configuration it
rendered, the instance id, and a finished run without errors.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

import iaas
from iaas.cloud.kinds._seed import render
from tests.integration.conftest import NamespacedHost, TinyGuest

pytestmark = [pytest.mark.realhost, pytest.mark.slow]

STACK = "cloudimg"
NAME = "ci-debian"
FIXED_IP = "10.84.0.42"
USER = "debian"  # the default user of Debian's cloud-init configuration
#: Seconds for systemd and cloud-init to bring the guest up to its SSH server under TCG.
BOOT_TIMEOUT = 600


def _stack(image: TinyGuest, public_key: str) -> iaas.Stack:
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="lan", cidr="10.84.0.0/24", mode="isolated"))
    key = stack.add(iaas.KeyPair(name="admin", public_key=public_key))
    debian = stack.add(iaas.Image(name="debian-12", **image.image))
    stack.add(
        iaas.Instance(
            name=NAME,
            image=debian,
            key_pair=key,
            vcpus=1,
            memory_mib=512,
            root_disk_gib=2,
            nics=[iaas.Nic(network=lan, fixed_ip=FIXED_IP)],
            wait_for_port=22,
            address_timeout=BOOT_TIMEOUT,
            stop_timeout=0,  # nothing to save: powered off at once when the test ends
        )
    )
    return stack


@pytest.fixture(scope="module")
def booted(
    realhost: NamespacedHost, cloud_image: TinyGuest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("cloudimg-home")
    key = home / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "admin@test", "-f", str(key)], check=True)
    cloud = {"hosts": [realhost.config()], "home": str(home / "cloud")}
    engine = iaas.Engine.open(STACK, home=home, cloud=cloud)
    try:
        engine.apply(_stack(cloud_image, key.with_suffix(".pub").read_text().strip()))
        record = engine.store.get(f"instance.{NAME}")
        assert record is not None
        yield {"host": realhost, "key": key, "outputs": record.outputs, "public_key": key.with_suffix(".pub")}
    finally:
        try:
            engine.destroy()
        finally:
            engine.close()


def ssh(booted: dict[str, Any], command: str) -> str:
    """What ``command`` prints in the guest, run over SSH from the host's network namespace with the key pair."""
    done = booted["host"].run(
        "ssh",
        *("-i", str(booted["key"]), "-o", "BatchMode=yes", "-o", "ConnectTimeout=20"),
        *("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"),
        f"{USER}@{FIXED_IP}",
        command,
        timeout=BOOT_TIMEOUT,
    )
    assert done.returncode == 0, f"{command}: exit {done.returncode}: {done.stdout.strip()} {done.stderr.strip()}"
    return done.stdout


def test_the_key_logs_in_and_the_hostname_is_the_instance_name(booted: dict[str, Any]) -> None:
    assert booted["outputs"]["ip_address"] == FIXED_IP
    assert ssh(booted, "hostname").strip() == NAME
    assert ssh(booted, "cat ~/.ssh/authorized_keys").split("\n")[0] == booted["public_key"].read_text().strip()


def test_cloud_init_finished_without_errors(booted: dict[str, Any]) -> None:
    status = ssh(booted, "cloud-init status --wait --long")
    assert "status: done" in status, status
    result = json.loads(ssh(booted, "cat /run/cloud-init/result.json"))
    assert result["v1"]["errors"] == [], result
    assert result["v1"]["datasource"].startswith("DataSourceNoCloud")
    assert ssh(booted, "cat /var/lib/cloud/data/instance-id").strip() == booted["outputs"]["id"]


def test_the_nic_has_the_fixed_ip_from_the_network_config_iaas_wrote(booted: dict[str, Any]) -> None:
    mac = booted["outputs"]["mac_addresses"][0]
    links = json.loads(ssh(booted, "ip -j addr show"))
    nic = next(link for link in links if link.get("address") == mac)
    assert [(a["local"], a["prefixlen"]) for a in nic["addr_info"] if a["family"] == "inet"] == [(FIXED_IP, 24)]
    seed = render(booted["outputs"]["id"], NAME, None, None, [mac])
    wrote = yaml.safe_load(seed["network-config"])
    rendered = yaml.safe_load(ssh(booted, "sudo -n cat /etc/netplan/50-cloud-init.yaml"))
    assert rendered["network"]["ethernets"] == wrote["ethernets"]
