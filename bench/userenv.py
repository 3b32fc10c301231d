"""The environment the benchmarks start ``iaas`` in: a user's shell, not the developer's."""

from __future__ import annotations

import os

#: Variables of a developer's shell that would change what is measured (where iaas keeps its files, whether Python
#: may write its bytecode cache, which an installed iaas has, whether parsed stack files are kept).
SKIP = ("PYTHONDONTWRITEBYTECODE", "IAAS_HOME", "IAAS_STATE", "IAAS_CLOUD", "IAAS_CACHE_DIR")


def user_env() -> dict[str, str]:
    """This process's environment without :data:`SKIP`, and without colour."""
    env = {k: v for k, v in os.environ.items() if k not in SKIP}
    env["NO_COLOR"] = "1"
    return env
