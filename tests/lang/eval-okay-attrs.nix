let
  s = { a.b.c = 1; a.b.d = 2; "quoted name" = 3; ${"dyn" + "amic"} = 4; ${null} = 5; };
in {
  inherit s;
  has = [ (s ? a.b.c) (s ? a.x) (s ? "quoted name") ];
  sel = [ (s.a.b.d) (s.a.x or "default") (s.nope.deeper or "deep default") ];
  merged = { a = 1; b = 2; } // { b = 3; c = 4; };
  names = builtins.attrNames { zeta = 1; alpha = 2; Beta = 3; _x = 4; };
  overrides = (rec { x = 1; y = x; __overrides = { x = 2; }; }).y;
}
