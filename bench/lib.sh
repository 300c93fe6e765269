# shellcheck shell=bash
# shellcheck disable=SC2034 # BENCH_DIR, ROOT, README, OUT are read by the scripts that source this file
# Shared by bench/run, bench/inbox and bench/deliveries (sourced, not run).
set -euo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
README="$BENCH_DIR/README.md"
OUT="$BENCH_DIR/out"

# A configuration from the environment would make runs incomparable.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^ZERDA_' || true)

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

now_us() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        local t=${EPOCHREALTIME/./}
        echo "${t#0}"
    else
        echo $(( $(date +%s%N) / 1000 ))
    fi
}

# One decimal: fmt1 NUMERATOR DIVISOR
fmt1() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# VmRSS, VmHWM, ... of a process, in kB.
proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# Percentage of CPU time left idle over one second, all cores together: other
# work on the machine (a build, tests) skews every figure.
cpu_idle_pct() {
    local a b
    a=$(awk '$1 == "cpu" { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
    sleep 1
    b=$(awk '$1 == "cpu" { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        t = y[2] - x[2]; printf "%.0f", (t > 0 ? 100 * (y[1] - x[1]) / t : 0)
    }'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port nobody listens on, below the kernel's ephemeral range (32768+) so that
# no outgoing connection holds it either.
free_port() {
    local i p
    for (( i = 0; i < 200; i++ )); do
        p=$(( 20000 + RANDOM % 12000 ))
        if ! port_open "$p"; then echo "$p"; return 0; fi
    done
    die "no free port found on 127.0.0.1"
}

# The commit measured, marked when the working tree differs from it (the
# results written by an earlier run do not count).
commit_label() {
    local commit
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [[ $commit != unknown ]] \
        && [[ -n $(git -C "$ROOT" --no-optional-locks status --porcelain --untracked-files=no -- . ':!bench/README.md' 2>/dev/null) ]]; then
        commit="$commit (with uncommitted changes)"
    fi
    echo "$commit"
}

# insert_result SECTION: puts SECTION above the newest result of README's
# "## Results" (used by the benchmarks that add their own entry).
insert_result() {
    local tmp
    tmp=$(mktemp "$BENCH_DIR/.README.XXXXXX")
    awk -v section="$1" '
        done == 0 && seen && /^### / { print section; print ""; done = 1 }
        /^## Results$/ { seen = 1 }
        { print }
        END { if (!done) { print ""; print section } }
    ' "$README" >"$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$README"
}
