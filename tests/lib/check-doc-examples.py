#!/usr/bin/env python3
"""Checks that every `# Example` in stdlib/lib/*.nix doc comments is true.

Each example is a ```nix block of the form `EXPR` / `=> RESULT`; this
evaluates EXPR (inside `with lib; with lib.<area>;`) with real Nix and
compares the printed value with RESULT, ignoring whitespace.
Usage: python3 tests/lib/check-doc-examples.py  (needs nix-instantiate)
"""
import os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIB = os.path.join(ROOT, "stdlib", "lib")
AREAS = {"trivial.nix": "trivial", "lists.nix": "lists", "strings.nix": "strings",
         "attrsets.nix": "attrsets", "fixed-points.nix": "fixedPoints",
         "customisation.nix": "customisation"}
BLOCK = re.compile(r"```nix\n(.*?)\n\s*=> (.*?)\n\s*```", re.S)

def norm(s):
    return re.sub(r"\s+", " ", s.strip())

failures = total = 0
for fname, area in AREAS.items():
    text = open(os.path.join(LIB, fname)).read()
    for expr, want in BLOCK.findall(text):
        total += 1
        code = f"let lib = import {LIB}; in with lib; with lib.{area}; ({expr.strip()})"
        p = subprocess.run(["nix-instantiate", "--eval", "--strict", "-E", code],
                           capture_output=True, text=True,
                           env=dict(os.environ, NIX_REMOTE="dummy://"))
        got = p.stdout if p.returncode == 0 else "ERROR: " + p.stderr
        if norm(got) != norm(want):
            failures += 1
            print(f"{fname}: {expr.strip()}\n  want: {want}\n  got:  {norm(got)}")
print(f"{total - failures}/{total} doc examples OK")
sys.exit(1 if failures else 0)
