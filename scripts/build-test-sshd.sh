#!/usr/bin/env bash
# Unpacks an OpenSSH server for the real-host tests, without installing it:
# the tests run it (`sshd -i`, one per connection) inside a private host's
# namespaces, to reach that host as `qemu+ssh://`.  Nothing is installed on
# the machine and no daemon is started here.
#
#   scripts/build-test-sshd.sh       unpack (or reuse) and print the directory
#
# The directory holds usr/sbin/sshd and the libraries it needs that the
# machine lacks (usr/lib/<arch>/, for LD_LIBRARY_PATH).  It is cached under
# ${IAAS_TEST_SSHD_CACHE:-~/.cache/iaas-test-sshd}/<version>.  Needs apt-get
# (for `apt-get download`) and dpkg-deb.
set -euo pipefail

PACKAGES=(openssh-server libwrap0)

die() { printf 'build-test-sshd: error: %s\n' "$*" >&2; exit 1; }

candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }

main() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch openssh-server"
    local version key cache out pkg
    version=$(candidate openssh-server)
    [ -n "$version" ] && [ "$version" != "(none)" ] || die "apt-cache knows no openssh-server (run apt-get update)"
    key="openssh-server_${version}_$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
    key=${key//[^A-Za-z0-9._+-]/_}
    cache=${IAAS_TEST_SSHD_CACHE:-$HOME/.cache/iaas-test-sshd}
    out="$cache/$key"
    if [ -f "$out/done" ]; then
        printf '%s\n' "$out"
        return
    fi
    mkdir -p "$cache"
    exec 9>"$cache/.lock"
    flock -w 600 9 || die "another build holds $cache/.lock"
    if [ ! -f "$out/done" ]; then
        tmp=$(mktemp -d)
        trap 'rm -rf "${tmp:-}"' EXIT
        chmod 755 "$tmp"  # apt's download user writes here
        for pkg in "${PACKAGES[@]}"; do
            (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
        done
        rm -rf "$out.part"
        mkdir -p "$out.part"
        for deb in "$tmp"/*.deb; do
            dpkg-deb -x "$deb" "$out.part"
        done
        [ -x "$out.part/usr/sbin/sshd" ] || die "the openssh-server package holds no usr/sbin/sshd"
        touch "$out.part/done"
        mv "$out.part" "$out"
    fi
    printf '%s\n' "$out"
}

main "$@"
