let
  unused = throw "never forced";
  xs = [ unused 2 ];
  attrs = { bad = abort "never"; good = 1; };
in [
  (builtins.length xs)
  (builtins.elemAt xs 1)
  attrs.good
  (builtins.tryEval (throw "caught")).success
  (builtins.tryEval (assert false; 1)).success
  (builtins.tryEval 5).value
  ((x: 3) (abort "not evaluated"))
  (builtins.seq 1 2)
]
