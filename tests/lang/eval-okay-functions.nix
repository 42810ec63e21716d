let
  f = { a, b ? a + 1, ... }@args: [ a b (builtins.attrNames args) ];
  curry = a: b: c: a + b * c;
  functor = { __functor = self: x: self.base + x; base = 10; };
  partial = builtins.add 1;
in [
  (f { a = 1; })
  (f { a = 1; b = 5; extra = true; })
  (curry 1 2 3)
  (functor 5)
  (partial 2)
  (builtins.functionArgs f)
  (map (x: x * x) [ 1 2 3 ])
]
