# builtins.attrNames / listToAttrs round trips over 200,000 attributes.
let
  n = 200000;
  rounds = 3;
  start = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) n);
  step = set: builtins.listToAttrs (map
    (k: { name = k; value = set.${k} + 1; })
    (builtins.attrNames set));
  final = builtins.foldl' (s: _: step s) start (builtins.genList (r: r) rounds);
in
builtins.length (builtins.attrNames final) + final.k199999
