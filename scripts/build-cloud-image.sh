#!/usr/bin/env bash
# Builds a small Debian 12 (bookworm) cloud image from Debian packages, for the
# real-host tests that boot real cloud-init: what Debian's own cloud images run
# (systemd, cloud-init, netplan rendering for systemd-networkd, OpenSSH, the
# cloud kernel), without the boot loader, which the tests replace by booting
# the kernel directly.
#
#   scripts/build-cloud-image.sh           build (or reuse) and print the image's directory
#
# The directory holds disk.qcow2 (an ext4 file system labelled iaas-root, no
# partition table), vmlinuz and initrd.img (the image's own kernel and initial
# ramdisk) and cmdline (the kernel command line to boot with).  It is cached
# under ${IAAS_CLOUD_IMAGE_CACHE:-~/.cache/iaas-cloud-image}/<key>, where the
# key is the suite and this script's checksum: a change here builds again.
#
# cloud-init reads only the NoCloud seed (datasource_list: [NoCloud, None]);
# its default user is `debian` (sudo without password), whom the seed's SSH
# keys are given to.  Units a short-lived test guest does not need are
# masked, so the boot under software emulation stays short.  Needs root,
# debootstrap, e2fsprogs (mkfs.ext4 -d), qemu-img and the Debian archive
# (the mirror of this machine's apt sources, or $IAAS_DEBIAN_MIRROR).
set -euo pipefail

SUITE=bookworm
PACKAGES=(linux-image-cloud-amd64 systemd-sysv udev cloud-init openssh-server netplan.io iproute2 sudo locales
          ca-certificates)
#: Units that only cost boot time in a test guest (timers for long-lived machines, consoles nobody logs in to).
MASKED=(apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
        getty@tty1.service systemd-journal-flush.service systemd-update-utmp.service
        systemd-update-utmp-runlevel.service systemd-pstore.service keyboard-setup.service)
FS_SIZE=1G
LABEL=iaas-root

say() { printf 'build-cloud-image: %s\n' "$*" >&2; }
die() { printf 'build-cloud-image: error: %s\n' "$*" >&2; exit 1; }

main() {
    local key cache out
    key="$SUITE-$(dpkg --print-architecture)-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
    cache=${IAAS_CLOUD_IMAGE_CACHE:-$HOME/.cache/iaas-cloud-image}
    out="$cache/$key"
    if [ -f "$out/done" ]; then
        printf '%s\n' "$out"
        return
    fi
    [ "$(id -u)" -eq 0 ] || die "building the image needs root (debootstrap, chroot)"
    local tool
    for tool in debootstrap mkfs.ext4 qemu-img unshare; do
        command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
        command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (scripts/libvirtd-host.sh install)"
    done
    mkdir -p "$cache"
    exec 9>"$cache/.lock"
    flock -w 1200 9 || die "another build holds $cache/.lock"
    if [ ! -f "$out/done" ]; then
        build "$out"
    fi
    printf '%s\n' "$out"
}

build() {
    local out=$1 mirror start
    mirror=${IAAS_DEBIAN_MIRROR:-$("$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/debian-mirror.sh" "$SUITE")}
    start=$(date +%s)
    work=$(mktemp -d "${out%/*}/build.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    say "debootstrap $SUITE from $mirror (a few minutes, once)"
    if ! debootstrap --variant=minbase "$SUITE" "$work/root" "$mirror" >"$work/log" 2>&1; then
        tail -n 20 "$work/log" >&2
        grep -qiE "couldn't download|failed getting release|temporary failure|could not resolve" "$work/log" \
            && die "the Debian archive cannot be reached: debootstrap failed"
        die "debootstrap failed"
    fi
    configure_before "$work/root" "$mirror"
    say "installing ${PACKAGES[*]}"
    # In a mount namespace of its own: what is mounted for the chroot goes away with it, even on failure.
    if ! unshare --mount --propagation private -- bash -c '
            set -e
            root=$1; shift
            mount -t proc proc "$root/proc"
            mount -t sysfs sys "$root/sys"
            mount --bind /dev "$root/dev"
            env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C \
                chroot "$root" sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold $*"
        ' bash "$work/root" "${PACKAGES[@]}" >"$work/log" 2>&1 </dev/null; then
        tail -n 20 "$work/log" >&2
        die "installing the image's packages failed"
    fi
    configure_after "$work/root"
    say "writing the image"
    mkdir -p "$work/out"
    cp "$work/root/boot/vmlinuz-"* "$work/out/vmlinuz"
    cp "$work/root/boot/initrd.img-"* "$work/out/initrd.img"
    rm -rf "$work/root/boot/"*
    mkfs.ext4 -q -L "$LABEL" -d "$work/root" "$work/root.raw" "$FS_SIZE"
    qemu-img convert -O qcow2 "$work/root.raw" "$work/out/disk.qcow2"
    printf 'root=LABEL=%s rw console=ttyS0 quiet systemd.show_status=false\n' "$LABEL" >"$work/out/cmdline"
    rm -rf "$out"
    mv "$work/out" "$out"
    touch "$out/done"
    say "built in $(($(date +%s) - start)) s: $out"
}

# Before the packages: their sources, no daemons started in the chroot, no documentation.
configure_before() {
    local root=$1 mirror=$2
    printf 'deb %s %s main\n' "$mirror" "$SUITE" >"$root/etc/apt/sources.list"
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/01-iaas-small" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/info/*
EOF
    # A small initial ramdisk (it is unpacked under emulation at every boot): the drivers of the root disk only.
    mkdir -p "$root/usr/share/initramfs-tools/modules.d" "$root/etc/initramfs-tools/conf.d"
    printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod ata_piix ahci ext4 >"$root/usr/share/initramfs-tools/modules.d/iaas"
    printf 'MODULES=list\nCOMPRESS=gzip\n' >"$root/etc/initramfs-tools/conf.d/iaas.conf"
}

# After the packages: a machine that becomes itself on first boot, from its seed.
configure_after() {
    local root=$1 unit
    rm -f "$root/usr/sbin/policy-rc.d" "$root"/etc/ssh/ssh_host_*
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    : >"$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
    printf 'localhost\n' >"$root/etc/hostname"
    # The locale every Debian has: cloud-init keeps it (without this file it generates and sets en_US.UTF-8).
    printf 'LANG=C.UTF-8\n' >"$root/etc/default/locale"
    printf 'LABEL=%s / ext4 defaults 0 0\n' "$LABEL" >"$root/etc/fstab"
    cat >"$root/etc/cloud/cloud.cfg.d/90-iaas-test-image.cfg" <<'EOF'
# Only the NoCloud seed that iaas attaches; no network probing for other clouds.
datasource_list: [NoCloud, None]
# One host key type: RSA and DSA keys take long to generate under software emulation.
ssh_genkeytypes: [ed25519]
# No boot loader to configure: the kernel is booted directly (probing for GRUB's disk takes long and finds none).
grub_dpkg:
  enabled: false
EOF
    for unit in "${MASKED[@]}"; do
        ln -sfn /dev/null "$root/etc/systemd/system/$unit"
    done
}

main "$@"
