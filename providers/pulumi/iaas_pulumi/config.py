"""The provider's configuration: which cloud to use and where its inventory lives."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
from pulumi.provider.experimental.property_value import PropertyValue

from iaas.api import Cloud, CloudSettings, ValidationError
from iaas_pulumi import PACKAGE

_ENV = {"home": "IAAS_HOME", "cloud": "IAAS_CLOUD"}
_KNOWN = ("home", "cloud", "cloudConfig")  # the settings the package schema declares (schema.CONFIG)
_ENGINE = ("version", "pluginDownloadURL")  # set by the Pulumi engine itself


def unknown_settings(args: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Each setting the provider does not know, as (property, reason): a typo must not be ignored."""
    names = [k for k in args if k not in _KNOWN and k not in _ENGINE]
    for key in variables or {}:
        prefix = next((pre for pre in (f"{PACKAGE}:config:", f"{PACKAGE}:") if key.startswith(pre)), None)
        if prefix is not None and key[len(prefix) :] not in _KNOWN:
            names.append(key[len(prefix) :])
    known = ", ".join(f"{PACKAGE}:{k}" for k in _KNOWN)
    return [(name, f"unknown setting {PACKAGE}:{name} (known settings: {known})") for name in names]


def _text(pv: PropertyValue | None) -> Any:
    if pv is None:
        return None
    value = pv.value
    if isinstance(value, Mapping):  # structured config: a mapping of plain values
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_text(v) for v in value]
    return value


@attrs.frozen
class ProviderConfig:
    """Settings from the stack's ``iaas:*`` config, else from IAAS_HOME and IAAS_CLOUD."""

    home: str | None = None
    cloud: str | None = None
    cloud_config: Any = None  # YAML/JSON text or a mapping

    @classmethod
    def from_request(
        cls,
        args: Mapping[str, PropertyValue],
        variables: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ProviderConfig:
        """Read the settings from Configure's arguments, its variables, then the environment."""
        env = os.environ if environ is None else environ
        variables = variables or {}

        def get(name: str) -> Any:
            value = _text(args.get(name))
            for key in (f"{PACKAGE}:config:{name}", f"{PACKAGE}:{name}"):
                if value in (None, "") and key in variables:
                    value = variables[key]
            if value in (None, "") and name in _ENV:
                value = env.get(_ENV[name]) or None
            return None if value == "" else value

        return cls(home=get("home"), cloud=get("cloud"), cloud_config=get("cloudConfig"))

    def settings(self) -> CloudSettings:
        """The settings in the core's terms (the environment was read by :meth:`from_request`)."""
        return CloudSettings.of(self.cloud, self.cloud_config, self.home, environ={})

    def problems(self) -> list[tuple[str, str]]:
        """Each problem as (property, reason); empty when the cloud can be opened."""
        return [("cloudConfig" if prop == "config" else prop, why) for prop, why in self.settings().problems()]

    def open(self) -> Cloud:
        """Open the configured cloud: a config file, an inline config, or the embedded simulated host."""
        problems = self.problems()
        if problems:
            prop, reason = problems[0]
            raise ValidationError(f"provider config {prop}: {reason}")
        return self.settings().open()
