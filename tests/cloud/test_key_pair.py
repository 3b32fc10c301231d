"""Key pairs: recorded in the inventory with the key's SHA256 fingerprint."""

from __future__ import annotations

import pytest

from iaas.cloud import Cloud
from iaas.errors import ValidationError

# Made with ``ssh-keygen -t ed25519``; the fingerprint is what ``ssh-keygen -l`` printed for it.
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKZ4fQaPEuTWYTF6myVazF2KzqqlUmSkKcuBpznrMPot alice@example"
FINGERPRINT = "SHA256:C4DBQPb0WkjiTBtEHZNlUDYoiks4qzCpnC5tzqSkAxo"


def inputs(name: str = "alice", key: str = KEY) -> dict:
    return {"name": name, "public_key": key}


def test_create_records_the_key_and_its_fingerprint(cloud: Cloud, op) -> None:
    ctx = op("key_pair.alice")
    out = cloud.create("key_pair", ctx, inputs(), {})
    assert out == {"id": ctx.pending_id, "fingerprint": FINGERPRINT}
    assert cloud.inventory.get(ctx.pending_id).data["inputs"]["public_key"] == KEY


def test_a_malformed_key_is_refused_and_nothing_is_recorded(cloud: Cloud, op) -> None:
    with pytest.raises(ValidationError, match=r"key_pair.alice.public_key: malformed public key"):
        cloud.create("key_pair", op("key_pair.alice"), inputs(key="ssh-ed25519 AAAA"), {})
    assert cloud.inventory.list("key_pair") == []


def test_create_again_with_the_same_pending_id_makes_no_duplicate(cloud: Cloud, op) -> None:
    ctx = op("key_pair.alice")
    assert cloud.create("key_pair", ctx, inputs(), {}) == cloud.create("key_pair", ctx, inputs(), {})
    assert len(cloud.inventory.list("key_pair")) == 1


def test_read_reports_key_and_fingerprint(cloud: Cloud, op) -> None:
    ctx = op("key_pair.alice")
    out = cloud.create("key_pair", ctx, inputs(), {})
    seen = cloud.read("key_pair", ctx, out["id"], out)
    assert seen.inputs["public_key"] == KEY
    assert seen.outputs["fingerprint"] == FINGERPRINT
    assert cloud.read("key_pair", ctx, "missing", out) is None


def test_update_recomputes_the_fingerprint(cloud: Cloud, op) -> None:
    ctx = op("key_pair.alice")
    out = cloud.create("key_pair", ctx, inputs(), {})
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKZ4fQaPEuTWYTF6myVazF2KzqqlUmSkKcuBpznrMPou"
    new = cloud.update("key_pair", ctx, out["id"], inputs(), inputs(key=other), ["public_key"], out)
    assert new["id"] == out["id"] and new["fingerprint"] != FINGERPRINT
    assert cloud.read("key_pair", ctx, out["id"], new).outputs["fingerprint"] == new["fingerprint"]


def test_delete_and_delete_again(cloud: Cloud, op) -> None:
    ctx = op("key_pair.alice")
    out = cloud.create("key_pair", ctx, inputs(), {})
    cloud.delete("key_pair", ctx, out["id"], out)
    cloud.delete("key_pair", ctx, out["id"], out)
    assert cloud.read("key_pair", ctx, out["id"], out) is None


def test_lookup_by_name_and_by_id(cloud: Cloud, op) -> None:
    ctx = op("key_pair.alice")
    out = cloud.create("key_pair", ctx, inputs(), {})
    assert cloud.lookup("key_pair", ctx, "alice").outputs["fingerprint"] == FINGERPRINT
    assert cloud.lookup("key_pair", ctx, out["id"]).inputs["name"] == "alice"
    assert cloud.lookup("key_pair", ctx, "bob") is None
