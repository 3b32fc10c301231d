#!/usr/bin/env bash
# Sets up a working checkout of iaas on Debian 12 and shows the demo.
#
#   ./scripts/setup.sh               install what is missing, then run the demo
#   ./scripts/setup.sh --no-demo     install what is missing, nothing more
#   ./scripts/setup.sh --real-hosts  also install what the real-host tests need
#   ./scripts/setup.sh --postgres    also install PostgreSQL 15 (the tests start a private server)
#
# Installs the Debian packages needed to build libvirt-python and the tools
# some tests compare with (as root, or through sudo), creates .venv and
# installs into it the exact versions of uv.lock (iaas in editable mode, every
# face and the test tools), with uv.
# A second run with nothing to do is fast and prints nothing before the demo.
# Set PYTHON to choose the interpreter for .venv (default python3, 3.11 or
# newer).  --real-hosts installs the ~110 Debian packages (libvirt daemon,
# QEMU, dnsmasq, nftables...) that the real-host tests otherwise install on
# their first run; installing libvirt-daemon-system enables libvirt's units.
# --postgres installs postgresql-15, which the PostgreSQL tests otherwise
# install on their first run (its own server of the distribution is not started).
# Refresh the lock after changing dependencies: .venv/bin/uv lock --upgrade
set -euo pipefail

# To build libvirt-python, then the tools some tests compare with (isoinfo, ssh-keygen).
DEBIAN_PACKAGES=(libvirt-dev pkg-config gcc python3-dev python3-venv genisoimage openssh-client)
EXTRAS=(test faces)
STAMP=".venv/.iaas-setup-stamp"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

run_demo=1
real_hosts=0
postgres=0
for arg in "$@"; do
    case "$arg" in
        --no-demo) run_demo=0 ;;
        --real-hosts) real_hosts=1 ;;
        --postgres) postgres=1 ;;
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
    say "installing Debian packages (about a minute): ${missing[*]}"
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

# What the installed .venv was built from: the lock, the project file, the
# extras and the checkout's path (an editable install points at it).
wanted_stamp() {
    printf '%s %s %s %s\n' "$(sha256sum uv.lock | cut -d' ' -f1)" "$(sha256sum pyproject.toml | cut -d' ' -f1)" \
        "${EXTRAS[*]}" "$PWD"
}

# The version of uv that uv.lock pins.
locked_uv_version() {
    sed -n '/^name = "uv"$/{n;s/^version = "\(.*\)"$/\1/p;q}' uv.lock
}

install_project() {
    local wanted version extras=()
    wanted=$(wanted_stamp)
    if [ -x .venv/bin/iaas ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
        return
    fi
    rm -f "$STAMP"
    version=$(locked_uv_version)
    [ -n "$version" ] || die "uv.lock does not pin uv"
    if [ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$version" ]; then
        say "installing uv $version into .venv"
        .venv/bin/python -m pip install -q --disable-pip-version-check "uv==$version"
    fi
    for extra in "${EXTRAS[@]}"; do extras+=(--extra "$extra"); done
    say "installing the locked versions of uv.lock into .venv (libvirt-python builds from source the first time)"
    # --frozen: exactly what uv.lock says; --inexact keeps pip, which ansible-test and users expect in a venv.
    UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=.venv .venv/bin/uv sync --frozen --inexact \
        --python .venv/bin/python "${extras[@]}"
    printf '%s\n' "$wanted" >"$STAMP"
}

install_real_host_packages() {
    say "installing the real-host tests' Debian packages (libvirt daemon, QEMU, dnsmasq, nftables; about 110" \
        "packages; installing libvirt-daemon-system enables libvirt's units)"
    ./scripts/libvirtd-host.sh install
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
if [ "$real_hosts" -eq 1 ]; then
    install_real_host_packages
fi
if [ "$postgres" -eq 1 ]; then
    say "installing PostgreSQL 15 for the tests (its Debian packages)"
    ./scripts/postgres.sh install
fi
if [ "$run_demo" -eq 1 ]; then
    demo
fi
