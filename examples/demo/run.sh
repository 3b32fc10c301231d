#!/usr/bin/env bash
# The demo: plan, apply, change, and destroy a small stack on the embedded cloud
# (libvirt's test driver, persisted under examples/demo/.iaas). No daemon, no root.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
root=$(cd ../.. && pwd)
iaas() { "$root/.venv/bin/iaas" "$@"; }
step() { printf '\n\033[1m$ iaas %s\033[0m\n' "$*"; }

rm -rf .iaas
head -c 1048576 /dev/zero > tiny.qcow2         # stands in for a real image on the simulated host

step validate;                 iaas validate
step plan;                     iaas plan
step apply --auto-approve;     iaas apply --auto-approve
step plan --detailed-exitcode; iaas plan --detailed-exitcode && echo "(exit 0: no changes)"
step output;                   iaas output
step state list;               iaas state list
sed 's/flavor: m1.tiny\(.*\)$/flavor: m1.tiny\1/; s/memory_mib: 8192/memory_mib: 16384/' stack.yaml > changed.yaml
step "plan -f changed.yaml";   iaas plan -f changed.yaml --stack demo
step graph --format mermaid;   iaas graph --format mermaid | head -8
step destroy --auto-approve;   iaas destroy --auto-approve
rm -f changed.yaml
