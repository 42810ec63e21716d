#!/usr/bin/env bash
# Start-to-exit latency of a container running `true`: kiln vs bubblewrap vs unshare(1),
# side by side in one hyperfine run (see shared/SANDBOX.md §2 for the reference numbers).
#
#   benches/sandbox-start.sh            # release build, as the current user and, as root, as nobody
#   RUNS=300 benches/sandbox-start.sh
#   KILN=path/to/kiln benches/sandbox-start.sh
#
# Goal (issue 4): kiln median <= 3 ms and <= 0.7x bwrap.
# `kiln` is the path every caller of `sandbox::run` takes (kiln re-executes itself as the
# helper); `kiln-direct` (--direct) makes the single-threaded CLI the helper, which is what a
# pre-forked helper would cost per container.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-150}

need() {
    local missing=()
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    command -v bwrap >/dev/null || missing+=(bubblewrap)
    [ -x /bin/busybox ] || missing+=(busybox-static)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ]; then
            apt-get install -y "${missing[@]}" >/dev/null
        else
            echo "missing: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
            exit 1
        fi
    fi
}
need

if [ -z "${KILN:-}" ]; then
    cargo build --release --quiet
    KILN=$PWD/target/release/kiln
fi

# A one-layer root: a static busybox with `true` and `sh`, plus the mount points bwrap needs.
ROOT=$(mktemp -d /tmp/kiln-bench-root.XXXXXX)
OUT=$(mktemp -d /tmp/kiln-bench-out.XXXXXX)
trap 'rm -rf "$ROOT" "$OUT"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/proc" "$ROOT/dev" "$ROOT/tmp"
if file -L /bin/busybox | grep -q 'statically linked'; then
    cp /bin/busybox "$ROOT/bin/busybox"
else
    echo "/bin/busybox is not static: install busybox-static" >&2
    exit 1
fi
ln -s busybox "$ROOT/bin/true"
ln -s busybox "$ROOT/bin/sh"
chmod -R a+rX "$ROOT" "$OUT"
chmod 755 "$KILN" 2>/dev/null || true

bench() { # label prefix...
    local label=$1
    shift
    local json=$OUT/$label.json
    hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$json" \
        -n kiln "$* $KILN sandbox exec --layer $ROOT -- /bin/true" \
        -n kiln-direct "$* $KILN sandbox exec --direct --layer $ROOT -- /bin/true" \
        -n bwrap "$* bwrap --unshare-all --ro-bind $ROOT / --proc /proc --dev /dev --tmpfs /tmp /bin/true" \
        -n unshare "$* unshare -Urmpfn --mount-proc /bin/true" >/dev/null
    python3 - "$json" "$label" <<'EOF'
import json, statistics, sys
data = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: statistics.median(r["times"]) * 1000 for r in data}
mins = {r["command"]: min(r["times"]) * 1000 for r in data}
print(f"## {sys.argv[2]}")
print(f"{'runtime':12} {'median ms':>10} {'min ms':>8} {'/ bwrap':>8}")
for name in ("kiln", "kiln-direct", "bwrap", "unshare"):
    print(f"{name:12} {med[name]:10.2f} {mins[name]:8.2f} {med[name] / med['bwrap']:8.2f}")
for name in ("kiln", "kiln-direct"):
    ok = med[name] <= 3.0 and med[name] <= 0.7 * med["bwrap"]
    print(f"goal for {name} (<= 3 ms and <= 0.7x bwrap): {'met' if ok else 'NOT met'}")
EOF
}

bench "as $(id -un)"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    bench "as nobody (rootless)" setpriv --reuid=65534 --regid=65534 --clear-groups
fi
