# let, rec, with, inherit and inherit-from, and how they shadow each other
let
  x = 1;
  set = { y = 2; z = 3; };
  r = rec { a = b + 1; b = x * 10; inherit x; inherit (set) z; };
in
with set; [
  (with { x = 100; }; x)      # lexical x wins over with
  y                             # from with
  r.a
  r.z
  (let inherit (r) b; in b)
  (with { q = 1; }; with { q = 2; }; q)
]
