"""Stack files for fuzzing: a valid stack, mutations of its values, shapes, text and bytes, and one run through
load, validate, plan and apply that says what happened."""

from __future__ import annotations

import copy
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import yaml
from hypothesis import strategies as st

import iaas
from iaas.engine.validate import validate_stack
from iaas.errors import IaasError
from tests.model._util import ed25519_public_key

STACK = "fz"
HANG_SECONDS = 60  # far beyond any honest example: a run still going then is a hang


def valid_stack(image: Path) -> dict[str, Any]:
    """A small stack of most kinds, valid on the embedded cloud."""
    return {
        "stack": STACK,
        "resources": {
            "image": {"img": {"source": str(image)}},
            "key_pair": {"admin": {"public_key": ed25519_public_key()}},
            "network": {"lan": {"cidr": "10.77.0.0/24"}},
            "security_group": {"ssh": {"rules": [{"port_min": 22}], "description": "ssh in"}},
            "volume": {"data": {"size_gib": 1}},
            "instance": {
                "vm": {
                    "image": "${image.img}",
                    "flavor": "m1.tiny",
                    "key_pair": "${key_pair.admin}",
                    "volumes": ["${volume.data}"],
                    "user_data": "#cloud-config\n{}\n",
                    "nics": [
                        {
                            "network": "${network.lan}",
                            "fixed_ip": "10.77.0.10",
                            "security_groups": ["${security_group.ssh}"],
                        }
                    ],
                }
            },
        },
        "outputs": {"ip": "${instance.vm.ip_address}", "gateway": "${network.lan.gateway}"},
    }


HOSTILE_STRINGS = [
    "",
    " ",
    "../../etc/passwd",
    "/dev/zero",
    "\x1b[31mred\x1b[0m",
    "\x00",
    "line\nbreak",
    "\r\n",
    "\u202eevil",
    "\ud800",
    "${",
    "${image.img.nope}",
    "${network.lan}",
    "${instance.vm.ip_address}",
    "${frob.x}",
    "10.77.0.0",
    "10.77.0.255",
    "0.0.0.0/0",
    'command="sh" ' + ed25519_public_key(),
    ed25519_public_key() + "\n" + ed25519_public_key(2),
    "é" * 40,
    "x" * 70_000,
    "NaN",
    "~",
    "*alias",
    "&anchor",
    "!!python/object:os.system",
]

scalars = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 10**30]),
    st.floats(),
    st.booleans(),
    st.none(),
)


def _nest(depth: int, leaf: Any) -> Any:
    for i in range(depth):
        leaf = [leaf] if i % 2 else {"k": leaf}
    return leaf


values = st.one_of(
    scalars,
    st.recursive(
        scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=8
    ),
    st.builds(_nest, st.integers(1, 120), scalars),
)


def _slots(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value under ``doc``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*path, key)
            yield from _slots(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield (*path, i)
            yield from _slots(value, (*path, i))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def mutate(data: st.DataObject, doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with one to three of its values replaced, removed, renamed or added to."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        slots = list(_slots(doc))
        if not slots:
            break
        path = data.draw(st.sampled_from(slots), label="path")
        parent, key = _parent(doc, path), path[-1]
        how = data.draw(st.sampled_from(["replace", "remove", "rename", "add"]), label="how")
        if how == "replace":
            parent[key] = data.draw(values, label="value")
        elif how == "remove":
            del parent[key]
        elif how == "rename" and isinstance(parent, dict):
            new_key = data.draw(st.sampled_from(HOSTILE_STRINGS[:12]) | st.text(max_size=8), label="key")
            parent[new_key] = parent.pop(key)
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8), label="key")] = data.draw(values, label="value")
        else:
            parent.append(data.draw(values, label="value"))
    return doc


def laughs(levels: int) -> list[Any]:
    """Nested lists, each repeating the one inside nine times; dumped as YAML they are anchors and aliases."""
    lol: list[Any] = ["lol"] * 9
    for _ in range(levels):
        lol = [lol] * 9
    return lol


def render(data: st.DataObject, doc: dict[str, Any], damaged: bool) -> bytes:
    """The document as YAML or JSON text; when ``damaged``, sometimes with aliases, cut short or with bad bytes."""
    form = data.draw(st.sampled_from(["yaml", "json"]), label="form")
    if damaged and data.draw(
        st.booleans(), label="aliases"
    ):  # JSON has no aliases: there the lists are written out in full
        levels = data.draw(st.integers(0, 8 if form == "yaml" else 2), label="levels")
        doc = {**doc, "outputs": {**(doc.get("outputs") or {}), "lol": laughs(levels)}}
    try:
        text = yaml.safe_dump(doc, sort_keys=False) if form == "yaml" else json.dumps(doc)
    except (yaml.YAMLError, ValueError):
        text = json.dumps(doc, default=str)
    raw = text.encode("utf-8", "surrogatepass")
    damage = data.draw(st.sampled_from(["none", "cut", "bytes", "utf16"]), label="damage") if damaged else "none"
    if damage == "cut":
        raw = raw[: data.draw(st.integers(0, len(raw)), label="cut")]
    elif damage == "bytes":
        at = data.draw(st.integers(0, len(raw)), label="at")
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=4), label="bytes") + raw[at:]
    elif damage == "utf16":
        raw = text.encode("utf-16", "surrogatepass")
    return raw


@attrs.frozen
class Outcome:
    """What one run did: ``applied``, or the step that refused it and the error."""

    step: str
    error: str = ""


def snapshot(engine: iaas.Engine) -> tuple[Any, ...]:
    """What the cloud holds and the state records."""
    records = sorted((r.kind, r.id, r.name, r.stack or "") for r in engine.cloud.managed_objects())
    state = sorted((a, r.id) for a, r in engine.resources().items())
    return records, state, json.dumps(engine.outputs(), sort_keys=True, default=str)


class Hang(Exception):
    """A run took longer than :data:`HANG_SECONDS`."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise Hang(f"still running after {HANG_SECONDS} s")


def run(path: Path, engine: iaas.Engine) -> Outcome:
    """Load, validate, plan and apply a stack file; an IaasError must leave the cloud and the state as they were.

    Anything but an IaasError propagates (a traceback is a finding), as does a run stopped by the alarm.
    """
    before = snapshot(engine)
    step = "load"
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        stack = iaas.Stack.load(str(path), STACK)
        step = "validate"
        validate_stack(stack)
        step = "plan"
        engine.plan(stack)
        step = "apply"
        engine.apply(stack)
    except IaasError as exc:
        after = snapshot(engine)
        assert after == before, f"refused at {step} ({exc}) but something changed:\n{before}\n{after}"
        str(exc)  # the message renders
        return Outcome(step, str(exc))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return Outcome("applied")
