#!/usr/bin/env bash
# Runs commands in a fresh Debian 12 (bookworm) root, as a new user of a clone would.
#
#   scripts/fresh-root.sh [OPTIONS] [CHECKOUT [COMMAND...]]
#
#   CHECKOUT        the git checkout to clone into the root (default: this one);
#                   only committed files come along
#   COMMAND...      shell commands run one after the other as root in the clone,
#                   stopping at the first that fails (default: the README's two,
#                   ./scripts/setup.sh and ./scripts/test.sh)
#   --root DIR      build the root in DIR and keep it; when DIR already holds a
#                   root (from an earlier --root run), run in it again as it is
#   --refresh       build the cached pristine root again
#   --mirror URL    the Debian mirror (default: the one of this machine's apt sources)
#
# A developer tool, not part of the product.  Needs root and debootstrap
# (installed with apt-get when missing).  The pristine root (debootstrap
# --variant=minbase) is cached as a tarball under
# ${XDG_CACHE_HOME:-~/.cache}/iaas-fresh-root, so later runs start in seconds.
# Each run unpacks a copy (in DIR, or a temporary directory removed at the end),
# mounts what a machine has (the root as a mount point of its own, /proc, /sys with its cgroups, /dev with /dev/pts,
# /run as a memory file system), copies resolv.conf, trusts the certificate
# authorities of /usr/local/share/ca-certificates, clones CHECKOUT to
# /root/iaas and runs each COMMAND there with chroot, in a root login's
# environment (HOME=/root, the PATH of /etc/profile, no locale; this machine's
# proxy and certificate-file variables), printing its
# exit code and wall time.  A policy-rc.d keeps packages' daemons from starting
# (no init system runs in the root).  On exit, even after a failure or Ctrl-C,
# processes left running in the root are stopped and everything mounted is
# unmounted.  Exits with the first failing command's code.
set -euo pipefail

SUITE=bookworm
VARIANT=minbase
# apt recommends ca-certificates, so every Debian installed the usual way has it; debootstrap skips recommends.
INCLUDE=ca-certificates
# How this machine reaches the network (proxies, certificate files), passed on to the commands.
NETWORK_ENV=(http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY SSL_CERT_FILE SSL_CERT_DIR
             REQUESTS_CA_BUNDLE PIP_CERT CURL_CA_BUNDLE)
CLONE=/root/iaas

say() { printf 'fresh-root: %s\n' "$*" >&2; }
die() { printf 'fresh-root: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# The pristine root as a tarball, built with debootstrap the first time.
pristine_tarball() {
    local cache tarball work
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/iaas-fresh-root
    tarball="$cache/$SUITE-$VARIANT-$INCLUDE-$(dpkg --print-architecture).tar.gz"
    if [ -f "$tarball" ] && [ "$refresh" -eq 0 ]; then
        printf '%s\n' "$tarball"
        return
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        say "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap </dev/null >&2
    fi
    mkdir -p "$cache"
    work=$(mktemp -d "$cache/build.XXXXXX")
    say "building a pristine $SUITE root from $mirror (a few minutes, once)"
    if ! debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$work/root" "$mirror" >"$work/log" 2>&1; then
        tail -n 30 "$work/log" >&2
        rm -rf "$work"
        die "debootstrap failed"
    fi
    tar -C "$work/root" --numeric-owner -czf "$work/root.tar.gz" .
    mv "$work/root.tar.gz" "$tarball"
    rm -rf "$work"
    printf '%s\n' "$tarball"
}

# What a fresh machine's apt knows: the release, its updates and security updates.
write_apt_sources() {
    local security=${mirror%/debian}/debian-security
    [ "$security" != "$mirror/debian-security" ] || security=http://security.debian.org/debian-security
    cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb $security $SUITE-security main
EOF
}

prepare_root() {
    local tarball
    tarball=$(pristine_tarball)
    mkdir -p "$root"
    say "unpacking $tarball into $root"
    tar -C "$root" --numeric-owner -xzf "$tarball"
    write_apt_sources
    printf '#!/bin/sh\n# fresh-root.sh: no init system runs here; packages must not start daemons.\nexit 101\n' \
        >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    trust_local_authorities
    say "cloning $checkout into $CLONE"
    git clone -q "$checkout" "$root$CLONE"
}

# The certificate authorities this machine adds to Debian's (e.g. a proxy's), which the network here needs.
trust_local_authorities() {
    local crts=(/usr/local/share/ca-certificates/*.crt)
    [ -e "${crts[0]}" ] || return 0
    say "adding this machine's local certificate authorities: ${crts[*]##*/}"
    cp "${crts[@]}" "$root/usr/local/share/ca-certificates/"
    /usr/sbin/chroot "$root" /usr/sbin/update-ca-certificates >/dev/null
}

# NAME=VALUE for each of NETWORK_ENV set here.
network_env() {
    local name
    for name in "${NETWORK_ENV[@]}"; do
        [ -n "${!name:-}" ] && printf '%s=%s\n' "$name" "${!name}"
    done
    return 0
}

mounted=()

mount_all() {
    # A machine's root is a mount point (unshare --propagation needs one): the root on itself first.
    mount --bind "$root" "$root"
    mounted+=("$root")
    mount -t proc proc "$root/proc"
    mounted+=("$root/proc")
    mount --rbind /sys "$root/sys"
    mount --make-rslave "$root/sys"
    mounted+=("$root/sys")
    mount --rbind /dev "$root/dev"
    mount --make-rslave "$root/dev"
    mounted+=("$root/dev")
    mount -t tmpfs -o mode=0755,nosuid,nodev run "$root/run"
    mounted+=("$root/run")
    mkdir -p "$root/run/lock"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

# Processes whose root is the fresh root (daemons a command left behind).
processes_inside() {
    local link pid
    for link in /proc/[0-9]*/root; do
        pid=${link#/proc/}
        pid=${pid%/root}
        [ "$(readlink "$link" 2>/dev/null)" = "$root" ] && printf '%s\n' "$pid"
    done
    return 0
}

cleanup() {
    local rc=$? pids i
    trap - EXIT INT TERM
    mapfile -t pids < <(processes_inside)
    if [ "${#pids[@]}" -gt 0 ]; then
        say "stopping processes left in the root: ${pids[*]}"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            mapfile -t pids < <(processes_inside)
            [ "${#pids[@]}" -eq 0 ] && break
            sleep 0.5
        done
        [ "${#pids[@]}" -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -R "${mounted[$i]}" 2>/dev/null || umount -R -l "${mounted[$i]}" || say "could not unmount ${mounted[$i]}"
    done
    # Whatever a command mounted inside and left there.
    local target
    for target in $(findmnt -rn -o TARGET | grep -E "^$root(/|$)" | sort -r || true); do
        umount -l "$target" || say "could not unmount $target"
    done
    if [ "$keep" -eq 0 ] && [ -n "${tmp:-}" ]; then
        if findmnt -rn -o TARGET | grep -qE "^$root(/|$)"; then
            say "not removing $tmp: something is still mounted under it"
        else
            rm -rf "$tmp"
        fi
    fi
    exit "$rc"
}

# One command as root in the clone, in the environment of a root login.
run_inside() {
    local command=$1 start end rc env
    mapfile -t env < <(network_env)
    say "running: $command"
    start=$(date +%s)
    rc=0
    env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM="${TERM:-dumb}" "${env[@]}" \
        /usr/sbin/chroot "$root" /bin/bash -lc "cd $CLONE && $command" || rc=$?
    end=$(date +%s)
    say "exit $rc after $((end - start)) s: $command"
    return "$rc"
}

main() {
    refresh=0
    keep=0
    root=""
    mirror=""
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --root) [ "$#" -ge 2 ] || die "--root needs a directory"; root=$2; keep=1; shift 2 ;;
            --refresh) refresh=1; shift ;;
            --mirror) [ "$#" -ge 2 ] || die "--mirror needs a URL"; mirror=$2; shift 2 ;;
            -h|--help) usage; exit 0 ;;
            --) shift; break ;;
            -*) usage >&2; die "unknown option: $1" ;;
            *) break ;;
        esac
    done
    [ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot)"
    checkout=$(readlink -f "${1:-$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/..}")
    [ "$#" -gt 0 ] && shift
    local commands=("$@")
    [ "${#commands[@]}" -gt 0 ] || commands=("./scripts/setup.sh" "./scripts/test.sh")
    mirror=${mirror:-$("$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/debian-mirror.sh" "$SUITE")}
    mirror=${mirror%/}

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ -n "$root" ]; then
        mkdir -p "$root"
        root=$(readlink -f "$root")
    else
        tmp=$(mktemp -d /var/tmp/iaas-fresh-root.XXXXXX)
        root=$tmp/root
    fi
    if [ -f "$root/etc/debian_version" ] && [ -d "$root$CLONE" ]; then
        say "reusing the root in $root as it is"
    else
        [ -z "$(ls -A "$root" 2>/dev/null)" ] || die "$root is neither empty nor a root made by this script"
        git -C "$checkout" rev-parse --git-dir >/dev/null 2>&1 || die "$checkout is not a git checkout"
        prepare_root
    fi
    mount_all
    local command
    for command in "${commands[@]}"; do
        run_inside "$command"
    done
}

main "$@"
