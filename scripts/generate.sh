#!/usr/bin/env bash
# Regenerates every file derived from the model (iaas/model/): the stack-file reference, the Pulumi schema, SDK
# and docs, and the Ansible modules' documentation and argument specs. Run it after adding or changing a field or a
# kind, and commit what it changes; tests fail while a derived file is out of date.
#
#   ./scripts/generate.sh
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
python=.venv/bin/python
[ -x "$python" ] || { echo "generate: run ./scripts/setup.sh first" >&2; exit 1; }

"$python" -m iaas.docgen
"$python" -m iaas_pulumi.generate
"$python" ansible_collection/tools/generate.py
git status --short -- docs providers/pulumi ansible_collection
