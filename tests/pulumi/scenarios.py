"""Inputs for every kind, as a Pulumi program sends them, with a live update and a replacing change."""

from __future__ import annotations

from typing import Any

import attrs

from tests.pulumi.harness import secret

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d alice"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHBYnZL3N9Xl7NmSNyJbxgB3dhsaCpgxOV7DsJEhbtcU bob"


@attrs.frozen
class Scenario:
    """``inputs`` may name another kind's object as ``$kind``; ``update`` changes in place; ``replace`` does not."""

    inputs: dict[str, Any]
    update: dict[str, Any] | None
    replace: dict[str, Any]


SCENARIOS: dict[str, Scenario] = {
    "project": Scenario(
        {"description": "team", "quota": {"instances": 5}}, {"description": "team a"}, {"name": "renamed"}
    ),
    "image": Scenario({"source": "$image_file"}, None, {"format": "raw"}),
    "key_pair": Scenario({"publicKey": KEY}, None, {"publicKey": OTHER_KEY}),
    "network": Scenario({"cidr": "10.20.0.0/24"}, {"mtu": 1400, "domain": "lab"}, {"cidr": "10.21.0.0/24"}),
    "security_group": Scenario(
        {"rules": [{"portMin": 22}]}, {"rules": [{"portMin": 22}, {"portMin": 80}]}, {"project": "$project"}
    ),
    "server_group": Scenario({"policy": "anti-affinity"}, None, {"policy": "affinity"}),
    "volume": Scenario({"sizeGib": 1}, {"sizeGib": 2}, {"format": "raw"}),
    "instance": Scenario(
        {
            "image": "$image",
            "flavor": "m1.tiny",
            "maxMemoryMib": 1024,
            "keyPair": "$key_pair",
            "nics": [{"network": "$network", "securityGroups": ["$security_group"]}],
            "userData": secret("#cloud-config\n"),
        },
        {"memoryMib": 1024, "volumes": ["$volume"]},
        {"userData": secret("#cloud-config\n# v2\n")},
    ),
    "snapshot": Scenario(
        {"instance": "$instance", "memory": True}, {"revert": 1, "description": "x"}, {"memory": False}
    ),
    "port_forward": Scenario({"instance": "$instance", "targetPort": 22, "hostPort": 2222}, None, {"hostPort": 2223}),
    "floating_ip": Scenario({"instance": "$instance"}, None, {"ipAddress": "203.0.113.77"}),
}

#: Each kind's dependency networks use their own subnet so they never overlap the kind's own.
DEPENDENCY_OVERRIDES: dict[str, dict[str, Any]] = {"network": {"cidr": "10.30.0.0/24"}}
