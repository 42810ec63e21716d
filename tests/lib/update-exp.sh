#!/bin/sh
# Regenerates tests/lib/*.exp with real Nix (nix-instantiate, Nix 2.8).
# Usage: tests/lib/update-exp.sh [TEST.nix...]   (default: all eval-okay-*.nix)
# Review `git diff tests/lib` by eye afterwards: the .exp files are the spec.
set -eu
cd "$(dirname "$0")"
[ $# -gt 0 ] || set -- eval-okay-*.nix
status=0
for t in "$@"; do
  t=$(basename "$t")
  if NIX_REMOTE=dummy:// nix-instantiate --eval --strict "$t" >"${t%.nix}.exp.tmp" 2>"${t%.nix}.err.tmp"; then
    mv "${t%.nix}.exp.tmp" "${t%.nix}.exp"
    rm -f "${t%.nix}.err.tmp"
  else
    echo "FAIL: $t" >&2; sed 's/^/  /' "${t%.nix}.err.tmp" >&2
    rm -f "${t%.nix}.exp.tmp" "${t%.nix}.err.tmp"
    status=1
  fi
done
exit $status
