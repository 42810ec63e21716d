# builtins.toJSON then builtins.fromJSON of 250,000 items.
let
  n = 250000;
  items = builtins.genList (i: { id = i; name = "pkg-${toString i}"; ok = i / 2 * 2 == i; }) n;
  text = builtins.toJSON items;
  back = builtins.fromJSON text;
in
"${toString (builtins.stringLength text)} ${(builtins.elemAt back 12345).name}"
