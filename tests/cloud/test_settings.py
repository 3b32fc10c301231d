"""Opening a cloud from a face's settings: one rule for every face."""

from __future__ import annotations

import json
from pathlib import Path

from iaas.cloud.settings import CloudSettings


def test_the_environment_fills_what_is_unset(tmp_path: Path) -> None:
    env = {"IAAS_CLOUD": str(tmp_path / "c.yaml"), "IAAS_HOME": str(tmp_path / "h")}
    s = CloudSettings.of(environ=env)
    assert (s.cloud, s.home) == (env["IAAS_CLOUD"], env["IAAS_HOME"])
    assert CloudSettings.of(config={"hosts": []}, environ=env).cloud is None  # an inline config wins over the env
    assert CloudSettings.of("rel.yaml", home="h", environ={}, base=tmp_path).cloud == str(tmp_path / "rel.yaml")


def test_problems_name_the_setting(tmp_path: Path) -> None:
    assert CloudSettings.of(environ={}).problems() == []
    assert [p for p, _ in CloudSettings.of(str(tmp_path / "missing.yaml"), environ={}).problems()] == ["cloud"]
    assert [p for p, _ in CloudSettings.of(config="hosts: 5", environ={}).problems()] == ["config"]
    assert [p for p, _ in CloudSettings.of(config="{nope", environ={}).problems()] == ["config"]
    both = CloudSettings.of("a.yaml", {"hosts": []}, environ={}).problems()
    assert [p for p, _ in both] == ["config"]


def test_home_applies_to_a_config_without_its_own(tmp_path: Path) -> None:
    hosts = [{"name": "h1", "uri": "test:///default"}]
    own = tmp_path / "own.yaml"
    own.write_text(json.dumps({"hosts": hosts, "home": str(tmp_path / "shared")}))
    bare = tmp_path / "bare.yaml"
    bare.write_text(json.dumps({"hosts": hosts}))
    for path, expected in ((own, tmp_path / "shared"), (bare, tmp_path / "mine")):
        cloud = CloudSettings.of(str(path), home=str(tmp_path / "mine"), environ={}).open()
        try:
            assert Path(cloud.config.home) == expected
        finally:
            cloud.close()
