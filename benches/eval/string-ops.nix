# replaceStrings and substring heavy work on many medium strings.
let
  n = 60000;
  base = i: "The quick brown fox ${toString i} jumps over the lazy dog; ";
  work = i:
    let
      s = builtins.replaceStrings [ "quick" "lazy" "o" " " ] [ "slow" "energetic" "0" "_" ] (base i + base (i + 1));
      firstWord = builtins.substring 0 (builtins.stringLength s / 4) s;
      rev = builtins.concatStringsSep "" (builtins.genList (j: builtins.substring (19 - j) 1 s) 20);
    in builtins.stringLength firstWord + builtins.stringLength rev + builtins.stringLength s;
in
builtins.foldl' (acc: i: acc + work i) 0 (builtins.genList (i: i) n)
