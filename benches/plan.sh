#!/usr/bin/env bash
# Plan benchmark: `kiln plan` on a generated kiln.nix with N steps (default
# 10,000). Step i depends on steps (i-1)/2 and (i-1)/3 through string context,
# so the graph is a DAG of depth ~log2 N with 2 inputs per step, and every
# step also uses one shared imported source folder.
#
# Usage: benches/plan.sh [N]
# Environment:
#   KILN   kiln binary (default target/debug/kiln, relative to the repo)
#   RUNS   runs per mode, best taken (default 3)
#
# Prints wall time and peak RSS (GNU time, /usr/bin/time -f '%e %M') for the
# tree and for --json, and checks that two runs give the same JSON.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
n=${1:-10000}
runs=${RUNS:-3}
kiln=${KILN:-$repo/target/debug/kiln}
gnutime=/usr/bin/time
[ -x "$gnutime" ] || { echo "plan.sh: GNU time not found at $gnutime (apt-get install -y time)" >&2; exit 2; }
[ -x "$kiln" ] || { echo "plan.sh: $kiln not found (cargo build)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
echo 'int main() { return 0; }' > "$work/src/main.c"
cat > "$work/kiln.nix" <<NIX
let
  n = $n;
  mk = i:
    derivation {
      name = "step-\${toString i}";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo \${toString i} > \$out" ];
      src = ./src;
      deps = if i == 0 then [ ] else [ (builtins.elemAt steps ((i - 1) / 2)) (builtins.elemAt steps ((i - 1) / 3)) ];
    };
  steps = builtins.genList mk n;
in steps
NIX
export KILN_STORE="$work/store"

measure() { # label, args...
  local label=$1; shift
  local best_t="" best_m=""
  for _ in $(seq "$runs"); do
    "$gnutime" -f '%e %M' -o "$work/time" "$kiln" plan "$@" "$work/kiln.nix" > "$work/out" 2>"$work/err" \
      || { cat "$work/err" >&2; exit 1; }
    read -r t m < "$work/time"
    if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; best_m=$m; fi
  done
  printf '%-12s %6s s  %8s KiB peak RSS  (%s lines of output)\n' "$label" "$best_t" "$best_m" "$(wc -l < "$work/out")"
}

echo "kiln plan, $n steps, $(basename "$kiln") = $kiln, best of $runs"
measure tree
measure json --json
"$kiln" plan --json "$work/kiln.nix" > "$work/a.json"
"$kiln" plan --json "$work/kiln.nix" > "$work/b.json"
cmp -s "$work/a.json" "$work/b.json" && echo "json: identical across runs" || { echo "json differs across runs" >&2; exit 1; }
