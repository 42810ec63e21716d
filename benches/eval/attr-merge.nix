# 3,000 merges (`//`) of 1,000-attribute sets with overlapping names.
let
  width = 1000;
  merges = 3000;
  mkSet = k: builtins.listToAttrs (builtins.genList
    (i: { name = "a${toString (i + k)}"; value = k; }) width);
  # Ten distinct sets, each shifted by 900 names (so the result grows to
  # ~9,100 attributes and later merges copy more), reused round-robin.
  sets = builtins.genList (k: mkSet (k * 900)) 10;
  result = builtins.foldl'
    (acc: i: acc // builtins.elemAt sets (i - (i / 10) * 10))
    { } (builtins.genList (i: i) merges);
in
builtins.length (builtins.attrNames result) + result.a950
