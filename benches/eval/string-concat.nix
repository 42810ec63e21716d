# String building in a loop: 100,000 pieces appended with `+` and
# interpolation, in 100 chunks of 1,000 (so copying stays linear-ish),
# then joined.
let
  chunks = 100;
  perChunk = 1000;
  chunk = c: builtins.foldl'
    (acc: i: acc + "${toString (c * perChunk + i)},")
    "" (builtins.genList (i: i) perChunk);
  s = builtins.concatStringsSep "" (builtins.genList chunk chunks);
in
"${toString (builtins.stringLength s)}:${builtins.substring 0 12 s}"
