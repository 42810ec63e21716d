#!/usr/bin/env bash
# Evaluation benchmark: kiln eval vs. nix-instantiate on benches/eval/*.nix.
#
# Usage: benches/eval.sh [-n RUNS] [WORKLOAD...]
#   RUNS      runs per tool and workload, median taken (default 3; or $RUNS)
#   WORKLOAD  names (fib) or files (benches/eval/fib.nix); default: all
# Environment:
#   KILN      kiln binary (default target/release/kiln, relative to the repo)
#   NIX       nix-instantiate binary (default nix-instantiate)
#
# Wall time and peak RSS come from GNU time (/usr/bin/time -f '%e %M').
# Ratios are kiln / nix, so below 1.00 means kiln is faster / smaller.
# Exit status: 0, or 1 if any printed results differed (a correctness bug).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${RUNS:-3}
if [ "${1:-}" = "-n" ]; then runs=$2; shift 2; fi
kiln=${KILN:-$repo/target/release/kiln}
nix=${NIX:-nix-instantiate}
gnutime=/usr/bin/time

if [ ! -x "$gnutime" ]; then
  echo "eval.sh: GNU time not found at $gnutime (apt-get install -y time)" >&2; exit 2
fi
if ! command -v "$nix" >/dev/null 2>&1; then
  echo "eval.sh: $nix not found (apt-get install -y nix-bin)" >&2; exit 2
fi
kiln_ok=1
if [ ! -x "$kiln" ]; then
  echo "eval.sh: warning: kiln binary $kiln missing; every row will say 'kiln failed'" >&2
  kiln_ok=0
fi

if [ $# -eq 0 ]; then
  set -- "$here"/eval/*.nix
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median of the numbers on stdin (one per line)
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# run TOOL FILE: runs $runs times; sets R_TIME, R_KB, R_OUT (stdout of the
# last run); returns 1 if any run failed (stderr kept in $tmp/err).
run() {
  local tool=$1 file=$2 i
  : >"$tmp/times"; : >"$tmp/kbs"
  for ((i = 0; i < runs; i++)); do
    if [ "$tool" = kiln ]; then
      "$gnutime" -f '%e %M' -o "$tmp/time" "$kiln" eval --strict "$file" >"$tmp/out" 2>"$tmp/err" || return 1
    else
      NIX_REMOTE=dummy:// "$gnutime" -f '%e %M' -o "$tmp/time" "$nix" --eval --strict "$file" >"$tmp/out" 2>"$tmp/err" || return 1
    fi
    # GNU time may prepend "Command exited..." lines; the numbers are last.
    tail -n 1 "$tmp/time" | awk '{ print $1 >> "'"$tmp/times"'"; print $2 >> "'"$tmp/kbs"'" }'
  done
  R_TIME=$(median <"$tmp/times")
  R_KB=$(median <"$tmp/kbs")
  R_OUT=$(cat "$tmp/out")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

fmt='%-24s %11s %9s %7s %9s %9s %7s\n'
printf "runs per tool: %s (median)   kiln: %s\n\n" "$runs" "$kiln"
printf "$fmt" workload "kiln s" "nix s" ratio "kiln MB" "nix MB" ratio
printf "$fmt" ------------------------ ----------- --------- ------- --------- --------- -------

mismatches=0
: >"$tmp/ratios"
for w in "$@"; do
  case $w in
    */* | *.nix) file=$w ;;
    *) file=$here/eval/$w.nix ;;
  esac
  name=$(basename "$file" .nix)
  if [ ! -f "$file" ]; then
    printf '%-24s no such workload: %s\n' "$name" "$file"; continue
  fi

  if ! run nix "$file"; then
    printf '%-24s nix failed: %s\n' "$name" "$(head -c 200 "$tmp/err" | tr '\n' ' ')"
    continue
  fi
  nix_time=$R_TIME nix_kb=$R_KB nix_out=$R_OUT

  if [ "$kiln_ok" = 1 ] && run kiln "$file"; then
    kiln_time=$R_TIME kiln_kb=$R_KB kiln_out=$R_OUT
    tr=$(ratio "$kiln_time" "$nix_time")
    printf "$fmt" "$name" "$kiln_time" "$nix_time" "$tr" "$(mb "$kiln_kb")" "$(mb "$nix_kb")" "$(ratio "$kiln_kb" "$nix_kb")"
    if [ "$kiln_out" = "$nix_out" ]; then
      [ "$tr" != - ] && echo "$tr" >>"$tmp/ratios"
    else
      # A wrong answer is not a speed result: left out of the median.
      mismatches=$((mismatches + 1))
      echo "!!!!!! RESULT MISMATCH on $name !!!!!!"
      echo "!!!!!!   nix:  $(printf '%s' "$nix_out" | head -c 200)"
      echo "!!!!!!   kiln: $(printf '%s' "$kiln_out" | head -c 200)"
    fi
  else
    printf "$fmt" "$name" "kiln failed" "$nix_time" - - "$(mb "$nix_kb")" -
    if [ "$kiln_ok" = 1 ]; then
      echo "    kiln: $(head -c 200 "$tmp/err" | tr '\n' ' ')"
    fi
  fi
done

echo
if [ -s "$tmp/ratios" ]; then
  echo "median time ratio (kiln/nix): $(median <"$tmp/ratios" | awk '{ printf "%.2f", $1 }')  over $(wc -l <"$tmp/ratios") workloads with matching results"
else
  echo "median time ratio (kiln/nix): n/a (kiln produced no results)"
fi
if [ "$mismatches" -gt 0 ]; then
  echo "!!!!!! $mismatches RESULT MISMATCH(ES): kiln printed something different from Nix !!!!!!"
  exit 1
fi
exit 0
