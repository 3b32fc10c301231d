"""Volumes: size, image overlay, format, placement and how changes apply (iaas.model.volume)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iaas.model import UNKNOWN, Image, Network, Reference, Volume
from iaas.model.values import ForbiddenChange, action_of, complete, diff, from_raw, inputs_of

from ._util import assert_valid, problems


def _volume(**values: object) -> dict[str, object]:
    return {"name": "data", "size_gib": 10, **values}


def test_valid_volumes() -> None:
    assert_valid(Volume, _volume())
    assert_valid(Volume, _volume(size_gib=1, format="raw", host="node1"))
    assert_valid(Volume, _volume(size_gib=65536))
    assert_valid(Volume, from_raw(Volume, _volume(image="${image.debian}", project="${project.team}")))


def test_size_is_required() -> None:
    assert problems(Volume, {"name": "data"}) == {"size_gib": "is required"}


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (0, "must be at least 1; got 0"),
        (-5, "must be at least 1; got -5"),
        (65537, "must be at most 65536; got 65537"),
        ("10", "expected integer, got str '10'"),
        (True, "expected integer, got bool True"),
        (10.0, "expected integer, got float 10.0"),
        ([10], "expected integer, got list [10]"),
    ],
)
def test_bad_sizes(size: object, message: str) -> None:
    assert problems(Volume, _volume(size_gib=size)) == {"size_gib": message}


def test_format_choices() -> None:
    assert problems(Volume, _volume(format="vdi")) == {"format": "must be one of qcow2, raw; got 'vdi'"}


def test_image_references() -> None:
    image = Image(name="debian", source="/srv/d.qcow2")
    assert inputs_of(Volume(name="data", size_gib=10, image=image))["image"] == Reference("image", "debian")
    assert inputs_of(Volume(name="data", size_gib=10, image=image.ref()))["image"] == Reference("image", "debian")
    assert from_raw(Volume, _volume(image="${image.debian}"))["image"] == Reference("image", "debian")
    assert from_raw(Volume, _volume(image="3f1c-image-id"))["image"] == "3f1c-image-id"  # an existing image's id
    wrong = inputs_of(Volume(name="data", size_gib=10, image=Network(name="web", cidr="10.0.0.0/24")))
    assert problems(Volume, wrong) == {"image": "must refer to an image, not to network.web"}
    assert problems(Volume, from_raw(Volume, _volume(project="${image.debian}"))) == {
        "project": "must refer to a project, not to image.debian"
    }


@pytest.mark.parametrize("name", ["id", "path"])
def test_computed_fields_cannot_be_set(name: str) -> None:
    assert problems(Volume, _volume(**{name: "x"})) == {name: "is computed by the cloud and cannot be set"}


def test_complete_fills_the_format() -> None:
    assert complete(Volume, _volume()) == {**_volume(), "image": None, "format": "qcow2", "project": None, "host": None}


def test_growing_is_live() -> None:
    old = complete(Volume, _volume())
    changes = diff(Volume, old, {**old, "size_gib": 20})
    assert [(c.field, c.old, c.new, c.update) for c in changes] == [("size_gib", 10, 20, "live")]
    assert action_of(changes) == "update"


def test_shrinking_is_refused_naming_the_field() -> None:
    old = complete(Volume, _volume(size_gib=20))
    with pytest.raises(ForbiddenChange) as info:
        diff(Volume, old, {**old, "size_gib": 19})
    assert info.value.field == "size_gib"
    assert str(info.value) == "cannot shrink a volume from 20 GiB to 19 GiB"


def test_a_size_known_only_after_apply_is_a_live_change() -> None:
    old = complete(Volume, _volume())
    assert [(c.field, c.update) for c in diff(Volume, old, {**old, "size_gib": UNKNOWN})] == [("size_gib", "live")]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("image", Reference("image", "other")),
        ("format", "raw"),
        ("project", "p2"),
        ("host", "node2"),
        ("name", "data2"),
    ],
)
def test_these_changes_replace_the_volume(name: str, value: object) -> None:
    old = complete(Volume, _volume())
    changes = diff(Volume, old, {**old, name: value})
    assert [(c.field, c.update) for c in changes] == [(name, "replace")]
    assert action_of(changes) == "replace"


def test_growing_and_moving_at_once_is_a_replacement() -> None:
    old = complete(Volume, _volume())
    changes = diff(Volume, old, {**old, "size_gib": 30, "host": "node2"})
    assert {c.field: c.update for c in changes} == {"size_gib": "live", "host": "replace"}
    assert action_of(changes) == "replace"


@given(st.integers(1, 65536), st.integers(1, 65536))
def test_a_size_change_is_live_when_growing_and_refused_when_shrinking(old_size: int, new_size: int) -> None:
    old = complete(Volume, _volume(size_gib=old_size))
    new = {**old, "size_gib": new_size}
    if new_size < old_size:
        with pytest.raises(ForbiddenChange):
            diff(Volume, old, new)
    else:
        assert [c.update for c in diff(Volume, old, new)] == (["live"] if new_size > old_size else [])
