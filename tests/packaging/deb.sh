#!/usr/bin/env bash
# Checks the Debian package: builds it with packaging/deb/build from the
# zerda binary under test, installs it with dpkg into a throwaway root,
# upgrades it there, purges it, and checks each step; then builds the
# packages of the other architectures whose cross build (target-cross/) is
# there and checks what they hold. Run by
# tests/packaging/run.sh; alone:
#
#   tests/packaging/deb.sh                        # uses target/debug/zerda
#   ZERDA_BIN=/path/to/zerda tests/packaging/deb.sh
#
# The throwaway root is a temporary folder: dpkg --root=DIR keeps its
# database there, and --force-script-chrootless runs the maintainer scripts
# with DPKG_ROOT=DIR, which they (and systemd-sysusers, deb-systemd-helper)
# honour. What zerda could leave on this machine (a user, files, the dpkg
# status, unit links) is compared before and after: any of it fails.
# Needs cargo-deb (skipped, with a message, when it is missing), dpkg and
# systemd-sysusers. Exits 1 when a check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

zerda=${ZERDA_BIN:-$PWD/target/debug/zerda}
unset ZERDA_BIN

failures=0
step() { printf '\ndeb: %s\n' "$*"; }
ok() { printf '  ok    %s\n' "$*"; }
skip() { printf '  skip  %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*" >&2; failures=$((failures + 1)); }
show() { sed 's/^/        | /' "$1" >&2; }

[ -x "$zerda" ] || { echo "deb: no zerda binary at $zerda (run cargo build first)" >&2; exit 1; }
if ! command -v cargo-deb >/dev/null; then
    step "the Debian package"
    skip "cargo-deb is not installed (cargo install cargo-deb --locked): the .deb is not built nor checked"
    exit 0
fi
for tool in dpkg dpkg-deb systemd-sysusers; do
    command -v "$tool" >/dev/null || { step "the Debian package"; skip "$tool is not installed: the .deb is not checked"; exit 0; }
done
arch=$(dpkg --print-architecture)
case $arch in
amd64 | arm64 | armhf) ;;
*) step "the Debian package"; skip "no package for this machine's architecture ($arch)"; exit 0 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

# What the maintainer scripts must leave alone on this machine: everything
# zerda's could touch there (whole-file checksums would catch the other
# packages an apt-get on this machine may install meanwhile).
host_state() {
    grep -H '^zerda:' /etc/passwd /etc/group /etc/shadow /etc/gshadow 2>/dev/null || true
    grep -x 'Package: zerda' /var/lib/dpkg/status 2>/dev/null || true
    ls -d /usr/bin/zerda /etc/zerda /var/lib/zerda /usr/lib/sysusers.d/zerda.conf \
        /usr/lib/systemd/system/zerda.service /var/lib/dpkg/info/zerda.* 2>/dev/null || true
    find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
        /var/lib/systemd/deb-systemd-helper-masked -name '*zerda*' 2>/dev/null | sort || true
}
host_state >"$tmp/host-before.txt"

# dpkg on the throwaway root: its own database, scripts run with DPKG_ROOT.
# The root has no libc6 nor systemd packages: dependencies are not checked.
dpkg_root() { dpkg --root="$root" --log="$root/var/log/dpkg.log" --force-script-chrootless --force-depends "$@"; }

# Mode, owner and group of a path in the root, as "0644 0:0".
perm() { stat -c '%04a %u:%g' "$root$1" 2>/dev/null || echo missing; }
expect_perm() {
    local path=$1 want=$2 got
    got=$(perm "$path")
    if [ "$got" = "$want" ]; then ok "$path $got"; else fail "$path is $got, expected $want"; fi
}

# ---------------------------------------------------------------------------
step "building the $arch .deb (packaging/deb/build)"
# A stripped copy: the debug binary would make a large package, slow to compress.
cp "$zerda" "$tmp/zerda"
strip "$tmp/zerda" 2>/dev/null || true
start=$(date +%s)
if ZERDA_DEB_OUT=$tmp/out packaging/deb/build --fast "$arch" "$tmp/zerda" >"$tmp/build.txt" 2>&1; then
    deb=$(tail -1 "$tmp/build.txt")
    ok "$(basename "$deb") in $(($(date +%s) - start)) s"
else
    fail "packaging/deb/build $arch"
    show "$tmp/build.txt"
    exit 1
fi

step "the package's control data"
mkdir "$tmp/control"
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$tmp/control"
if [ "$(cat "$tmp/control/conffiles" 2>/dev/null)" = /etc/zerda/config.toml ]; then
    ok "conffiles: /etc/zerda/config.toml"
else
    fail "conffiles is not just /etc/zerda/config.toml"
    show "$tmp/control/conffiles"
fi
for script in postinst postrm; do
    if [ -x "$tmp/control/$script" ] && ! grep -q '#DEBHELPER#' "$tmp/control/$script"; then
        ok "$script, with cargo-deb's part filled in"
    else
        fail "$script is missing, not executable or still has the DEBHELPER mark"
    fi
done
depends=$(dpkg-deb -f "$deb" Depends)
if [[ ", $depends," == *", systemd-sysusers,"* ]]; then
    ok "Depends: $depends"
else
    fail "Depends does not name systemd-sysusers (the postinst runs it): $depends"
fi
[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture is not $arch"

# ---------------------------------------------------------------------------
step "installing it into a throwaway root (dpkg --root, scripts with DPKG_ROOT)"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log" "$root/etc"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
# On a machine that runs systemd, cargo-deb's postinst part would try-restart
# zerda.service through deb-systemd-invoke, which asks the root's
# policy-rc.d first: 101 says no, as in any chroot.
mkdir -p "$root/usr/sbin"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
if dpkg_root -i "$deb" >"$tmp/install.txt" 2>&1 &&
    dpkg --root="$root" -s zerda 2>/dev/null | grep -qx 'Status: install ok installed'; then
    ok "dpkg -i: installed"
else
    fail "dpkg -i into the throwaway root"
    show "$tmp/install.txt"
fi

expect_perm /usr/bin/zerda "0755 0:0"
expect_perm /usr/lib/sysusers.d/zerda.conf "0644 0:0"
expect_perm /usr/lib/systemd/system/zerda.service "0644 0:0"
for doc in README.md LICENSE zerda.example.toml copyright; do
    expect_perm "/usr/share/doc/zerda/$doc" "0644 0:0"
done
if grep -q ' /etc/zerda/config.toml [0-9a-f]\{32\}$' <(dpkg --root="$root" -s zerda 2>/dev/null); then
    ok "dpkg knows /etc/zerda/config.toml as a conffile"
else
    fail "dpkg -s zerda lists no conffile /etc/zerda/config.toml"
fi
cmp -s packaging/config.toml "$root/etc/zerda/config.toml" || fail "/etc/zerda/config.toml is not packaging/config.toml"
cmp -s packaging/systemd/zerda.service "$root/usr/lib/systemd/system/zerda.service" ||
    fail "the installed unit is not packaging/systemd/zerda.service"
cmp -s packaging/systemd/zerda.sysusers "$root/usr/lib/sysusers.d/zerda.conf" ||
    fail "the installed /usr/lib/sysusers.d/zerda.conf is not packaging/systemd/zerda.sysusers"

user=$(grep '^zerda:' "$root/etc/passwd" || true)
uid=$(cut -d: -f3 <<<"$user")
gid=$(grep '^zerda:' "$root/etc/group" | cut -d: -f3 || true)
if [[ $user =~ ^zerda:x:[0-9]+:[0-9]+:[^:]*:/var/lib/zerda:/usr/sbin/nologin$ ]] && [ -n "$gid" ] && [ "$uid" -lt 1000 ]; then
    ok "postinst created the system user and group zerda ($uid:$gid) in the root's /etc/passwd and /etc/group"
else
    fail "no zerda system user in the root's /etc/passwd (got: ${user:-nothing}) or no group"
    show "$tmp/install.txt"
fi
expect_perm /etc/zerda/config.toml "0640 0:${gid:-?}"
expect_perm /var/lib/zerda "0750 ${uid:-?}:${gid:-?}"
if [ -z "$(find "$root/etc/systemd/system" -name zerda.service 2>/dev/null)" ]; then
    ok "zerda.service is not enabled (public_url is empty)"
else
    fail "zerda.service was enabled on install, with public_url still empty"
fi
if grep -q 'Edit /etc/zerda/config.toml: public_url first' "$tmp/install.txt" &&
    grep -q 'systemctl enable --now zerda' "$tmp/install.txt"; then
    ok "postinst says to set public_url, then systemctl enable --now zerda"
else
    fail "postinst does not say what to edit before the first start"
    show "$tmp/install.txt"
fi

step "zerda check with the installed binary and configuration"
if "$root/usr/bin/zerda" check --config "$root/etc/zerda/config.toml" --data-dir "$tmp/data" >"$tmp/check.txt" 2>&1; then
    ok "zerda check --config <root>/etc/zerda/config.toml (data in a temporary folder)"
else
    fail "zerda check refuses the shipped /etc/zerda/config.toml"
    show "$tmp/check.txt"
fi

# ---------------------------------------------------------------------------
step "an upgrade over an edited configuration"
sed -i 's@^public_url = ""@public_url = "https://events.example.org"@' "$root/etc/zerda/config.toml"
chmod 0644 "$root/etc/zerda/config.toml"
if dpkg_root -i "$deb" >"$tmp/upgrade.txt" 2>&1; then
    ok "dpkg -i again: upgraded"
else
    fail "dpkg -i over the installed package"
    show "$tmp/upgrade.txt"
fi
grep -qx 'public_url = "https://events.example.org"' "$root/etc/zerda/config.toml" ||
    fail "the upgrade did not keep the edited /etc/zerda/config.toml"
expect_perm /etc/zerda/config.toml "0640 0:${gid:-?}"
[ "$(grep -c '^zerda:' "$root/etc/passwd" 2>/dev/null)" = 1 ] || fail "not exactly one zerda user after the upgrade"
if grep -q 'public_url first' "$tmp/upgrade.txt"; then
    fail "postinst asks to set public_url although it is set"
else
    ok "no public_url reminder once it is set"
fi
if "$root/usr/bin/zerda" check --config "$root/etc/zerda/config.toml" --data-dir "$tmp/data" >"$tmp/check.txt" 2>&1 &&
    grep -qx 'public URL: https://events.example.org' "$tmp/check.txt"; then
    ok "zerda check with the edited configuration"
else
    fail "zerda check after the upgrade"
    show "$tmp/check.txt"
fi

# ---------------------------------------------------------------------------
step "purge"
if dpkg_root -P zerda >"$tmp/purge.txt" 2>&1 && ! dpkg --root="$root" -s zerda >/dev/null 2>&1; then
    ok "dpkg -P: purged"
else
    fail "dpkg -P zerda"
    show "$tmp/purge.txt"
fi
[ ! -e "$root/usr/bin/zerda" ] || fail "/usr/bin/zerda is still there after purge"
if [ ! -e "$root/etc/zerda" ]; then ok "/etc/zerda removed"; else fail "/etc/zerda is still there after purge"; fi
if [ -d "$root/var/lib/zerda" ] && grep -q '^zerda:' "$root/etc/passwd" && grep -q 'rm -rf /var/lib/zerda' "$tmp/purge.txt"; then
    ok "/var/lib/zerda and the zerda user kept, and the purge says how to remove them"
else
    fail "purge should keep /var/lib/zerda and the user, and say so"
    show "$tmp/purge.txt"
fi

# ---------------------------------------------------------------------------
step "the other architectures, from the cross builds (cross/build)"
for other in amd64:x86_64-unknown-linux-gnu:3e00:x86_64 arm64:aarch64-unknown-linux-gnu:b700:aarch64 \
    armhf:armv7-unknown-linux-gnueabihf:2800:arm; do
    IFS=: read -r other_arch triple machine qemu <<<"$other"
    [ "$other_arch" = "$arch" ] && continue
    cross_bin=target-cross/$triple/dist/zerda
    if [ ! -x "$cross_bin" ]; then
        skip "$other_arch: no $cross_bin (cross/build $triple makes it)"
        continue
    fi
    if ! ZERDA_DEB_OUT=$tmp/out-$other_arch packaging/deb/build --fast "$other_arch" >"$tmp/build.txt" 2>&1; then
        fail "packaging/deb/build $other_arch"
        show "$tmp/build.txt"
        continue
    fi
    other_deb=$(tail -1 "$tmp/build.txt")
    mkdir -p "$tmp/unpacked-$other_arch"
    dpkg-deb -x "$other_deb" "$tmp/unpacked-$other_arch"
    packed=$tmp/unpacked-$other_arch/usr/bin/zerda
    got=$(od -An -tx1 -j18 -N2 "$packed" 2>/dev/null | tr -d ' \n')
    other_depends=$(dpkg-deb -f "$other_deb" Depends)
    if [ "$(dpkg-deb -f "$other_deb" Architecture)" = "$other_arch" ] && [ "$got" = "$machine" ] &&
        cmp -s "$cross_bin" "$packed" && [ "$(dpkg-deb -I "$other_deb" conffiles)" = /etc/zerda/config.toml ]; then
        ok "$other_arch: $(basename "$other_deb") holds $cross_bin and the conffile; Depends: $other_depends"
    else
        fail "$other_arch: $(basename "$other_deb") is not an $other_arch package of $cross_bin with its conffile"
    fi
    if command -v "qemu-$qemu-static" >/dev/null; then
        if "qemu-$qemu-static" "$packed" --version >"$tmp/version.txt" 2>&1; then
            ok "$other_arch: the packaged zerda runs under qemu-$qemu-static: $(head -1 "$tmp/version.txt")"
        else
            fail "$other_arch: the packaged zerda does not run under qemu-$qemu-static"
            show "$tmp/version.txt"
        fi
    fi
done

# ---------------------------------------------------------------------------
step "this machine untouched"
host_state >"$tmp/host-after.txt"
if diff "$tmp/host-before.txt" "$tmp/host-after.txt" >"$tmp/host-diff.txt"; then
    ok "no zerda user, package, file or unit link appeared outside the throwaway root"
else
    fail "the maintainer scripts changed this machine, not only the throwaway root"
    show "$tmp/host-diff.txt"
fi

echo
if [ "$failures" -gt 0 ]; then
    echo "deb: $failures check(s) failed" >&2
    exit 1
fi
echo "deb: all checks passed"
