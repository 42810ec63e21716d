# builtins.match (and split) in a loop over generated version strings.
let
  n = 100000;
  str = i: "pkg-${toString i}.${toString (i / 7)}-rc${toString (i / 100)}.tar.gz";
  check = i:
    let
      m = builtins.match "([a-z]+)-([0-9]+)\\.([0-9]+)(-rc([0-9]+))?\\.tar\\.(gz|xz)" (str i);
      parts = builtins.split "[.-]" (str i);
    in (if m == null then 0 else builtins.stringLength (builtins.elemAt m 1)) + builtins.length parts;
in
builtins.foldl' (acc: i: acc + check i) 0 (builtins.genList (i: i) n)
