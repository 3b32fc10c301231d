"""A small web tier on iaas: a network, a firewall, two web servers with a data volume each, and a port forward."""

import pulumi

import pulumi_iaas as iaas

config = pulumi.Config()
image_path = config.get("image") or "/var/lib/iaas/images/debian-12.qcow2"

team = iaas.Project("team", description="web team", quota=iaas.QuotaArgs(instances=4, vcpus=8))
base = iaas.Image("base", source=image_path)
key = iaas.KeyPair(
    "admin",
    public_key=config.get("public_key")
    or "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d admin",
)
lan = iaas.Network("lan", cidr="10.50.0.0/24", project=team.id)
web_sg = iaas.SecurityGroup(
    "web",
    project=team.id,
    rules=[
        iaas.RuleArgs(protocol="tcp", port_min=22),
        iaas.RuleArgs(protocol="tcp", port_min=80),
        iaas.RuleArgs(protocol="icmp"),
    ],
)
spread = iaas.ServerGroup("spread", policy="soft-anti-affinity", project=team.id)

servers = []
for i in range(2):
    data = iaas.Volume(f"data-{i}", size_gib=5, project=team.id)
    servers.append(
        iaas.Instance(
            f"web-{i}",
            image=base.id,
            flavor="m1.small",
            max_memory_mib=4096,  # memory can then grow live up to 4 GiB
            key_pair=key.id,
            project=team.id,
            server_group=spread.id,
            volumes=[data.id],
            nics=[iaas.NicArgs(network=lan.id, fixed_ip=f"10.50.0.{10 + i}", security_groups=[web_sg.id])],
            user_data="#cloud-config\npackages: [nginx]\n",  # kept secret in the state
        )
    )

ssh = iaas.PortForward("ssh", instance=servers[0].id, target_port=22, host_port=2222, project=team.id)
# An address of the host's floating pool for web-1; change the instance to move it (live).
public = iaas.FloatingIp("public", instance=servers[1].id, project=team.id)
# Set revert=1 (then 2, ...) to put web-0 back as it was when this snapshot was taken.
before = iaas.Snapshot("before-upgrade", instance=servers[0].id, memory=True, description="before the upgrade")

pulumi.export("gateway", lan.gateway)
pulumi.export("addresses", [s.ip_address for s in servers])
pulumi.export("hosts", [s.host for s in servers])
pulumi.export("ssh", pulumi.Output.concat(ssh.host, ":2222"))
pulumi.export("public", public.ip_address)
