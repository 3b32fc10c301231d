"""``iaas console``: what it says where there is no console (real-host output: tests/integration)."""

from __future__ import annotations

from .conftest import Runner


def test_console_of_an_instance_on_a_simulated_host(applied: Runner) -> None:
    for name in ("vm", "instance.vm"):
        result = applied("console", name)
        assert result.code == 1
        assert "is simulated; its guests have no serial console" in result.err


def test_console_of_what_is_not_an_instance(applied: Runner) -> None:
    assert "instance.nope is not in the state of stack 't'" in applied("console", "nope").err
    assert "network.lan: only instances have a console" in applied("console", "network.lan").err
