"""The example Pulumi program in examples/pulumi runs with the SDK under Pulumi's mocks."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi

from iaas import resources
from iaas.model import KINDS
from iaas_pulumi.names import kind_of_token, snake
from tests.pulumi.harness import is_secret, reveal

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pulumi" / "__main__.py"


class CheckingMocks(pulumi.runtime.Mocks):
    """Each resource's inputs go through the core's check, as the provider's Check would do."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.failures: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        kind = kind_of_token(args.typ)
        assert kind is not None, args.typ
        self.kinds.append(kind)
        inputs = {snake(k): _snaked(v) for k, v in args.inputs.items()}
        checked = resources.check(kind, {"name": args.name, **inputs})
        self.failures += [str(e) for e in checked.errors]
        outputs = {"gateway": "10.50.0.1", "ipAddress": "10.50.0.10", "host": "default"}
        return f"{args.name}-id", {**args.inputs, **outputs}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def _snaked(value: Any) -> Any:
    if is_secret(value):  # secret inputs arrive wrapped, as the engine sends them to the provider
        return _snaked(reveal(value))
    if isinstance(value, dict):
        return {snake(k): _snaked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snaked(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def test_the_example_program_declares_valid_resources_of_every_kind() -> None:
    mocks = CheckingMocks()
    pulumi.runtime.set_mocks(mocks, project="iaas-web", stack="dev", preview=False)

    @pulumi.runtime.test
    def run() -> Any:
        runpy.run_path(str(EXAMPLE))
        return pulumi.Output.from_input(None)

    run()
    assert mocks.failures == []
    assert set(mocks.kinds) == set(KINDS)
