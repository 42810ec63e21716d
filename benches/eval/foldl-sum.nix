# builtins.foldl' over a 1e6-element list: strict accumulator loop.
let
  n = 1000000;
  xs = builtins.genList (i: i) n;
in
builtins.foldl' (acc: x: if x / 2 * 2 == x then acc + x * 3 else acc - x) 0 xs
