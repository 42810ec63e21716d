# Non-tail recursion 50,000 frames deep (n + sumTo (n - 1)), repeated.
# Nix 2.8 has no call-depth limit and runs on the 8 MiB default stack:
# this shape survives ~73,400 frames there and overflows at ~73,700
# ("error: stack overflow"), so 50,000 leaves a ~1.5x margin.
let
  depth = 50000;
  rounds = 40;
  sumTo = n: if n == 0 then 0 else n + sumTo (n - 1);
in
builtins.foldl' (acc: r: acc + sumTo (depth - r)) 0 (builtins.genList (r: r) rounds)
