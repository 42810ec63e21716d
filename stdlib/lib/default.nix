# kiln's standard library, `import <kiln/lib>`.
#
# Each area is a file taking `{ lib }` (the finished library, for
# cross-references) and returning a set of functions. They are merged
# into one flat set, and each is also available as a sub-attribute:
# `lib.strings.hasPrefix` and `lib.hasPrefix` are the same function.
let
  callLib = file: import file { inherit lib; };

  trivial = callLib ./trivial.nix;
  lists = callLib ./lists.nix;
  strings = callLib ./strings.nix;
  attrsets = callLib ./attrsets.nix;
  fixedPoints = callLib ./fixed-points.nix;
  customisation = callLib ./customisation.nix;
  sources = callLib ./sources.nix;

  lib =
    trivial // lists // strings // attrsets // fixedPoints // customisation // sources // {
      inherit trivial lists strings attrsets fixedPoints customisation sources;
    };
in
lib
