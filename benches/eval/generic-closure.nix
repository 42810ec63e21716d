# builtins.genericClosure over a 300,000-node graph (each node links to
# two others, so every node is reached and most are seen twice).
let
  n = 300000;
  next = k: let a = k * 2 + 1; b = k * 2 + 2; in
    (if a < n then [ { key = a; } ] else [ ]) ++ (if b < n then [ { key = b; } { key = b / 2; } ] else [ ]);
  closure = builtins.genericClosure {
    startSet = [ { key = 0; } ];
    operator = item: next item.key;
  };
in
builtins.length closure
