"""Internal snapshots of guests on simulated hosts: create, read, list, describe, revert, delete, persistence."""

from __future__ import annotations

import pytest

from iaas.drivers.libvirt import Host
from iaas.drivers.libvirt.snapshots import snapshot_xml
from iaas.errors import NotFoundError
from tests.drivers._libvirt_helpers import META, UUID1, dom_spec, reopened


def test_a_running_guest_is_snapshotted_with_its_memory(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    snap = host.create_snapshot(UUID1, "before", "first <try> & more")
    assert (snap.name, snap.domain_uuid, snap.state, snap.memory) == ("before", UUID1, "running", True)
    assert snap.description == "first <try> & more" and snap.created_at > 0
    assert host.get_snapshot(UUID1, "before") == snap
    assert [s.name for s in host.list_snapshots(UUID1)] == ["before"]


def test_description_changes_and_the_snapshot_is_gone_once_deleted(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.create_snapshot(UUID1, "s1")
    assert host.describe_snapshot(UUID1, "s1", "now described").description == "now described"
    host.delete_snapshot(UUID1, "s1")
    host.delete_snapshot(UUID1, "s1")  # already gone: fine
    assert host.get_snapshot(UUID1, "s1") is None and host.list_snapshots(UUID1) == []
    with pytest.raises(NotFoundError, match="has no snapshot 's1'"):
        host.revert_snapshot(UUID1, "s1", start=True, with_memory=True)


def test_revert_follows_the_wanted_run_state(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    host.create_snapshot(UUID1, "live")
    host.revert_snapshot(UUID1, "live", start=False, with_memory=True)
    assert host.get_domain(UUID1).state == "shutoff"  # type: ignore[union-attr]
    host.revert_snapshot(UUID1, "live", start=True, with_memory=False)
    assert host.get_domain(UUID1).state == "running"  # type: ignore[union-attr]
    host.revert_snapshot(UUID1, "live", start=True, with_memory=True)
    assert host.get_domain(UUID1).state == "running"  # type: ignore[union-attr]


def test_snapshots_outlive_the_process_and_go_with_their_guest(stored_host: Host) -> None:
    stored_host.define_domain(dom_spec(), META)
    stored_host.start_domain(UUID1)
    first = stored_host.create_snapshot(UUID1, "one")
    stored_host.create_snapshot(UUID1, "two", "child of one")
    again = reopened(stored_host)
    assert [s.name for s in again.list_snapshots(UUID1)] == ["one", "two"]
    assert again.get_snapshot(UUID1, "one") == first
    again.delete_snapshot(UUID1, "two")
    again = reopened(again)
    assert [s.name for s in again.list_snapshots(UUID1)] == ["one"]
    again.delete_domain(UUID1)
    again.define_domain(dom_spec(), META)
    assert reopened(again).list_snapshots(UUID1) == []
    again.close()


def test_the_request_escapes_names_and_asks_for_memory_only_when_told() -> None:
    assert (
        snapshot_xml("a&b", "", False)
        == '<domainsnapshot><name>a&amp;b</name><memory snapshot="no" /></domainsnapshot>'
    )
    assert '<memory snapshot="internal" />' in snapshot_xml("s", "d", True)
