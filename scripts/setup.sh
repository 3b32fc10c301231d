#!/usr/bin/env bash
# Sets up a working checkout of iaas on Debian 12 and shows the demo.
#
#   ./scripts/setup.sh            install what is missing, then run the demo
#   ./scripts/setup.sh --no-demo  install what is missing, nothing more
#
# Installs the Debian packages needed to build libvirt-python (as root, or
# through sudo), creates .venv and installs iaas into it in editable mode with
# the test tools.  A second run with nothing to do is fast and prints nothing
# before the demo.  Set PYTHON to choose the interpreter for .venv (default
# python3, 3.11 or newer).
set -euo pipefail

DEBIAN_PACKAGES=(libvirt-dev pkg-config gcc python3-dev python3-venv genisoimage)
INSTALL_SPEC=".[test,faces]"
STAMP=".venv/.iaas-setup-stamp"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

run_demo=1
for arg in "$@"; do
    case "$arg" in
        --no-demo) run_demo=0 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $arg" ;;
    esac
done

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

# Two setups at once in one checkout would race on .venv: take turns.
if command -v flock >/dev/null 2>&1; then
    exec 9<"scripts/setup.sh"
    flock -w 900 9 || die "another setup has held the lock for 15 minutes"
fi

missing_debian_packages() {
    local pkg status
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = "installed" ] || printf '%s\n' "$pkg"
    done
}

install_debian_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian system: make sure these are installed: ${DEBIAN_PACKAGES[*]}"
        return
    fi
    local missing
    mapfile -t missing < <(missing_debian_packages)
    [ "${#missing[@]}" -eq 0 ] && return
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "run as root or install sudo; missing packages: ${missing[*]}"
        sudo=(sudo)
    fi
    say "installing Debian packages: ${missing[*]}"
    local log
    log=$(mktemp)
    if ! { "${sudo[@]}" apt-get update -qq \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}"; } </dev/null >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "apt-get could not install: ${missing[*]}"
    fi
    rm -f "$log"
}

create_venv() {
    local python="${PYTHON:-python3}"
    if [ -d .venv ] && ! .venv/bin/python -c '' >/dev/null 2>&1; then
        say "removing a broken .venv"
        rm -rf .venv
    fi
    [ -d .venv ] && return
    command -v "$python" >/dev/null 2>&1 || die "$python not found"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$python is older than 3.11"
    say "creating .venv with $("$python" --version 2>&1)"
    "$python" -m venv .venv
}

# What the installed .venv was built from: the project file, the install
# spec and the checkout's path (an editable install points at it).
wanted_stamp() {
    printf '%s %s %s\n' "$(sha256sum pyproject.toml | cut -d' ' -f1)" "$INSTALL_SPEC" "$PWD"
}

install_project() {
    local wanted
    wanted=$(wanted_stamp)
    if [ -x .venv/bin/iaas ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
        return
    fi
    say "installing iaas and its test tools into .venv (libvirt-python builds from source)"
    rm -f "$STAMP"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$INSTALL_SPEC"
    printf '%s\n' "$wanted" >"$STAMP"
}

demo() {
    export VIRTUAL_ENV="$PWD/.venv"
    export PATH="$VIRTUAL_ENV/bin:$PATH"
    iaas --help
    if [ -f examples/demo/run.sh ]; then
        bash examples/demo/run.sh
    fi
}

install_debian_packages
create_venv
install_project
if [ "$run_demo" -eq 1 ]; then
    demo
fi
