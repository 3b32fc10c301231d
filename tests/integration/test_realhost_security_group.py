"""Security groups as network filters on a namespaced libvirt host."""

from __future__ import annotations

from pathlib import Path

import pytest

from iaas.cloud import Cloud, CloudConfig, HostConfig
from iaas.cloud.kinds.security_group import policy_name, rules_name
from iaas.drivers.libvirt import Host
from tests.cloud.conftest import new_op
from tests.cloud.test_security_group import inputs
from tests.integration.conftest import NamespacedHost

pytestmark = pytest.mark.realhost


def test_a_real_host_gets_the_filters(realhost: NamespacedHost, tmp_path: Path) -> None:
    c = Cloud(CloudConfig(hosts=[HostConfig("real", realhost.uri, pool_path=realhost.pool_path)], home=str(tmp_path)))
    ctx = new_op("security_group.ssh")
    try:
        out = c.create("security_group", ctx, inputs(), {})
        assert out["dataplane"] == f"nwfilter {policy_name(out['id'])} defined on real"
        with Host("real", realhost.uri) as host:
            assert {policy_name(out["id"]), rules_name(out["id"])} <= set(host.nwfilter_names())
            c.delete("security_group", ctx, out["id"], out)
            assert not {policy_name(out["id"]), rules_name(out["id"])} & set(host.nwfilter_names())
    finally:
        c.close()
