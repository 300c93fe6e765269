# shellcheck shell=bash
# shellcheck disable=SC2034 # TARGET, TRIPLE, GNU, QEMU… are read by the scripts that source this file
# Shared by cross/build, cross/verify and cross/all (sourced, not run).
#
# The toolchain is the one recorded in ../shared/reference/toolchain.md §5:
# Debian bookworm-security's rustc-web (amd64) plus its libstd-rust-web-dev for
# each target architecture, extracted with `dpkg -x` into .cross/ (apt runs
# with lists and a cache of its own there, so the machine's dpkg architecture
# list is never changed). rustup's cargo drives that rustc through RUSTC=; the
# link is done by Debian's cross gcc with +crt-static.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CROSS_ROOT=${CROSS_ROOT:-$REPO/.cross}
# Pinned; Debian replaces it through security updates and the old .debs then
# leave the mirror. DEB_RUST_VERSION=candidate takes whatever the index offers.
DEB_RUST_VERSION=${DEB_RUST_VERSION:-1.96.0+dfsg1-1~deb12u2}
DEB_SECURITY=${DEB_SECURITY:-http://deb.debian.org/debian-security}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target-cross}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
say() { printf 'cross: %s\n' "$*" >&2; }
die() { printf 'cross: error: %s\n' "$*" >&2; exit 1; }

zerda_version() {
    sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$REPO/Cargo.toml" | head -n1
}

# target_info NAME: sets TARGET (stable asset name), TRIPLE (rustc), DEB_ARCH
# (Debian architecture of the Rust std), GNU (binutils/gcc prefix, empty for
# the host), QEMU (runner, empty for the host), QEMU_CPU (the oldest Pi CPU of
# the target, so that verify catches instructions it lacks) and PKGS.
target_info() {
    QEMU_CPU=''
    case "$1" in
        x86_64 | x86_64-linux)
            TARGET=x86_64-linux TRIPLE=x86_64-unknown-linux-gnu DEB_ARCH=amd64
            GNU='' QEMU='' PKGS="gcc libc6-dev binutils" ;;
        aarch64 | aarch64-linux)
            TARGET=aarch64-linux TRIPLE=aarch64-unknown-linux-gnu DEB_ARCH=arm64
            GNU=aarch64-linux-gnu- QEMU=qemu-aarch64-static QEMU_CPU=cortex-a53
            PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu qemu-user-static" ;;
        armv7 | armv7-linux)
            TARGET=armv7-linux TRIPLE=armv7-unknown-linux-gnueabihf DEB_ARCH=armhf
            GNU=arm-linux-gnueabihf- QEMU=qemu-arm-static QEMU_CPU=cortex-a7
            PKGS="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross binutils-arm-linux-gnueabihf qemu-user-static" ;;
        *) die "unknown target '$1' (x86_64, aarch64, armv7; armv6 cannot be built here, see README)" ;;
    esac
}

# Installs the Debian packages of the current target when a tool is missing.
ensure_packages() {
    local missing=() p
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    command -v curl >/dev/null || missing+=(curl)
    command -v file >/dev/null || missing+=(file)
    command -v readelf >/dev/null || missing+=(binutils)
    command -v xz >/dev/null || missing+=(xz-utils)
    command -v gpgv >/dev/null || missing+=(gpgv)
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

APT_LISTS=$CROSS_ROOT/apt/lists
apt_own() { # apt-get|apt-cache ARGS…
    local tool=$1
    shift
    "$tool" -o APT::Sandbox::User=root -o Dir::State::Lists="$APT_LISTS" -o Dir::Cache="$CROSS_ROOT/apt/cache" \
        -o APT::Architectures="$DEB_ARCHES" "$@"
}

# Fallback when apt cannot update an architecture's index (a mirror in sync,
# see toolchain.md §6.3): verify bookworm-security's InRelease with Debian's
# keyring, check Packages.xz against it, then fetch the .deb from the pool and
# check its SHA256 against Packages.
pool_download() { # PACKAGE ARCH VERSION DESTDIR
    local pkg=$1 arch=$2 ver=$3 dest=$4 base=$DEB_SECURITY suite=bookworm-security
    local tmp idx line file sum
    tmp=$(mktemp -d)
    idx=main/binary-$arch/Packages.xz
    say "fallback: fetching $pkg:$arch=$ver from the pool by URL"
    curl -fsSL "$base/dists/$suite/InRelease" -o "$tmp/InRelease" ||
        die "cannot download $suite's InRelease"
    gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$tmp/InRelease" 2>/dev/null ||
        die "$suite's InRelease does not verify with Debian's keyring"
    curl -fsSL "$base/dists/$suite/$idx" -o "$tmp/Packages.xz" ||
        die "cannot download $idx"
    line=$(awk '/^SHA256:/{s=1;next} /^[^ ]/{s=0} s' "$tmp/InRelease" | awk -v f="$idx" '$3==f{print $1}')
    if [ "$line" != "$(sha256sum <"$tmp/Packages.xz" | cut -d' ' -f1)" ]; then
        [ "${CROSS_ACCEPT_UNSIGNED_INDEX:-}" = 1 ] ||
            die "the mirror's $idx does not match the signed InRelease (mirror sync in progress?), so the .deb cannot be authenticated. Try again later; or run with CROSS_ACCEPT_UNSIGNED_INDEX=1 to take the served index as it is (the .deb is then only checked against it: transfer integrity, not authenticity)"
        say "WARNING: $idx does not match the signed InRelease; CROSS_ACCEPT_UNSIGNED_INDEX=1: using it unauthenticated"
    fi
    read -r file sum < <(xz -dc "$tmp/Packages.xz" | awk -v p="$pkg" -v v="$ver" '
        /^Package: /{pk=$2} /^Version: /{ve=$2} /^Filename: /{fi=$2} /^SHA256: /{sh=$2}
        /^$/{ if (pk==p && ve==v) { print fi, sh; exit } pk=ve=fi=sh="" }')
    [ -n "${file:-}" ] || die "$pkg:$arch=$ver is not in $suite any more; set DEB_RUST_VERSION"
    curl -fsSL "$base/$file" -o "$dest/${file##*/}" || die "cannot download $file"
    echo "$sum  $dest/${file##*/}" | sha256sum -c --quiet - || die "$file: SHA256 differs from the index"
    rm -rf "$tmp"
}

# Sets up Debian's rustc and the std for DEB_ARCH once; later calls only check.
setup_toolchain() {
    local stamp=$CROSS_ROOT/stamps/$DEB_ARCH-$DEB_RUST_VERSION
    RUSTC_DEB=$CROSS_ROOT/bin/rustc-deb
    if [ -e "$stamp" ] && [ -x "$RUSTC_DEB" ]; then return 0; fi
    say "setting up Debian's Rust $DEB_RUST_VERSION for $DEB_ARCH in $CROSS_ROOT"
    mkdir -p "$APT_LISTS/partial" "$CROSS_ROOT/apt/cache/archives/partial" "$CROSS_ROOT/debs" \
        "$CROSS_ROOT/sysroot" "$CROSS_ROOT/stamps" "$CROSS_ROOT/bin"
    local arches=amd64 fallback=
    [ "$DEB_ARCH" = amd64 ] || arches="amd64,$DEB_ARCH"
    DEB_ARCHES=$arches
    if ! apt_own apt-get update -qq 2>"$CROSS_ROOT/apt/update.err"; then
        cat "$CROSS_ROOT/apt/update.err" >&2
        [ "$DEB_ARCH" = amd64 ] && die "apt could not update the amd64 index"
        say "apt could not update the $DEB_ARCH index; using amd64 from apt and the pool for $DEB_ARCH"
        DEB_ARCHES=amd64 fallback=1
        apt_own apt-get update -qq || die "apt could not update the amd64 index"
    fi
    local v=$DEB_RUST_VERSION
    if [ "$v" = candidate ]; then
        v=$(apt_own apt-cache policy rustc-web 2>/dev/null | awk '/Candidate:/{print $2}')
        DEB_RUST_VERSION=$v stamp=$CROSS_ROOT/stamps/$DEB_ARCH-$v
    fi
    apt_own apt-cache show "rustc-web:amd64=$v" >/dev/null 2>&1 ||
        die "rustc-web $v is not in the index any more (Debian replaced it; offered: $(apt_own apt-cache policy rustc-web 2>/dev/null | awk '/Candidate:/{print $2}')). Run with DEB_RUST_VERSION=candidate, or set it to that version"
    local minor llvm
    minor=$(echo "$v" | cut -d. -f1,2)
    llvm=$(apt_own apt-cache show "libstd-rust-web-$minor:amd64=$v" 2>/dev/null | sed -n 's/^Depends:.*\(libllvm[0-9]*\).*/\1/p' | head -n1)
    [ -n "$llvm" ] || die "cannot find the libllvm that libstd-rust-web-$minor $v depends on"
    local dl=$CROSS_ROOT/debs/$v
    mkdir -p "$dl"
    if [ ! -e "$CROSS_ROOT/stamps/amd64-$v" ]; then
        (cd "$dl" && apt_own apt-get download -qq "rustc-web:amd64=$v" "libstd-rust-web-dev:amd64=$v" \
            "libstd-rust-web-$minor:amd64=$v" "$llvm:amd64") || die "apt could not download rustc-web $v"
    fi
    if [ "$DEB_ARCH" != amd64 ]; then
        if [ -n "$fallback" ]; then
            pool_download libstd-rust-web-dev "$DEB_ARCH" "$v" "$dl"
        else
            (cd "$dl" && apt_own apt-get download -qq "libstd-rust-web-dev:$DEB_ARCH=$v") ||
                pool_download libstd-rust-web-dev "$DEB_ARCH" "$v" "$dl"
        fi
    fi
    local f
    for f in "$dl"/*.deb; do dpkg-deb -x "$f" "$CROSS_ROOT/sysroot"; done
    cat >"$RUSTC_DEB" <<EOF
#!/bin/sh
LD_LIBRARY_PATH="$CROSS_ROOT/sysroot/usr/lib/x86_64-linux-gnu" exec "$CROSS_ROOT/sysroot/usr/bin/rustc" "\$@"
EOF
    chmod +x "$RUSTC_DEB"
    "$RUSTC_DEB" -V >/dev/null || die "Debian's rustc does not start"
    [ -d "$CROSS_ROOT/sysroot/usr/lib/rustlib/$TRIPLE/lib" ] || die "no Rust std for $TRIPLE in $CROSS_ROOT/sysroot"
    touch "$CROSS_ROOT/stamps/amd64-$v" "$stamp"
}

# The tar.gz and its .sha256 for the current target.
archive_path() { echo "$REPO/dist/zerda-$(zerda_version)-$TARGET.tar.gz"; }
