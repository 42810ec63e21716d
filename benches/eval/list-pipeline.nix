# genList, map and filter over 1e6 elements.
let
  n = 1000000;
  xs = builtins.genList (i: i) n;
  ys = map (x: x * 7 + 1) xs;
  zs = builtins.filter (y: y - (y / 3) * 3 == 0) ys;
in
builtins.length zs + builtins.elemAt zs 1000
