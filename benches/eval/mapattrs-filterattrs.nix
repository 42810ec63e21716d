# lib-style mapAttrs + filterAttrs chains (filterAttrs written the way a
# library would, via listToAttrs/concatMap/attrNames).
let
  n = 100000;
  filterAttrs = pred: set: builtins.listToAttrs (builtins.concatMap
    (name: let value = set.${name}; in if pred name value then [ { inherit name value; } ] else [ ])
    (builtins.attrNames set));
  mapAttrs = builtins.mapAttrs;
  start = builtins.listToAttrs (builtins.genList (i: { name = "pkg${toString i}"; value = { v = i; }; }) n);
  chain = set:
    filterAttrs (k: x: x.v / 5 * 5 != x.v)
      (mapAttrs (k: x: { v = x.v + 1; }) set);
  result = chain (chain (chain (chain start)));
in
builtins.length (builtins.attrNames result)
