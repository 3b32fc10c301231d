#!/usr/bin/env bash
# The demo: plan, apply, change, and destroy a small stack on the embedded cloud
# (libvirt's test driver, persisted under examples/demo/.iaas). No daemon, no root.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
root=$(cd ../.. && pwd)
iaas() { "$root/.venv/bin/iaas" "$@"; }
# Commands in bold on a terminal; plain text in a pipe or a log, or with NO_COLOR set.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ iaas %s%s\n' "$bold" "$*" "$plain"; }

rm -rf .iaas
head -c 1048576 /dev/zero > tiny.qcow2         # stands in for a real image on the simulated host

step validate;                 iaas validate
step plan;                     iaas plan
step apply --auto-approve;     iaas apply --auto-approve
step plan --detailed-exitcode; iaas plan --detailed-exitcode && echo "(exit 0: no changes)"
step output;                   iaas output
step state list;               iaas state list
# The change: web-2 grows to m1.small, and the project's memory quota grows with it.
sed '/^    web-2:/,/flavor:/s/flavor: m1.tiny/flavor: m1.small/; s/memory_mib: 8192/memory_mib: 16384/' stack.yaml \
    > changed.yaml
step "plan -f changed.yaml";   iaas plan -f changed.yaml --stack demo
step graph --format mermaid;   iaas graph --format mermaid
step destroy --auto-approve;   iaas destroy --auto-approve
rm -f changed.yaml
