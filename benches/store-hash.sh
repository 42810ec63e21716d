#!/usr/bin/env bash
# Hash a generated 1 GB source tree with kiln and with b3sum, and print both times and the ratio.
# Also times a cold and a warm (cached) `kiln store add-source` of the same tree.
#
# usage: benches/store-hash.sh [SIZE_MB]   (env: KILN=path/to/kiln, B3SUM=path/to/b3sum, WORK=dir)
# Both hashers read from the page cache: the tree is read once before any timing.
set -euo pipefail

size_mb=${1:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=${KILN:-$root/target/debug/kiln}
b3sum=${B3SUM:-$(command -v b3sum || true)}
if [[ ! -x $kiln ]]; then
    (cd "$root" && cargo build --quiet)
fi
if [[ -z $b3sum ]]; then
    echo "b3sum not found: apt-get install b3sum, or cargo install b3sum" >&2
    exit 1
fi

work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench.XXXXXX")}
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
tree=$work/tree
mkdir -p "$tree/big" "$tree/small"

# Half the bytes in 4 big files, half in 100 KiB files: both ways a source tree looks.
big_mb=$((size_mb / 2 / 4))
for i in 1 2 3 4; do
    head -c "$((big_mb * 1024 * 1024))" /dev/urandom > "$tree/big/blob$i"
done
n_small=$(((size_mb - 4 * big_mb) * 1024 / 100))
head -c "$((n_small * 100 * 1024))" /dev/urandom | split -a 5 -d -b 100K - "$tree/small/f"
total=$(du -sb "$tree" | cut -f1)
n_files=$(find "$tree" -type f | wc -l)
echo "tree: $n_files files, $total bytes"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }

# Warm the page cache so that both hashers see the same conditions.
cat "$tree"/big/* "$tree"/small/* > /dev/null

b3() { find "$tree" -type f -print0 | sort -z | xargs -0 "$b3sum" > /dev/null; }
kh() { "$kiln" store hash "$tree" > /dev/null; }

best() { # best of 3 runs of a function
    local fn=$1 best= t s
    for _ in 1 2 3; do
        s=$(now); $fn; t=$(elapsed "$s")
        if [[ -z $best ]] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
    done
    echo "$best"
}

t_b3=$(best b3)
t_kiln=$(best kh)
printf 'b3sum (%s):          %6.3f s\n' "$("$b3sum" --version)" "$t_b3"
printf 'kiln store hash:      %6.3f s\n' "$t_kiln"
printf 'ratio kiln / b3sum:   %6.2f  (goal: <= 1.5)\n' "$(echo "$t_kiln / $t_b3" | bc -l)"

store=$work/store
s=$(now); "$kiln" --store "$store" store add-source "$tree" > /dev/null; t_cold=$(elapsed "$s")
s=$(now); "$kiln" --store "$store" store add-source "$tree" > /dev/null; t_warm=$(elapsed "$s")
printf 'add-source, cold:     %6.3f s  (hash + copy + fsync + rehash of the copy)\n' "$t_cold"
printf 'add-source, unchanged:%6.3f s  (stat only: hashes come from the cache)\n' "$t_warm"
