# Test for stdlib/lib/default.nix (hand-written): the sub-attributes exist,
# the flat set holds the same functions, and lib is usable through them.
let
  lib = import ../../stdlib/lib;
  areas = [ "trivial" "lists" "strings" "attrsets" "fixedPoints" "customisation" ];
  # every attribute of every area is also in the flat set
  flatHasAll = builtins.all
    (a: builtins.all (n: lib ? ${n}) (builtins.attrNames lib.${a}))
    areas;
in
[
  (builtins.all (a: builtins.isAttrs lib.${a}) areas)
  flatHasAll
  (lib.hasPrefix "a" "ab" == lib.strings.hasPrefix "a" "ab")
  (lib.lists.last (lib.strings.splitString "/" "usr/local/bin"))
  (lib.attrsets.mapAttrsToList (n: v: n) (lib.attrsets.genAttrs [ "y" "x" ] lib.trivial.id))
  (builtins.length (builtins.attrNames lib.fixedPoints))
]
