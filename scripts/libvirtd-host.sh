#!/usr/bin/env bash
# A private libvirt host for tests and benchmarks: one libvirtd (with its
# virtlogd) inside its own mount, network and UTS namespace.
#
#   scripts/libvirtd-host.sh install       install the Debian packages it needs (when missing)
#   scripts/libvirtd-host.sh run DIR NAME  run a host named NAME with its state under DIR (foreground)
#
# `run` keeps everything the daemon owns under DIR: configuration (etc/),
# runtime files (run/), guests' disks and logs (lib/, log/, cache/) are
# bind-mounted over the usual /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/log/libvirt and /var/cache/libvirt inside the namespace only.  The
# socket is DIR/sock/libvirt-sock, reachable from outside as
#
#   qemu:///system?socket=DIR/sock/libvirt-sock
#
# DIR/private is a memory file system that only the daemon sees (empty from
# outside): storage pools there behave like those of a remote machine, whose
# files can only be reached through libvirt.  When /dev/kvm exists but comes
# from neither kvm_intel nor kvm_amd (e.g. kvm_pvm in a virtual machine, which
# cannot run stock guest kernels), the daemon sees an empty read-only file
# instead, so its capabilities offer software emulation only, as they should.
# The namespace has only a loopback interface: guests' networks reach nothing
# outside it.  Reach a guest with `nsenter --net=/proc/PID/ns/net`, where PID
# is the process of `run`.  SIGTERM (or SIGINT) stops the daemons and every
# guest, and the namespace goes away with them.  Needs root.
set -euo pipefail

PACKAGES=(libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils libvirt-clients
          dnsmasq-base iptables nftables iproute2 iputils-arping busybox-static genisoimage cpio kmod util-linux
          openssh-client ovmf swtpm swtpm-tools debootstrap e2fsprogs)

die() { printf 'libvirtd-host: error: %s\n' "$*" >&2; exit 1; }

missing_packages() {
    local pkg status
    for pkg in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = "installed" ] || printf '%s\n' "$pkg"
    done
}

install_packages() {
    [ "$(id -u)" -eq 0 ] || die "installing packages needs root"
    command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system: install ${PACKAGES[*]} yourself"
    local missing
    mapfile -t missing < <(missing_packages)
    [ "${#missing[@]}" -eq 0 ] && return 0
    printf 'libvirtd-host: installing %s\n' "${missing[*]}" >&2
    local log
    log=$(mktemp)
    if ! { apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        </dev/null >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "apt-get could not install: ${missing[*]}"
    fi
    rm -f "$log"
}

# Configuration for one private host, written under DIR/etc.
prepare() {
    local dir=$1
    mkdir -p "$dir"/{etc,run,lib,log,cache,sock,pools,private}
    # Inside the namespace, the usual socket path leads to the daemon's socket too
    # (virt-ssh-helper, which `qemu+ssh://` runs on the host, connects there).
    ln -sfn "$dir/sock/libvirt-sock" "$dir/run/libvirt-sock"
    if [ ! -f "$dir/etc/libvirtd.conf" ]; then
        cp -a /etc/libvirt/. "$dir/etc/"
        rm -f "$dir"/etc/qemu/networks/autostart/* "$dir"/etc/qemu/networks/*.xml
    fi
    # Each host its own UUID (libvirt would read the machine's, the same for every host here, and refuse to
    # migrate a guest between two of them as "the same host").
    local uuid
    uuid=$(printf '%s' "$dir" | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
    cat >"$dir/etc/libvirtd.conf" <<EOF
host_uuid = "$uuid"
unix_sock_dir = "$dir/sock"
unix_sock_auth = "none"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
EOF
    cat >"$dir/etc/qemu.conf" <<EOF
cgroup_controllers = [ ]
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
EOF
}

run_host() {
    local dir name
    [ "$#" -eq 2 ] || die "usage: $0 run DIR NAME"
    [ "$(id -u)" -eq 0 ] || die "running a host needs root"
    dir=$(readlink -f "$1")
    name=$2
    command -v libvirtd >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
    command -v libvirtd >/dev/null 2>&1 || die "libvirtd is not installed (run: $0 install)"
    prepare "$dir"
    local here
    here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
    exec unshare --mount --net --uts --propagation private -- \
        bash -c '
            set -e
            dir=$1; name=$2; here=$3
            mount --bind "$dir/etc" /etc/libvirt
            mount --bind "$dir/run" /run/libvirt 2>/dev/null || { mkdir -p /run/libvirt; mount --bind "$dir/run" /run/libvirt; }
            mount --bind "$dir/lib" /var/lib/libvirt
            mount --bind "$dir/log" /var/log/libvirt
            mount --bind "$dir/cache" /var/cache/libvirt
            mount -t tmpfs -o size=4g,mode=0755 iaas-private "$dir/private"
            if [ -e /dev/kvm ] && [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
                : >"$dir/no-kvm"
                mount --bind "$dir/no-kvm" /dev/kvm
                # read-only: libvirtd (as root) finds it not writable, so not usable; writable, it would probe
                # QEMU again on every call that reads the capabilities, "KVM should be usable now"
                mount -o remount,bind,ro /dev/kvm
            fi
            hostname "$name"
            ip link set lo up
            exec python3 "$here/subreaper.py" "$dir" 
        ' bash "$dir" "$name" "$here"
}

case "${1:-}" in
    install) install_packages ;;
    run) shift; run_host "$@" ;;
    *) sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
