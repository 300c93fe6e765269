#!/usr/bin/env bash
# Checks the packaging: the systemd unit (packaging/systemd), the sample
# configuration (packaging/config.toml), the YunoHost package
# (packaging/yunohost) and the Debian package (tests/packaging/deb.sh, which
# needs cargo-deb). Run by tests/run after `cargo build`; alone:
#
#   tests/packaging/run.sh            # uses target/debug/zerda
#   ZERDA_BIN=/path/to/zerda tests/packaging/run.sh
#   PACKAGING_TOOLS=/some/root tests/packaging/run.sh   # where nginx/fail2ban were unpacked
#
# Needs bash, python3, curl and shellcheck. nginx, fail2ban and
# systemd-analyze are used when found (in PATH, or nginx and fail2ban
# unpacked by tests/run under target/packaging-tools/root); a check whose tool
# is missing says so and is skipped. Nothing is installed or started outside
# a temporary folder; every server runs on 127.0.0.1 and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

zerda=${ZERDA_BIN:-$PWD/target/debug/zerda}
tools=${PACKAGING_TOOLS:-$PWD/target/packaging-tools/root}
# zerda refuses ZERDA_* variables that are not settings.
unset ZERDA_BIN
ynh=packaging/yunohost

[ -x "$zerda" ] || { echo "packaging: no zerda binary at $zerda (run cargo build first)" >&2; exit 1; }
zerda=$(realpath "$zerda")

failures=0
step() { printf '\npackaging: %s\n' "$*"; }
ok() { printf '  ok    %s\n' "$*"; }
skip() { printf '  skip  %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*" >&2; failures=$((failures + 1)); }
# Shows a file indented, to explain a failure.
show() { sed 's/^/        | /' "$1" >&2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits up to 15 s for an extended regex in a file; 0 when it appeared.
wait_for_line() {
    local regex=$1 file=$2
    for _ in $(seq 150); do
        grep -Eq -- "$regex" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------------------
step "shellcheck on the packaging scripts (YunoHost, Debian)"
scripts=("$ynh/scripts/_common.sh" "$ynh/scripts/install" "$ynh/scripts/remove" "$ynh/scripts/upgrade" "$ynh/scripts/backup" "$ynh/scripts/restore")
[ -e "$ynh/scripts/change_url" ] && scripts+=("$ynh/scripts/change_url")
if ! command -v shellcheck >/dev/null; then
    fail "shellcheck is not installed (tests/run installs it)"
# -x follows `source`; the helpers resolve to tests/packaging/ynh-helpers.sh,
# which sets the variables YunoHost gives the scripts.
elif shellcheck -x --source-path=SCRIPTDIR --source-path=tests/packaging "${scripts[@]}" tests/packaging/run.sh >"$tmp/shellcheck.txt" 2>&1; then
    ok "shellcheck: ${#scripts[@]} scripts and tests/packaging/run.sh"
else
    fail "shellcheck"
    show "$tmp/shellcheck.txt"
fi
deb_scripts=(packaging/debian/postinst packaging/debian/postrm packaging/deb/build tests/packaging/deb.sh)
if ! command -v shellcheck >/dev/null; then
    :
elif shellcheck "${deb_scripts[@]}" >"$tmp/shellcheck.txt" 2>&1; then
    ok "shellcheck: the Debian package's ${deb_scripts[*]}"
else
    fail "shellcheck"
    show "$tmp/shellcheck.txt"
fi

tool_scripts=(packaging/yunohost/set-sources cross/build cross/verify cross/all cross/lib.sh bench/run bench/inbox bench/deliveries bench/lib.sh)
if ! command -v shellcheck >/dev/null; then
    :
elif shellcheck -x "${tool_scripts[@]}" >"$tmp/shellcheck.txt" 2>&1; then
    ok "shellcheck: the release and benchmark scripts ${tool_scripts[*]}"
else
    fail "shellcheck"
    show "$tmp/shellcheck.txt"
fi

step "the scripts call only YunoHost v2.1 helpers"
# Helper names of the v1 helpers (ynh_add_nginx_config, ynh_systemd_action,
# ynh_secure_remove, …) fail at install time under helpers_version 2.1.
known=$(grep -oE '^ynh_[a-z0-9_]+' tests/packaging/ynh-helpers.sh | sort -u)
used=$(cat "${scripts[@]}" | grep -vE '^\s*#' | grep -oE '\bynh_[a-z0-9_]+' | sort -u)
unknown=$(comm -13 <(printf '%s\n' "$known") <(printf '%s\n' "$used"))
if [ -z "$unknown" ]; then
    ok "$(printf '%s\n' "$used" | wc -l) helpers, all in tests/packaging/ynh-helpers.sh"
else
    fail "helpers not known as v2.1 ones: $(echo "$unknown" | tr '\n' ' ')"
fi
for script in install remove upgrade backup restore; do
    [ -x "$ynh/scripts/$script" ] || fail "$ynh/scripts/$script is not executable"
done

# ---------------------------------------------------------------------------
step "manifest.toml"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
if /usr/bin/env python3 - "$ynh/manifest.toml" "$version" locales >"$tmp/manifest.txt" 2>&1 <<'PY'
import os, re, sys, tomllib
path, version, locales = sys.argv[1:]
m = tomllib.load(open(path, "rb"))
problems = []
def need(cond, what):
    if not cond:
        problems.append(what)
need(m.get("packaging_format") == 2, "packaging_format = 2")
need(m.get("id") == "zerda", "id = zerda")
need(m.get("version", "").startswith(version + "~ynh"), f"version {version}~ynhN (Cargo.toml)")
i = m.get("integration", {})
need(i.get("helpers_version") == "2.1", "integration.helpers_version = 2.1")
need(sorted(i.get("architectures", [])) == ["amd64", "arm64", "armhf"], "architectures amd64, arm64, armhf")
for key in ("disk", "ram.build", "ram.runtime"):
    value = i.get(key) if "." not in key else i.get("ram", {}).get(key.split(".")[1])
    need(isinstance(value, str) and re.fullmatch(r"\d+[MG]", value), f"integration.{key} like 50M")
q = m.get("install", {})
need(q.get("domain", {}).get("type") == "domain", "install.domain")
need("path" not in q, "no install.path: zerda is served at the root of its domain")
need(q.get("init_main_permission", {}).get("default") == "visitors", "install.init_main_permission, visitors")
need(q.get("admin", {}).get("type") == "user", "install.admin of type user")
need(q.get("password", {}).get("type") == "password", "install.password of type password")
lang = q.get("language", {})
ours = sorted(f[:-3] for f in os.listdir(locales) if f.endswith(".po"))
need(lang.get("type") == "select" and sorted(lang.get("choices", [])) == ours, f"install.language choices = zerda's locales {ours}")
r = m.get("resources", {})
for res in ("system_user", "install_dir", "data_dir", "ports", "permissions"):
    need(res in r, f"resources.{res}")
need(r.get("permissions", {}).get("main", {}).get("url") == "/", "permissions main.url = /")
targets = {"amd64": "x86_64-linux", "arm64": "aarch64-linux", "armhf": "armv7-linux"}
main = r.get("sources", {}).get("main", {})
for arch, target in targets.items():
    src = main.get(arch, {})
    need(src.get("url", "").endswith(f"/zerda-{version}-{target}.tar.gz"), f"sources.main.{arch}.url names zerda-{version}-{target}.tar.gz")
    need(re.fullmatch(r"[0-9a-f]{64}", src.get("sha256", "")) is not None, f"sources.main.{arch}.sha256")
for p in problems:
    print("missing or wrong:", p)
sys.exit(1 if problems else 0)
PY
then
    ok "manifest: packaging v2, helpers 2.1, three architectures, questions, resources, sources"
else
    fail "manifest"
    show "$tmp/manifest.txt"
fi
if grep -q 'releases.zerda.invalid' "$ynh/manifest.toml"; then
    echo "  note  the manifest's source URLs and sha256 are placeholders until a release is published"
fi

step "set-sources points a copy of the manifest at a release"
# Three stand-in archives with their sums, as cross/build leaves them.
mkdir -p "$tmp/dist"
for target in x86_64 aarch64 armv7; do
    name=zerda-$version-$target-linux.tar.gz
    echo "stand-in for $name" >"$tmp/dist/$name"
    (cd "$tmp/dist" && sha256sum "$name" >"$name.sha256")
done
cp "$ynh/manifest.toml" "$tmp/manifest-release.toml"
set_sources() { MANIFEST=$tmp/manifest-release.toml packaging/yunohost/set-sources "$@" >"$tmp/set-sources.txt" 2>&1; }
# Refused, each with its reason, and the copy left as it was.
before=$(sha256sum <"$tmp/manifest-release.toml")
refused() { # WHY EXPECTED ARGS…
    local why=$1 expected=$2
    shift 2
    if set_sources "$@"; then
        fail "set-sources accepted $why"
    elif ! grep -q "$expected" "$tmp/set-sources.txt"; then
        fail "set-sources refused $why without saying '$expected'"
        show "$tmp/set-sources.txt"
    elif [ "$(sha256sum <"$tmp/manifest-release.toml")" != "$before" ]; then
        fail "set-sources changed the manifest although it refused $why"
    else
        ok "refused $why: $(head -n1 "$tmp/set-sources.txt")"
    fi
}
refused "an http:// address" "must be a plain https://" "http://example.org/zerda/v$version" "$tmp/dist"
refused "an address with a quote" "must be a plain https://" 'https://example.org/"x' "$tmp/dist"
echo tampered >>"$tmp/dist/zerda-$version-armv7-linux.tar.gz"
refused "an archive that does not match its sum" "does not match" "https://example.org/zerda/v$version" "$tmp/dist"
rm "$tmp/dist/zerda-$version-armv7-linux.tar.gz" "$tmp/dist/zerda-$version-aarch64-linux.tar.gz.sha256"
refused "a missing sum" "no $tmp/dist/zerda-$version-aarch64-linux.tar.gz.sha256" "https://example.org/zerda/v$version" "$tmp/dist"
(cd "$tmp/dist" && sha256sum "zerda-$version-aarch64-linux.tar.gz" >"zerda-$version-aarch64-linux.tar.gz.sha256")
if set_sources "https://example.org/zerda/v$version/" "$tmp/dist"; then
    problems=()
    for pair in amd64:x86_64 arm64:aarch64 armhf:armv7; do
        name=zerda-$version-${pair#*:}-linux.tar.gz
        sum=$(cut -d' ' -f1 "$tmp/dist/$name.sha256")
        grep -qx "    ${pair%%:*}.url = \"https://example.org/zerda/v$version/$name\"" "$tmp/manifest-release.toml" ||
            problems+=("${pair%%:*}.url")
        grep -qx "    ${pair%%:*}.sha256 = \"$sum\"" "$tmp/manifest-release.toml" || problems+=("${pair%%:*}.sha256")
    done
    grep -q 'PLACEHOLDERS\|releases.zerda.invalid' "$tmp/manifest-release.toml" && problems+=("the placeholder note or URLs left")
    grep -qx "version = \"$version~ynh[0-9]*\"" "$tmp/manifest-release.toml" || problems+=("version")
    python3 -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], "rb"))' "$tmp/manifest-release.toml" 2>/dev/null ||
        problems+=("not TOML any more")
    if [ ${#problems[@]} -eq 0 ]; then
        ok "the three URLs and sums set, the placeholder note gone, still TOML"
    else
        fail "set-sources wrote a wrong manifest: ${problems[*]}"
    fi
else
    fail "set-sources refused a good release"
    show "$tmp/set-sources.txt"
fi

# ---------------------------------------------------------------------------
step "rendering the templates as YunoHost does (ynh_config_add)"
port=$(free_port)
app=zerda
domain=events.example.org
path=/
install_dir=$tmp/install
data_dir=$tmp/data
mkdir -p "$install_dir" "$data_dir/media" "$tmp/render"
ln -s "$zerda" "$install_dir/zerda"

# Like ynh_replace_vars in YunoHost's helpers.v2.1.d/templating: __PATH__/
# and __PATH__, __USER__, then every other __NAME__ by the variable name,
# which must be set (YunoHost stops the script otherwise). The settings are
# those the manifest gives: its install questions and resources.
render() {
    local template=$1 out=$2 token var
    local -A setting=([app]=$app [domain]=$domain [path]=$path [port]=$port
        [install_dir]=$install_dir [data_dir]=$data_dir [language]=${3:-en})
    cp "$template" "$out"
    sed -i -e "s@__PATH__/@${path%/}/@g" -e "s@__PATH__@$path@g" -e "s@__USER__@$app@g" "$out"
    while read -r token; do
        var=${token#__}
        var=${var%__}
        var=${var,,}
        if [ -z "${setting[$var]+set}" ]; then
            fail "$template uses $token, which no YunoHost setting of this package fills"
            continue
        fi
        sed -i "s@$token@${setting[$var]}@g" "$out"
    done < <(grep -oP '__[A-Z0-9]+?[A-Z0-9_]*?[A-Z0-9]*?__' "$out" | sort -u)
    if grep -nE '__[A-Z0-9_]+__' "$out" >"$tmp/left.txt"; then
        fail "$template: placeholders left after rendering"
        show "$tmp/left.txt"
    fi
}
rendered=()
for template in "$ynh"/conf/*; do
    render "$template" "$tmp/render/$(basename "$template")"
    rendered+=("$(basename "$template")")
done
ok "rendered ${rendered[*]}"
cp "$tmp/render/config.toml" "$install_dir/config.toml"
config=$install_dir/config.toml

# ---------------------------------------------------------------------------
step "the configurations are accepted by zerda check"
for po in locales/*.po; do
    lang=$(basename "$po" .po)
    render "$ynh/conf/config.toml" "$tmp/render/config-$lang.toml" "$lang"
    if "$zerda" check --config "$tmp/render/config-$lang.toml" >"$tmp/check.txt" 2>&1; then
        ok "YunoHost config.toml with language $lang"
    else
        fail "zerda check refuses the YunoHost config.toml (language $lang)"
        show "$tmp/check.txt"
    fi
done
"$zerda" check --config "$config" >"$tmp/check.txt" 2>&1 || true
grep -qx "public URL: https://$domain" "$tmp/check.txt" || { fail "public_url is not https://$domain"; show "$tmp/check.txt"; }
grep -qx "data folder: $data_dir" "$tmp/check.txt" || { fail "data_dir is not the app's data_dir"; show "$tmp/check.txt"; }

if "$zerda" check --config packaging/config.toml --data-dir "$tmp/sample-data" >"$tmp/check.txt" 2>&1; then
    ok "packaging/config.toml"
else
    fail "zerda check refuses packaging/config.toml"
    show "$tmp/check.txt"
fi
# Its commented SMTP examples, one block at a time, in place of smtp_host = "".
blocks=$(grep -cE '^#   [a-z_]+ = ' packaging/config.toml | tr -d ' ')
[ "$blocks" -gt 0 ] || fail "packaging/config.toml has no commented SMTP example"
for n in 1 2; do
    awk -v want="$n" '
        /^#   [a-z_]+ = / { if (!inblock) { block++; inblock = 1 } if (block == want) { sub(/^#   /, ""); print; next } }
        !/^#   [a-z_]+ = / { inblock = 0 }
        /^smtp_host = ""$/ { next }
        { print }' packaging/config.toml >"$tmp/sample-$n.toml"
    if ! grep -qE '^smtp_host = "[^"]+"' "$tmp/sample-$n.toml"; then
        fail "packaging/config.toml: SMTP example $n not found"
    elif "$zerda" check --config "$tmp/sample-$n.toml" --data-dir "$tmp/sample-data" >"$tmp/check.txt" 2>&1; then
        ok "packaging/config.toml with its SMTP example $n uncommented"
    else
        fail "zerda check refuses packaging/config.toml's SMTP example $n"
        show "$tmp/check.txt"
    fi
done

# ---------------------------------------------------------------------------
step "systemd units (systemd-analyze verify) and the system user (systemd-sysusers)"
if ! command -v systemd-analyze >/dev/null; then
    skip "systemd-analyze is not installed"
else
    # verify wants ExecStart's binary to exist: the packaged unit runs
    # /usr/bin/zerda, checked here with the binary under test in its place.
    mkdir -p "$tmp/units/packaged" "$tmp/units/yunohost"
    sed "s@/usr/bin/zerda @$zerda @" packaging/systemd/zerda.service >"$tmp/units/packaged/zerda.service"
    cp "$tmp/render/systemd.service" "$tmp/units/yunohost/$app.service"
    for unit in "$tmp/units/packaged/zerda.service" "$tmp/units/yunohost/$app.service"; do
        label=packaging/systemd/zerda.service
        [[ $unit == */yunohost/* ]] && label="$ynh/conf/systemd.service (rendered)"
        # Unknown keys are only warnings (exit 0): any output is a failure.
        if systemd-analyze verify "$unit" >"$tmp/verify.txt" 2>&1 && [ ! -s "$tmp/verify.txt" ]; then
            ok "$label"
        else
            fail "systemd-analyze verify $label"
            show "$tmp/verify.txt"
        fi
    done
fi
if ! command -v systemd-sysusers >/dev/null; then
    skip "systemd-sysusers is not installed: packaging/systemd/zerda.sysusers is not checked"
else
    mkdir -p "$tmp/sysroot/etc"
    if systemd-sysusers --root="$tmp/sysroot" "$PWD/packaging/systemd/zerda.sysusers" >"$tmp/sysusers.txt" 2>&1 &&
        grep -q '^zerda:x:[0-9]*:[0-9]*:[^:]*:/var/lib/zerda:' "$tmp/sysroot/etc/passwd"; then
        ok "packaging/systemd/zerda.sysusers creates the zerda user (systemd-sysusers in a scratch root)"
    else
        fail "systemd-sysusers packaging/systemd/zerda.sysusers"
        show "$tmp/sysusers.txt"
    fi
fi
grep -qx 'User=zerda' packaging/systemd/zerda.service || fail "packaging/systemd/zerda.service does not run as the zerda user"
grep -qx 'ExecStart=/usr/bin/zerda serve --config /etc/zerda/config.toml' packaging/systemd/zerda.service ||
    fail "packaging/systemd/zerda.service: ExecStart is not /usr/bin/zerda serve --config /etc/zerda/config.toml"
grep -qx "ExecStart=$install_dir/zerda serve --config $install_dir/config.toml" "$tmp/render/systemd.service" ||
    fail "$ynh/conf/systemd.service: ExecStart does not run the installed binary on its config.toml"
# zerda has no sd_notify: Type=notify would never become ready.
if grep -rqi 'sd_notify\|NOTIFY_SOCKET' src; then
    skip "zerda now speaks sd_notify: consider Type=notify"
else
    for unit in packaging/systemd/zerda.service "$ynh/conf/systemd.service"; do
        grep -qx 'Type=exec' "$unit" || fail "$unit: Type=exec expected (zerda does not speak sd_notify)"
    done
fi

# ---------------------------------------------------------------------------
step "an install as the YunoHost scripts do it"
# What _common.sh gives the scripts, with stand-ins for two helpers.
ynh_systemctl() { printf '%s\n' "$@"; }
ynh_exec_as_app() { "$@"; }
# shellcheck source=../../packaging/yunohost/scripts/_common.sh
source "$ynh/scripts/_common.sh"
ready=$(zerda_start | sed -n 's/^--wait_until=//p')
[ -n "$ready" ] || fail "zerda_start waits for no line"
for pair in "camille:camille" "Jean.Dupont:jean_dupont" "a-b:a_b" "abcdefghijklmnopqrstuvwxyz0123456789:abcdefghijklmnopqrstuvwxyz0123"; do
    got=$(zerda_username "${pair%%:*}")
    [ "$got" = "${pair#*:}" ] || fail "zerda_username ${pair%%:*} gave $got, expected ${pair#*:}"
done

if zerda_cli admin create-user --email "jean.dupont@$domain" --username "$(zerda_username Jean.Dupont)" \
    --admin --password-stdin <<<"a long password" >"$tmp/create.txt" 2>&1; then
    ok "zerda admin create-user --admin --password-stdin, as scripts/install runs it"
else
    fail "zerda admin create-user"
    show "$tmp/create.txt"
fi
zerda_cli check >"$tmp/check.txt" 2>&1 || true
grep -qx 'accounts: 1 (1 administrator(s))' "$tmp/check.txt" || { fail "no administrator after create-user"; show "$tmp/check.txt"; }

"$zerda" serve --config "$config" >"$tmp/zerda.log" 2>&1 &
zerda_pid=$!
pids+=("$zerda_pid")
if wait_for_line "$ready" "$tmp/zerda.log"; then
    ok "zerda logged the line the scripts wait for: $(grep -Em1 -- "$ready" "$tmp/zerda.log" | sed 's/^\S*\s*//')"
else
    fail "zerda never logged a line matching '$ready'"
    show "$tmp/zerda.log"
fi
if zerda_cli healthcheck >"$tmp/health.txt" 2>&1; then ok "zerda healthcheck"; else fail "zerda healthcheck"; show "$tmp/health.txt"; fi

# nginx with the rendered location, in front of zerda, when nginx is there.
nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x "$tools/usr/sbin/nginx" ] && nginx_bin=$tools/usr/sbin/nginx
base=http://127.0.0.1:$port
if [ -z "$nginx_bin" ] || ! "$nginx_bin" -v >/dev/null 2>&1; then
    skip "nginx not found (tests/run unpacks Debian's under target/packaging-tools): the nginx location is not checked"
else
    step "nginx (the rendered location, in a minimal server block)"
    proxy_port=$(free_port)
    mkdir -p "$tmp/nginx"
    cat >"$tmp/nginx/nginx.conf" <<EOF
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$proxy_port;
        server_name $domain;
        # Test only: the visitor's address comes from X-Test-Client, as if
        # it had connected from there (the requests all come from loopback).
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Test-Client;
        include $tmp/render/nginx.conf;
    }
}
EOF
    nginx_args=(-p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log")
    if "$nginx_bin" -t -q "${nginx_args[@]}" >"$tmp/nginx-t.txt" 2>&1; then
        ok "nginx -t accepts the rendered nginx.conf"
        "$nginx_bin" "${nginx_args[@]}" -g 'daemon off; master_process off;' >"$tmp/nginx/out.txt" 2>&1 &
        pids+=("$!")
        for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$proxy_port/" && break; sleep 0.1; done
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $domain" "http://127.0.0.1:$proxy_port/healthz" || true)
        if [ "$code" = 200 ]; then
            ok "nginx passes requests on to zerda"
            base=http://127.0.0.1:$proxy_port
        else
            fail "through nginx, /healthz answered $code"
            show "$tmp/nginx/error.log"
        fi
    else
        fail "nginx -t refuses the rendered nginx.conf"
        show "$tmp/nginx-t.txt"
    fi
fi

step "failed logins (through $base)"
# Two failed logins from visitors at public addresses: through nginx, which
# must pass the address on in X-Forwarded-For, or, without nginx, straight to
# zerda with the header nginx would add. The CSRF cookie is Secure
# (public_url is https): curl keeps it but would not send it over http, so
# it goes in by hand.
client_header=X-Forwarded-For
[ "$base" = "http://127.0.0.1:$port" ] || client_header=X-Test-Client
for ip in 203.0.113.7 2001:db8::42; do
    curl -s -D "$tmp/headers.txt" -o "$tmp/login.html" -H "Host: $domain" "$base/login" || true
    cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' "$tmp/headers.txt" 2>/dev/null | head -1 || true)
    token=$(grep -o 'name="csrf_token" value="[^"]*"' "$tmp/login.html" 2>/dev/null | head -1 | sed 's/.*value="//; s/"$//' || true)
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $domain" -H "Cookie: $cookie" \
        -H "$client_header: $ip" --data-urlencode "csrf_token=$token" \
        --data-urlencode "email=nobody@$domain" --data-urlencode "password=not the password" "$base/login" || true)
    [ "$code" = 422 ] || fail "a failed login from $ip answered $code, expected 422"
done
if wait_for_line 'failed login from 2001:db8::42' "$tmp/zerda.log"; then
    ok "zerda logged both failed logins"
else
    fail "zerda did not log the failed logins"
    show "$tmp/zerda.log"
fi

step "backup and restore, as scripts/backup and scripts/restore do them"
mkdir -p "$tmp/archive"
backup_dir=$tmp/archive
ynh_safe_rm() { rm -rf -- "$1"; }
# install -o/-g need root and the app's user: this stand-in drops them.
install() {
    local args=() skip=0 a
    for a in "$@"; do
        if [ "$skip" = 1 ]; then skip=0; continue; fi
        case $a in -o | -g) skip=1 ;; *) args+=("$a") ;; esac
    done
    command install "${args[@]}"
}
if zerda_backup_database "$backup_dir/zerda.db" >"$tmp/backup.txt" 2>&1 && [ -s "$backup_dir/zerda.db" ] && [ ! -e "$data_dir/.ynh-backup" ]; then
    ok "zerda_backup_database while zerda runs"
else
    fail "zerda_backup_database"
    show "$tmp/backup.txt"
fi
kill "$zerda_pid"
wait "$zerda_pid" 2>/dev/null || true
grep -q 'INFO stopped' "$tmp/zerda.log" || { fail "zerda did not stop cleanly on SIGTERM"; show "$tmp/zerda.log"; }
restored=$tmp/restored
mkdir -p "$restored"
: >"$restored/zerda.db-wal"
if data_dir=$restored zerda_restore_database "$backup_dir/zerda.db" >"$tmp/restore.txt" 2>&1 &&
    [ ! -e "$restored/zerda.db-wal" ] &&
    "$zerda" check --config "$config" --data-dir "$restored" >"$tmp/check.txt" 2>&1 &&
    grep -qx 'accounts: 1 (1 administrator(s))' "$tmp/check.txt"; then
    ok "zerda_restore_database: the copy passes zerda check and has the administrator"
else
    fail "restoring the database copy"
    show "$tmp/restore.txt"
    show "$tmp/check.txt"
fi

# ---------------------------------------------------------------------------
step "fail2ban (the rendered jail and filter)"
f2b_python=()
if command -v fail2ban-regex >/dev/null; then
    f2b_regex=(fail2ban-regex)
    f2b_client=(fail2ban-client)
    f2b_conf=/etc/fail2ban
elif [ -d "$tools/usr/lib/python3/dist-packages/fail2ban" ]; then
    f2b_python=(env "PYTHONPATH=$tools/usr/lib/python3/dist-packages" /usr/bin/python3)
    f2b_regex=("${f2b_python[@]}" "$tools/usr/bin/fail2ban-regex")
    f2b_client=("${f2b_python[@]}" "$tools/usr/bin/fail2ban-client")
    f2b_conf=$tools/etc/fail2ban
else
    f2b_regex=()
fi
if [ ${#f2b_regex[@]} -eq 0 ]; then
    skip "fail2ban not found (tests/run unpacks Debian's under target/packaging-tools): the filter is not checked"
else
    # The jail as fail2ban reads it from jail.d (Debian's own jails left out).
    mkdir -p "$tmp/f2b"
    cp -r "$f2b_conf/." "$tmp/f2b/"
    rm -f "$tmp/f2b/jail.d/"*.conf "$tmp/f2b/jail.local"
    cp "$tmp/render/f2b_jail.conf" "$tmp/f2b/jail.d/$app.conf"
    cp "$tmp/render/f2b_filter.conf" "$tmp/f2b/filter.d/$app.conf"
    if "${f2b_client[@]}" -c "$tmp/f2b" -d >"$tmp/f2b-dump.txt" 2>"$tmp/f2b-err.txt" &&
        grep -qF "['add', '$app', 'systemd']" "$tmp/f2b-dump.txt" &&
        grep -qF "['set', '$app', 'addjournalmatch', '_SYSTEMD_UNIT=$app.service']" "$tmp/f2b-dump.txt" &&
        grep -qF "['start', '$app']" "$tmp/f2b-dump.txt"; then
        ok "fail2ban-client reads the jail: journal backend, this unit's entries only"
    else
        fail "fail2ban-client does not read the jail as expected"
        show "$tmp/f2b-err.txt"
        grep -F "'$app'" "$tmp/f2b-dump.txt" | head -5 >"$tmp/f2b-mine.txt" || true
        show "$tmp/f2b-mine.txt"
    fi

    # What fail2ban's journal backend matches: "HOSTNAME IDENTIFIER[PID]: "
    # followed by the MESSAGE, which is the line zerda wrote on stderr (the
    # date comes from the journal, hence -d {NONE}). Every line of the run
    # above, plus lines that must not ban anybody.
    sed "s/^/testhost zerda[$zerda_pid]: /" "$tmp/zerda.log" >"$tmp/journal.txt"
    cat >>"$tmp/journal.txt" <<EOF
testhost zerda[$zerda_pid]: 2026-11-29T20:14:20.433411Z  INFO failed login from 198.51.100.1
testhost zerda[$zerda_pid]: 2026-11-29T20:14:20.433411Z  WARN cannot fetch https://evil.example/failed login from 198.51.100.2
testhost zerda[$zerda_pid]: 2026-11-29T20:14:20.433411Z  WARN failed login from 198.51.100.3 (and more)
EOF
    if "${f2b_regex[@]}" -d '{NONE}' --out ip "$tmp/journal.txt" "$tmp/f2b/filter.d/$app.conf" >"$tmp/f2b-ips.txt" 2>"$tmp/f2b-err.txt"; then
        found=$(sort "$tmp/f2b-ips.txt" | tr '\n' ' ')
        if [ "$found" = "2001:db8::42 203.0.113.7 " ]; then
            ok "the filter finds the two failed logins zerda logged, and nothing else among $(wc -l <"$tmp/journal.txt") lines"
        else
            fail "the filter found [$found], expected the two failed logins 203.0.113.7 and 2001:db8::42"
            show "$tmp/f2b-ips.txt"
        fi
    else
        fail "fail2ban-regex failed"
        show "$tmp/f2b-err.txt"
    fi
fi

# ---------------------------------------------------------------------------
# The Debian package: built from this binary, installed into a throwaway root.
if ! ZERDA_BIN=$zerda tests/packaging/deb.sh; then
    fail "the Debian package (tests/packaging/deb.sh, above)"
fi

# ---------------------------------------------------------------------------
echo
if [ "$failures" -gt 0 ]; then
    echo "packaging: $failures check(s) failed" >&2
    exit 1
fi
echo "packaging: all checks passed"
