#!/usr/bin/env bash
# kiln build of N trivial steps (each `echo $name > $out`) against nix-build of N equivalent
# derivations with Nix 2.8's sandbox on (shared/SANDBOX.md §6), side by side in one run:
#
#   (c) cold build of all N steps, -j 2 / --max-jobs 2 (goal: kiln <= 0.2x Nix)
#   (b) no-op `kiln build` of the fully built plan (goal: <= 100 ms), vs a no-op nix-build
#
#   benches/build.sh                  # release build, N=1000
#   N=200 benches/build.sh            # quicker
#   KILN=path/to/kiln benches/build.sh
#
# Both tools get the same root: a static busybox as /bin/sh. kiln gets it as a one-layer rootfs
# (a store path), Nix through `sandbox-paths /bin/sh=/bin/busybox`. Both stores are fresh
# folders under /tmp; nothing outside them is touched. Needs root for Nix's sandbox (build
# users) and `nix-bin`, `busybox-static`.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-1000}
JOBS=${JOBS:-2}
NOOP_RUNS=${NOOP_RUNS:-10}

missing=()
command -v nix-build >/dev/null || missing+=(nix-bin)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y "${missing[@]}" >/dev/null
    else
        echo "missing: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
        exit 1
    fi
fi

if [ -z "${KILN:-}" ]; then
    cargo build --release --quiet
    KILN=$PWD/target/release/kiln
fi

WORK=$(mktemp -d /tmp/kiln-bench-build.XXXXXX)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

# The kiln project: a busybox root layer and N steps that use it.
mkdir -p "$WORK/kiln/root/bin"
cp /bin/busybox "$WORK/kiln/root/bin/sh"
cat > "$WORK/kiln/kiln.nix" <<EOF
let
  root = "\${./root}";
  step = i: derivation {
    name = "s\${toString i}";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo \$name > \$out" ];
    rootfs = [ root ];
  };
in builtins.genList step $N
EOF

# The Nix expression: the same steps.
mkdir -p "$WORK/nix"
cat > "$WORK/nix/default.nix" <<EOF
builtins.genList (i: derivation {
  name = "s\${toString i}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo \$name > \$out" ];
}) $N
EOF

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

run_kiln() {
    "$KILN" --store "$WORK/kiln-store" build "$WORK/kiln" -j "$JOBS" -q --no-link >/dev/null
}
run_nix() {
    nix-build --store "$WORK/nixroot" --option sandbox true \
        --option sandbox-paths /bin/sh=/bin/busybox --option build-users-group nixbld \
        --max-jobs "$JOBS" --cores 1 --no-out-link --quiet "$WORK/nix/default.nix" >/dev/null 2>"$WORK/nix.err" \
        || { echo "nix-build failed:"; tail -5 "$WORK/nix.err"; return 1; }
}

echo "N=$N steps, -j $JOBS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(now); run_kiln; t1=$(now)
kiln_cold=$(elapsed "$t0" "$t1")
t0=$(now); run_nix; t1=$(now)
nix_cold=$(elapsed "$t0" "$t1")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
kiln_noop=$(for _ in $(seq "$NOOP_RUNS"); do t0=$(now); run_kiln; t1=$(now); elapsed "$t0" "$t1"; done | median)
nix_noop=$(for _ in $(seq "$NOOP_RUNS"); do t0=$(now); run_nix; t1=$(now); elapsed "$t0" "$t1"; done | median)

printf '%-36s %10s %10s %8s\n' "" "kiln s" "nix s" "ratio"
printf '%-36s %10.3f %10.3f %8.3f\n' "(c) cold build of $N steps" "$kiln_cold" "$nix_cold" "$(echo "$kiln_cold / $nix_cold" | bc -l)"
printf '%-36s %10.3f %10.3f %8.3f\n' "(b) no-op build, median of $NOOP_RUNS" "$kiln_noop" "$nix_noop" "$(echo "$kiln_noop / $nix_noop" | bc -l)"
echo "goals: (c) ratio <= 0.2; (b) kiln <= 0.100 s"
