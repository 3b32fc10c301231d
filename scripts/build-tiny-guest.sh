#!/usr/bin/env bash
# Builds a tiny Linux guest for real-host tests: a Debian cloud kernel and a
# busybox initramfs, booted directly (no boot loader, no root file system).
#
#   scripts/build-tiny-guest.sh            build (or reuse) and print the guest's directory
#
# The guest's directory holds vmlinuz, initrd.img, disk.qcow2 (an empty disk
# to use as the image the root disk is layered on) and cmdline (the kernel
# command line to boot with).  It is cached under
# ${IAAS_TEST_GUEST_CACHE:-~/.cache/iaas-test-guest}/<key>, where the key
# names the kernel and busybox versions and this script's checksum.
#
# The guest at boot: loads the virtio, CD-ROM and balloon drivers; brings up
# eth0 by DHCP; mounts the NoCloud seed (the CD-ROM labelled cidata); prints
# on its serial console
#
#   IAAS-GUEST hostname=<local-hostname from meta-data>
#   IAAS-GUEST key=<the first ssh key of user-data or meta-data>
#   IAAS-GUEST ip=<its IPv4 address>
#   IAAS-GUEST ready
#
# and answers a greeting ("hello from <hostname>") on TCP port 7 (busybox nc).  It powers off when the host
# presses its ACPI power button (busybox acpid), unless its kernel command line has iaas.acpi=ignore: then it is
# a guest that ignores the request and must be powered off from outside.  Needs apt-get (for `apt-get download`), dpkg,
# kmod, cpio, qemu-img and busybox-static on the building machine.
set -euo pipefail

MODULES=(virtio_pci virtio_net virtio_blk virtio_balloon ata_piix virtio_scsi sr_mod isofs button evdev)

die() { printf 'build-tiny-guest: error: %s\n' "$*" >&2; exit 1; }

kernel_package() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}'
}

candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }

main() {
    local kpkg kver bver key cache out
    kpkg=$(kernel_package)
    [ -n "$kpkg" ] || die "apt-cache knows no linux-image-cloud-amd64 (run apt-get update)"
    kver=$(candidate "$kpkg")
    bver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null) || die "busybox-static is not installed"
    key="${kpkg#linux-image-}_${kver}_busybox-${bver}_$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
    key=${key//[^A-Za-z0-9._+-]/_}
    cache=${IAAS_TEST_GUEST_CACHE:-$HOME/.cache/iaas-test-guest}
    out="$cache/$key"
    if [ -f "$out/done" ]; then
        printf '%s\n' "$out"
        return
    fi
    mkdir -p "$cache"
    exec 9>"$cache/.lock"
    flock -w 600 9 || die "another build holds $cache/.lock"
    if [ ! -f "$out/done" ]; then
        build "$kpkg" "$out"
    fi
    printf '%s\n' "$out"
}

build() {
    local kpkg=$1 out=$2
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && apt-get download -q "$kpkg" >/dev/null 2>&1) || die "apt-get download $kpkg failed"
    dpkg -x "$work"/linux-image-*.deb "$work/k"
    local release
    release=$(ls "$work/k/lib/modules")
    depmod -b "$work/k" "$release"
    local root="$work/root"
    mkdir -p "$root"/{bin,dev,proc,sys,seed,tmp,lib/modules,etc/acpi/PWRF}
    cp /bin/busybox "$root/bin/busybox"
    local mod line
    : >"$root/modules.order"
    for mod in "${MODULES[@]}"; do
        while read -r line; do
            [ "${line%% *}" = "insmod" ] || continue
            line=${line#insmod }
            line=${line%% *}
            if ! grep -qx "lib/modules/$(basename "$line")" "$root/modules.order"; then
                cp "$line" "$root/lib/modules/"
                printf 'lib/modules/%s\n' "$(basename "$line")" >>"$root/modules.order"
            fi
        done < <(modprobe -d "$work/k" -S "$release" --show-depends "$mod")
    done
    write_init "$root"
    mkdir -p "$out.part"
    cp "$work/k/boot/vmlinuz-$release" "$out.part/vmlinuz"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.part/initrd.img"
    qemu-img create -q -f qcow2 "$out.part/disk.qcow2" 64M
    printf 'console=ttyS0 rdinit=/init panic=-1 quiet\n' >"$out.part/cmdline"
    rm -rf "$out"
    mv "$out.part" "$out"
    touch "$out/done"
}

write_init() {
    local root=$1
    cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/$m" 2>/dev/null; done </modules.order
say() { echo "IAAS-GUEST $*" >/dev/console; }
if grep -qw iaas.acpi=ignore /proc/cmdline; then
    say "acpi=ignored"
else
    acpid -f -l /tmp/acpid.log -c /etc/acpi -a /etc/acpid.conf &
    say "acpi=poweroff"
fi
ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
ip link set eth0 up
for dev in /dev/sr0 /dev/sr1 /dev/vdb /dev/vdc; do
    [ -b "$dev" ] || continue
    if mount -t iso9660 -o ro "$dev" /seed 2>/dev/null; then
        [ -f /seed/meta-data ] && break
        umount /seed
    fi
done
name=$(sed -n 's/^local-hostname: *//p' /seed/meta-data 2>/dev/null | tr -d "'\"")
[ -n "$name" ] && hostname "$name"
say "hostname=$(hostname)"
key=$(cat /seed/user-data /seed/meta-data 2>/dev/null | grep -o -m1 'ssh-[a-z0-9-]* [A-Za-z0-9+/=]*' | head -n1)
say "key=$key"
udhcpc -i eth0 -s /udhcpc.sh -t 30 -T 2 -n -q -x "hostname:$(hostname)" >/dev/null 2>&1
say "ip=$(ip -4 -o addr show dev eth0 | sed -n 's/.* inet \([0-9.]*\).*/\1/p')"
(while true; do echo "hello from $(hostname)" | nc -l -p 7 >/dev/null 2>&1; done) &
say ready
while true; do sleep 3600; done
EOF
    cat >"$root/udhcpc.sh" <<'EOF'
#!/bin/sh
case "$1" in
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" dev "$interface"
        [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
        ;;
esac
exit 0
EOF
    cat >"$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "IAAS-GUEST acpi power button: powering off" >/dev/console
sync
poweroff -f
EOF
    printf 'PWRF PWRF/00000080\n' >"$root/etc/acpid.conf"
    chmod +x "$root/init" "$root/udhcpc.sh" "$root/etc/acpi/PWRF/00000080"
}

main "$@"
