#!/usr/bin/env bash
# Runs the test suite: sets the checkout up when needed, then pytest.
#
#   ./scripts/test.sh                  every test
#   ./scripts/test.sh -m 'not slow'    arguments go to pytest as they are
#
# Exits with pytest's code, except that a run which collected no test fails.
set -uo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

./scripts/setup.sh --no-demo || exit $?

.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "test.sh: pytest collected no tests; a run without tests is a failure" >&2
    exit 1
fi
exit "$rc"
