# builtins.sort of 200,000 pseudo-random integers.
let
  n = 200000;
  rand = i: let x = i * 1103515245 + 12345; in x - (x / 2147483648) * 2147483648;
  xs = builtins.genList rand n;
  sorted = builtins.sort (a: b: a < b) xs;
in
builtins.elemAt sorted 0 + builtins.elemAt sorted (n / 2) - builtins.elemAt sorted (n - 1)
