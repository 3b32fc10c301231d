# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every iaas module shares: the import of iaas, the cloud, errors, check mode and the exit."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.iaas.cloud.plugins.module_utils.options import GROUPS

try:
    import iaas
    from iaas import api
    from iaas.api import FieldError, IaasError, ValidationError
except ImportError:
    IAAS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    IAAS_IMPORT_ERROR = None

INTERPRETER_HINT = (
    "The module runs with the Python interpreter Ansible chose for the host, which must have iaas installed. "
    "For localhost, set ansible_python_interpreter to '{{ ansible_playbook_python }}'."
)

KNOWN_AFTER_APPLY = "(known after apply)"
SENSITIVE = "(sensitive value)"


def plain(value: Any) -> Any:
    """A value the module can return: values known only after the change become a readable marker."""
    if value is iaas.UNKNOWN:
        return KNOWN_AFTER_APPLY
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def hide_secrets(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """A copy in which the fields the model marks secret (an instance's user data) read ``(sensitive value)``."""
    secret = {f.name for f in api.schema(kind).fields if f.spec.secret}
    return {k: SENSITIVE if k in secret and v is not None else v for k, v in values.items()}


def strip_none(value: Any) -> Any:
    """A copy without the keys Ansible filled with None (options left out)."""
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_none(v) for v in value]
    return value


def error_message(exc: BaseException, address: str | None = None) -> str:
    """A one-line message that names the option at fault."""
    if not isinstance(exc, ValidationError) or not getattr(exc, "errors", None):
        return str(exc)
    parts = []
    for err in exc.errors:
        mine = err.address in ("", address) or (address is not None and err.address.startswith(address + "."))
        if mine and err.field:
            parts.append(f"option {err.field}: {err.message}")
        else:
            parts.append(str(err))
    return "; ".join(parts)


def option_error(option: str, message: str) -> ValidationError:
    """A validation error about one option of the module."""
    return ValidationError([FieldError("", option, message)])


def open_cloud(value: Any) -> iaas.Cloud:
    """The cloud an option names: a config file, a config mapping, or (None) the default cloud."""
    if value is not None and not isinstance(value, str | dict):
        raise option_error(
            "cloud", f"expected the path of a cloud config file or a mapping, got {type(value).__name__}"
        )
    settings = iaas.CloudSettings.of(
        cloud=value if isinstance(value, str) else None, config=value if isinstance(value, dict) else None
    )
    problems = settings.problems()
    if problems:
        raise option_error("cloud", problems[0][1])
    return settings.open()


class IaasModule:
    """An Ansible module on an iaas cloud: options from shared groups plus its own, one run, one exit."""

    def __init__(self, options: dict[str, Any], groups: tuple[str, ...], **kwargs: Any):
        spec: dict[str, Any] = {}
        for group in groups:
            spec.update(GROUPS[group])
        spec.update(options)
        self.ansible = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        self.params: dict[str, Any] = self.ansible.params
        self.check_mode: bool = self.ansible.check_mode
        self.address: str | None = None  # the resource the module works on, for error messages
        self._cloud: iaas.Cloud | None = None
        if IAAS_IMPORT_ERROR is not None:
            self.ansible.fail_json(
                msg=missing_required_lib("iaas") + " " + INTERPRETER_HINT, exception=IAAS_IMPORT_ERROR
            )

    @property
    def diff_mode(self) -> bool:
        """True when Ansible runs with --diff."""
        return bool(self.ansible._diff)

    @property
    def cloud(self) -> iaas.Cloud:
        """The cloud of the option ``cloud``, opened on first use."""
        if self._cloud is None:
            self._cloud = open_cloud(self.params.get("cloud"))
        return self._cloud

    def run(self, body: Callable[[], dict[str, Any]]) -> None:
        """Run ``body`` and exit with its result; an iaas error fails the task with a clear message."""
        try:
            result = body()
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self._fail_with(exc)
        finally:
            if self._cloud is not None:
                self._cloud.close()
                self._cloud = None
        self.ansible.exit_json(**result)

    def _fail_with(self, exc: Exception) -> None:
        """Fail the task: an iaas error with its message (naming the option), anything else with its traceback."""
        if isinstance(exc, ValidationError):
            errors = [{"option": e.field, "message": e.message, "address": e.address} for e in exc.errors]
            self._fail(error_message(exc, self.address), errors=errors)
        elif isinstance(exc, IaasError):
            self._fail(str(exc))
        else:
            self._fail(f"iaas failed unexpectedly: {exc}", exception=traceback.format_exc())

    def _fail(self, msg: str, **extra: Any) -> None:
        if self._cloud is not None:
            self._cloud.close()
            self._cloud = None
        self.ansible.fail_json(msg=msg, **extra)
