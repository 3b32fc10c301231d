#!/usr/bin/env bash
# Runs `ansible-test sanity` on the Ansible collection iaas.cloud (ansible_collection/).
#
#   ./scripts/ansible-sanity.sh                  every sanity test
#   ./scripts/ansible-sanity.sh --test pep8      arguments go to ansible-test sanity
#
# ansible-test needs the collection in a real ansible_collections/iaas/cloud folder outside any git
# tree, so the collection is copied to a fresh temporary folder first (what `ansible-galaxy collection
# build` leaves out is left out). The virtual environments ansible-test makes are kept under
# ~/.ansible/test, which makes later runs much faster than the first.
#
# ansible-test bootstraps pip in its environments with a script it downloads from a host that is not a
# package registry; where that host cannot be reached, a small stand-in in ~/.ansible/test/cache
# installs pip with ensurepip and the package index instead.
#
# Exits with ansible-test's code; a run in which every target was skipped is a failure.
set -uo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
checkout=$PWD
python=${IAAS_PYTHON:-$checkout/.venv/bin/python}
bin=$(dirname "$python")

# The pip version ansible-test asks for, and the stand-in for its bootstrap script.
pip_version=$("$python" - <<'EOF'
import pathlib, re, ansible_test
source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", source.read_text()).group(1))
EOF
) || { echo "ansible-sanity: ansible-test is not installed in $python" >&2; exit 2; }
cache=$HOME/.ansible/test/cache
standin=$cache/get_pip_${pip_version//./_}.py
if [ ! -s "$standin" ]; then
    mkdir -p "$cache"
    cat > "$standin" <<'EOF'
"""Installs pip in a new virtual environment from the package index (ensurepip first)."""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
EOF
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/iaas-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
target=$work/ansible_collections/iaas/cloud
mkdir -p "$target"
tar -C ansible_collection --exclude=./tools --exclude=./tests/output --exclude='__pycache__' \
    --exclude='*.tar.gz' -cf - . | tar -C "$target" -xf -

cd "$target" || exit 2
PATH=$bin:$PATH "$bin/ansible-test" sanity --python 3.11 --color no "$@" 2>&1 | tee "$work/sanity.log"
rc=${PIPESTATUS[0]}
if grep -q "All targets skipped" "$work/sanity.log"; then
    echo "ansible-sanity: every target was skipped; nothing was tested" >&2
    exit 1
fi
exit "$rc"
