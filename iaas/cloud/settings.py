"""Which cloud a face opens: one rule for the CLI, Terraform, Pulumi and Ansible.

A face has up to three settings: ``cloud`` (the path of a cloud config
file), ``config`` (the cloud config itself: a mapping, or YAML/JSON text) and
``home``.  Unset, ``cloud`` and ``home`` come from ``IAAS_CLOUD`` and
``IAAS_HOME``.  With neither a file nor a config, the embedded cloud (one
simulated host) is opened in ``home`` (default ``.iaas``).  ``home`` also
applies to a cloud config that does not name its own; a config that names
one keeps it, so a shared config's inventory is never split.  Relative paths
are taken from ``base`` (the working directory by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from iaas import yamlfile
from iaas.cloud.cloud import DEFAULT_HOME, Cloud, CloudConfig
from iaas.errors import ValidationError


@attrs.frozen
class CloudSettings:
    """The settings a face was given, resolved against the environment; see the module docs."""

    cloud: str | None = None  # path of a cloud config file
    config: dict[str, Any] | str | None = None  # the cloud config itself
    home: str | None = None

    @classmethod
    def of(
        cls,
        cloud: str | None = None,
        config: Mapping[str, Any] | str | None = None,
        home: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        base: str | Path | None = None,
    ) -> CloudSettings:
        """Settings from a face's values, with ``IAAS_CLOUD`` and ``IAAS_HOME`` for those left unset."""
        env = os.environ if environ is None else environ
        if not cloud and config is None:
            cloud = env.get("IAAS_CLOUD") or None
        home = home or env.get("IAAS_HOME") or DEFAULT_HOME
        if isinstance(config, Mapping):
            config = dict(config)
            if isinstance(config.get("home"), str):
                config["home"] = _path(config["home"], base)
        return cls(_path(cloud, base) if cloud else None, config, _path(home, base))

    def _mapping(self) -> dict[str, Any] | None:
        data = self.config
        if isinstance(data, str):
            data = yamlfile.parse(data, "inline cloud config")
        if data is not None and not isinstance(data, dict):
            raise ValidationError("expected a mapping with a 'hosts' list")
        return data

    def problems(self) -> list[tuple[str, str]]:
        """Each problem as (setting: ``cloud`` or ``config``, reason); empty when the cloud can be opened."""
        if self.cloud and self.config is not None:
            return [("config", "set either a cloud config file or an inline cloud config, not both")]
        if self.cloud and self.config is None and not Path(self.cloud).is_file():
            return [("cloud", f"no cloud config file {self.cloud}")]
        try:
            self._load()
        except ValidationError as exc:
            return [("config" if self.config is not None else "cloud", str(exc))]
        return []

    def _load(self) -> CloudConfig | None:
        source: dict[str, Any] | str | None = self._mapping() if self.config is not None else self.cloud
        if source is None:
            return None
        cfg = CloudConfig.load(source)
        raw = source if isinstance(source, dict) else _read(source)
        if self.home and "home" not in raw:
            cfg.home = self.home
        return cfg

    def open(self) -> Cloud:
        """Open the cloud; a :class:`ValidationError` names the setting that cannot work."""
        problems = self.problems()
        if problems:
            setting, reason = problems[0]
            raise ValidationError(f"{setting}: {reason}")
        cfg = self._load()
        return Cloud(cfg) if cfg is not None else Cloud.open(None, home=self.home or _path(DEFAULT_HOME, None))


def _path(value: str, base: str | Path | None) -> str:
    return os.path.join(base, os.path.expanduser(value)) if base else os.path.abspath(os.path.expanduser(value))


def _read(path: str) -> dict[str, Any]:
    data = yamlfile.load(path, "cloud config")  # already read once by CloudConfig.load: readable
    return data if isinstance(data, dict) else {}


def open_cloud(
    cloud: str | None = None,
    config: Mapping[str, Any] | str | None = None,
    home: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    base: str | Path | None = None,
) -> Cloud:
    """Open the cloud a face's settings name (see the module docs)."""
    return CloudSettings.of(cloud, config, home, environ=environ, base=base).open()


__all__ = ["CloudSettings", "open_cloud"]
