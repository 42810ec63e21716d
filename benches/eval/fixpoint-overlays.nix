# A nixpkgs-like package set: 100,000 packages built as a fixed point
# with three overlays, fix (extends o3 (extends o2 (extends o1 base))).
# Each package refers to a few others through `final`/`prev`.
let
  n = 100000;
  fix = f: let x = f x; in x;
  extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
  name = i: "p${toString i}";
  gen = f: builtins.listToAttrs (builtins.genList (i: { name = name i; value = f i; }) n);
  # Base: each package depends on up to three lower-numbered ones.
  base = final: gen (i: {
    deps = if i < 3 then [ ] else [ (name (i / 2)) (name (i - 1)) (name (i / 3)) ];
    weight = if i < 3 then 1 else 1 + final.${name (i - 1)}.weight / 2 + final.${name (i / 3)}.weight / 3;
  });
  # Overlay 1 rewrites every package, keeping its old value.
  o1 = final: prev: builtins.mapAttrs (k: v: v // { weight = v.weight + 1; }) prev;
  # Overlay 2 overrides every 10th package in terms of final.
  o2 = final: prev: builtins.listToAttrs (builtins.genList (j:
    let i = j * 10 + 5; in {
      name = name i;
      value = prev.${name i} // { weight = final.${name (i - 1)}.weight + 2; };
    }) (n / 10));
  # Overlay 3 adds an aggregate that touches the whole set.
  o3 = final: prev: {
    total = builtins.foldl' (acc: k: acc + final.${k}.weight) 0 (builtins.attrNames prev);
  };
  pkgs = fix (extends o3 (extends o2 (extends o1 base)));
in
pkgs.total
