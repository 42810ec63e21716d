# toJSON, toXML, fromJSON and fromTOML; expectations from Nix 2.8.
let
  drv = { type = "derivation"; drvPath = "/d.drv"; outPath = "/o"; name = "n"; };
in
{
  json = builtins.toJSON {
    ints = [ 1 (-2) 9223372036854775807 ];
    floats = [ 1.5 0.1 1.0e20 1.0e-7 (1.0 / 3) 100.0 1234567.0 ];
    strings = [ "" "a\"b\\c\nd\re\tf" "é ${"$"}{x}" ];
    "key with \"quotes\"" = null;
    bools = [ true false ];
    empty = [ { } [ ] ];
    peel = [
      { __toString = self: "won"; outPath = abort "unused"; }
      { outPath = { outPath = 42; }; }
      { __toString = self: { outPath = "deep"; }; }
      drv
    ];
  };
  xml = builtins.toXML {
    a = [ 1 2.5 "x<&>\"\n'\t" null true ];
    f = { x, y ? 1, ... }@args: x;
    g = x: x;
    p = builtins.map;
    d = [ drv drv { type = "derivation"; } ];
  };
  fromJSON = builtins.fromJSON ''
    { "b": [1, -2, 1.5e3, 1E2, -0, "\u00e9\ud83d\ude00\n\/", true, false, null],
      "a": { "x": {}, "x": [] }, "big": 12345678901234567890 }
  '';
  fromTOML = builtins.fromTOML ''
    title = "t"
    [owner]
    n = 1
    f = 0.5
    "quoted key" = [ [1, 2], ["a"] ]
    [[items]]
    k = true
    [[items]]
  '';
  roundTrip = builtins.fromJSON (builtins.toJSON { a = [ 1 "b" { c = null; } ]; });
}
