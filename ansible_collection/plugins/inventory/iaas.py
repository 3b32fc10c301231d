# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Inventory of the instances of an iaas cloud."""

# ruff: noqa: E402  (Ansible wants the documentation before the imports)

from __future__ import annotations

DOCUMENTATION = r"""
name: iaas
short_description: Instances of an iaas cloud as Ansible hosts
description:
  - One host per instance of an iaas cloud, named after the instance.
  - V(ansible_host) is an address Ansible can reach. When a port forward sends a host port to the instance's SSH
    port (O(ssh_port)), it is the forward's host address and V(ansible_port) its host port; otherwise it is the
    instance's first IP address; for an instance on a remote hypervisor host (a C(qemu+ssh://) URI), Ansible then
    goes through that host (V(ansible_ssh_common_args) holds C(-o ProxyJump=user@host:port) from the host's URI).
  - Groups by stack (C(stack_<name>)), project (C(project_<name>)), hypervisor host (C(host_<name>)), server
    group (C(server_group_<name>)) and power state (C(power_state_running), C(power_state_stopped)).
  - Every field of the instance is a host variable prefixed with C(iaas_) (C(iaas_id), C(iaas_flavor),
    C(iaas_ip_addresses), ...), plus C(iaas_stack) and C(iaas_address); C(compose), C(groups) and
    C(keyed_groups) build more from them.
  - The inventory file's name must end in C(iaas.yml) or C(iaas.yaml).
  - Ansible must run with a Python that has iaas installed.
author:
  - iaas contributors (!UNKNOWN)
requirements:
  - python >= 3.11
  - iaas (in the Python that runs Ansible)
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; it tells Ansible that the file is for it.
    required: true
    type: str
    choices: [iaas.cloud.iaas]
  cloud:
    description:
      - The cloud to list, as for the modules' O(iaas.cloud.instance#module:cloud) option - the path of a cloud
        config file, or the config as a mapping (a mapping with only C(home) is the embedded cloud kept there).
      - Relative paths (the file, or C(home)) are relative to the folder of the inventory file.
      - When omitted, the file named by E(IAAS_CLOUD), else the embedded cloud under E(IAAS_HOME) (default
        C(.iaas) beside the inventory file).
    type: raw
  stacks:
    description: Only instances of these stacks. When empty, instances of every stack.
    type: list
    elements: str
    default: []
  ssh_port:
    description: The instance port that a port forward must target to give the host's C(ansible_host).
    type: int
    default: 22
  include_stopped:
    description: List stopped instances too (in the group C(power_state_stopped)).
    type: bool
    default: true
"""

EXAMPLES = r"""
# web.iaas.yml: the instances of the stack web on the embedded cloud kept in ./lab
plugin: iaas.cloud.iaas
cloud:
  home: lab
stacks: [web]
keyed_groups:
  - key: iaas_flavor
    prefix: flavor
compose:
  ansible_user: "'debian'"
  ansible_python_interpreter: "'/usr/bin/python3'"
"""

import os
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

try:
    import iaas
    from iaas import api
    from iaas.api import IaasError
except ImportError:
    HAS_IAAS = False
else:
    HAS_IAAS = True


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Hosts and groups from the instances of an iaas cloud."""

    NAME = "iaas.cloud.iaas"

    def verify_file(self, path: str) -> bool:
        """Take inventory files named ``*iaas.yml`` or ``*iaas.yaml``."""
        return super().verify_file(path) and path.endswith(("iaas.yml", "iaas.yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        """Read the cloud (or the cache) and add a host per instance."""
        super().parse(inventory, loader, path, cache)
        if not HAS_IAAS:
            raise AnsibleError(
                "the iaas.cloud.iaas inventory needs the Python package iaas in the Python that runs Ansible"
            )
        self._read_config_data(path)
        key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        hosts = None
        if use_cache:
            try:
                hosts = self._cache[key]
            except KeyError:
                hosts = None
        if hosts is None:
            try:
                hosts = self._fetch(os.path.dirname(os.path.abspath(path)))
            except IaasError as exc:
                raise AnsibleError(f"iaas inventory {path}: {exc}") from exc
            if self.get_option("cache"):
                self._cache[key] = hosts
        for name, hostvars in hosts.items():
            self._add(name, hostvars)

    # ------------------------------------------------------------ reading the cloud

    def _open(self, base: str) -> iaas.Cloud:
        value = self.get_option("cloud")
        if value is not None and not isinstance(value, str | dict):
            raise AnsibleError("iaas inventory: the option cloud is the path of a cloud config file or a mapping")
        settings = iaas.CloudSettings.of(
            cloud=value if isinstance(value, str) else None,
            config=value if isinstance(value, dict) else None,
            base=base,
        )
        problems = settings.problems()
        if problems:
            raise AnsibleError(f"iaas inventory: the option cloud: {problems[0][1]}")
        return settings.open()

    def _fetch(self, base: str) -> dict[str, dict[str, Any]]:
        """Host variables of every instance, by host name."""
        cloud = self._open(base)
        try:
            records = cloud.managed_objects()
            names = {r.id: r.name for r in records}
            stacks = self.get_option("stacks") or []
            hosts: dict[str, dict[str, Any]] = {}
            for rec in records:
                if rec.kind != "instance" or (stacks and rec.stack not in stacks):
                    continue
                found = api.Session(cloud, rec.stack or "default").read(
                    "instance", rec.address or f"instance.{rec.name}", rec.id, rec.outputs
                )
                if found is None:
                    continue
                hostvars = self._hostvars(cloud, rec, found, names, records)
                if hostvars["iaas_power_state"] != "running" and not self.get_option("include_stopped"):
                    continue
                name = rec.name if rec.name not in hosts else f"{rec.name}-{rec.id[:8]}"
                hosts[name] = hostvars
            return hosts
        finally:
            cloud.close()

    def _hostvars(
        self,
        cloud: iaas.Cloud,
        rec: api.InventoryRecord,
        found: api.ResourceState,
        names: dict[str, str],
        records: list[api.InventoryRecord],
    ) -> dict[str, Any]:
        secret = {f.name for f in api.schema("instance").fields if f.spec.secret}  # user data stays out
        values = {k: v for k, v in {**rec.inputs, **found.inputs, **found.outputs}.items() if k not in secret}
        hostvars = {f"iaas_{k}": v for k, v in values.items()}
        hostvars.update(
            iaas_stack=rec.stack,
            iaas_address=rec.address,
            iaas_project_name=names.get(values.get("project") or ""),
            iaas_server_group_name=names.get(values.get("server_group") or ""),
        )
        reach = api.endpoint(cloud, rec, values.get("ip_address"), self.get_option("ssh_port"), records=records)
        if reach is not None:
            hostvars["ansible_host"] = reach.address
            if reach.port is not None:
                hostvars["ansible_port"] = reach.port
            if reach.jump is not None:
                hostvars["ansible_ssh_common_args"] = f"-o ProxyJump={reach.jump}"
        return hostvars

    # ------------------------------------------------------------ hosts and groups

    def _add(self, name: str, hostvars: dict[str, Any]) -> None:
        self.inventory.add_host(name)
        for key, value in hostvars.items():
            self.inventory.set_variable(name, key, value)
        for prefix, value in (
            ("stack", hostvars.get("iaas_stack")),
            ("project", hostvars.get("iaas_project_name")),
            ("host", hostvars.get("iaas_host")),
            ("server_group", hostvars.get("iaas_server_group_name")),
            ("power_state", hostvars.get("iaas_power_state")),
        ):
            if value:
                group = self.inventory.add_group(self._sanitize_group_name(f"{prefix}_{value}"))
                self.inventory.add_child(group, name)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)
