#!/usr/bin/env python3
"""Generates tests/lib/eval-okay-<area>-<fn>.nix from the CASES table below.

Run from anywhere: python3 tests/lib/gen.py   (then tests/lib/update-exp.sh
to regenerate the .exp files with real Nix, and review the diff by eye).
Hand-written tests (not listed here) are left alone.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# (area, attribute set used in `with`, function, expression)
CASES = [
  # trivial
  ("trivial", "id", 'map id [ 1 "a" null [ true ] ]'),
  ("trivial", "const", '[ (map (const 0) [ 1 2 3 ]) (const "x" (throw "never forced")) ]'),
  ("trivial", "flip", '[ (flip builtins.sub 1 10) (flip (a: b: a + b) "x" "y") ]'),
  ("trivial", "pipe", '[ (pipe 2 [ (x: x + 1) (x: x * 10) ]) (pipe "a" [ ]) (pipe [ 3 1 2 ] [ (builtins.sort (a: b: a < b)) (map toString) (builtins.concatStringsSep ",") ]) ]'),
  ("trivial", "compose", '[ (compose (x: x * 2) (x: x + 1) 3) (compose toString builtins.length [ 1 2 ]) ]'),
  ("trivial", "concat", '[ (concat [ 1 ] [ 2 3 ]) (concat [ ] [ ]) ]'),
  ("trivial", "or", '[ (lib.trivial."or" false true) (lib.trivial."or" false false) (lib.trivial."or" true (throw "short-circuit")) ]'),
  ("trivial", "and", '[ (and true true) (and true false) (and false (throw "short-circuit")) ]'),
  ("trivial", "xor", '[ (xor true false) (xor true true) (xor false false) ]'),
  ("trivial", "boolToString", '[ (boolToString true) (boolToString false) ]'),
  ("trivial", "mergeAttrs", '[ (mergeAttrs { x = 1; y = 1; } { y = 2; }) (mergeAttrs { } { }) ]'),
  ("trivial", "min", '[ (min 3 7) (min 7 3) (min "b" "a") (min (-1) 0) ]'),
  ("trivial", "max", '[ (max 3 7) (max 7 3) (max "b" "a") ]'),
  ("trivial", "mod", '[ (mod 17 5) (mod 15 5) (mod (-7) 3) (mod 7 (-3)) ]'),
  ("trivial", "compare", '[ (compare 1 2) (compare 2 2) (compare "b" "a") ]'),
  ("trivial", "defaultTo", '[ (defaultTo 8 null) (defaultTo 8 3) (defaultTo 8 false) ]'),
  ("trivial", "throwIf", '[ (throwIf (1 > 2) "impossible" "fine") (builtins.tryEval (throwIf true "boom" "fine")) ]'),
  ("trivial", "throwIfNot", '[ (throwIfNot (builtins.isInt 3) "not an int" 3) (builtins.tryEval (throwIfNot false "boom" 3)) ]'),
  ("trivial", "assertMsg", '[ (assertMsg (1 < 2) "math is broken") (builtins.tryEval (assertMsg false "nope")) (assert assertMsg true "unused"; "ok") ]'),
  ("trivial", "isFunction", '[ (isFunction (x: x)) (isFunction builtins.map) (isFunction { __functor = self: x: x; }) (isFunction { }) (isFunction 1) ]'),
  ("trivial", "functionArgs", '[ (functionArgs ({ a, b ? 1 }: a)) (functionArgs (x: x)) (functionArgs (setFunctionArgs (x: x) { n = true; })) (functionArgs { __functor = self: { q }: q; }) ]'),
  ("trivial", "setFunctionArgs", 'let f = setFunctionArgs ({ n, ... }: n * 2) { n = false; }; in [ (functionArgs f) (f { n = 4; }) (isFunction f) ]'),
  ("trivial", "toFunction", '[ (toFunction 5 "ignored") (toFunction (x: x + 1) 5) ]'),
  ("trivial", "iterate", '[ (iterate 3 (x: x * 2) 1) (iterate 0 (x: x * 2) 1) (iterate 4 (s: s + "a") "") ]'),

  # lists
  ("lists", "foldl'", "[ (foldl' (acc: x: acc + x) 0 [ 1 2 3 ]) (foldl' (acc: x: acc ++ [ x ]) [ ] [ \"a\" \"b\" ]) (foldl' builtins.add 0 (builtins.genList (i: i) 1001)) ]"),
  ("lists", "foldl", '[ (foldl (acc: x: "(${acc}${x})") "" [ "a" "b" "c" ]) (foldl (a: b: b) 0 [ ]) (foldl (acc: x: x) (throw "lazy") [ 1 ]) ]'),
  ("lists", "foldr", '[ (foldr (x: acc: "(${x}${acc})") "" [ "a" "b" "c" ]) (foldr (x: acc: [ x ] ++ acc) [ ] [ 1 2 3 ]) (foldr builtins.add 0 [ ]) ]'),
  ("lists", "imap0", '[ (imap0 (i: x: "${toString i}${x}") [ "a" "b" ]) (imap0 (i: x: i) [ ]) ]'),
  ("lists", "imap1", '[ (imap1 (i: x: "${toString i}${x}") [ "a" "b" ]) (imap1 (i: x: i * x) [ 5 5 5 ]) ]'),
  ("lists", "forEach", '[ (forEach [ 1 2 ] (x: x * 10)) (forEach [ ] (x: x)) ]'),
  ("lists", "ifilter0", '[ (ifilter0 (i: _: i != 1) [ "a" "b" "c" ]) (ifilter0 (i: x: i < x) [ 0 5 1 9 ]) ]'),
  ("lists", "flatten", '[ (flatten [ 1 [ 2 [ 3 ] ] [ ] ]) (flatten 5) (flatten [ [ [ ] ] ]) (flatten [ { a = [ 1 ]; } ]) ]'),
  ("lists", "unique", '[ (unique [ 3 1 3 2 1 ]) (unique [ ]) (unique [ "a" "a" { x = 1; } { x = 1; } ]) ]'),
  ("lists", "allUnique", '[ (allUnique [ 1 2 1 ]) (allUnique [ 1 2 3 ]) (allUnique [ ]) ]'),
  ("lists", "range", '[ (range 2 5) (range 5 2) (range 3 3) (range (-2) 1) ]'),
  ("lists", "replicate", '[ (replicate 3 "a") (replicate 0 1) ]'),
  ("lists", "singleton", '[ (singleton 1) (singleton [ ]) ]'),
  ("lists", "optional", '[ (optional false "x") (optional true "x") ]'),
  ("lists", "optionals", '[ (optionals true [ 1 2 ]) (optionals false [ 1 2 ]) (optionals false (throw "lazy")) ]'),
  ("lists", "last", '[ (last [ 1 2 3 ]) (last [ "only" ]) (builtins.tryEval (last [ ])) ]'),
  ("lists", "init", '[ (init [ 1 2 3 ]) (init [ 1 ]) (builtins.tryEval (init [ ])) ]'),
  ("lists", "sublist", '[ (sublist 1 2 [ "a" "b" "c" "d" ]) (sublist 3 10 [ 1 2 3 4 ]) (sublist 9 1 [ 1 ]) (sublist 0 0 [ 1 ]) (sublist (-1) 2 [ 1 2 3 ]) ]'),
  ("lists", "take", '[ (take 2 [ 1 2 3 ]) (take 5 [ 1 2 ]) (take 0 [ 1 ]) ]'),
  ("lists", "drop", '[ (drop 2 [ 1 2 3 ]) (drop 5 [ 1 2 ]) (drop 0 [ 1 ]) ]'),
  ("lists", "count", '[ (count (x: x > 1) [ 1 2 3 ]) (count (x: true) [ ]) ]'),
  ("lists", "partition", '[ (partition (x: x > 2) [ 1 3 2 4 ]) (partition (x: true) [ ]) ]'),
  ("lists", "groupBy", '[ (groupBy (x: if x > 2 then "big" else "small") [ 1 3 2 4 ]) (groupBy (s: builtins.substring 0 1 s) [ "apple" "avocado" "banana" ]) ]'),
  ("lists", "findFirst", '[ (findFirst (x: x > 1) null [ 1 2 3 ]) (findFirst (x: x > 9) "none" [ 1 2 3 ]) ]'),
  ("lists", "findFirstIndex", '[ (findFirstIndex (x: x == "c") [ "a" "b" "c" ]) (findFirstIndex (x: x == "z") [ "a" ]) ]'),
  ("lists", "remove", '[ (remove 2 [ 1 2 3 2 ]) (remove "x" [ ]) ]'),
  ("lists", "zipListsWith", '[ (zipListsWith (a: b: a + b) [ 1 2 3 ] [ 10 20 ]) (zipListsWith (a: b: [ a b ]) [ ] [ 1 ]) ]'),
  ("lists", "zipLists", '[ (zipLists [ 1 2 ] [ "a" "b" ]) (zipLists [ 1 ] [ ]) ]'),
  ("lists", "reverseList", '[ (reverseList [ 1 2 3 ]) (reverseList [ ]) (reverseList [ [ 1 2 ] ]) ]'),
  ("lists", "intersperse", '[ (intersperse 0 [ 1 2 3 ]) (intersperse 0 [ 1 ]) (intersperse 0 [ ]) ]'),
  ("lists", "compareLists", '[ (compareLists lib.trivial.compare [ 1 2 ] [ 1 3 ]) (compareLists lib.trivial.compare [ 1 2 ] [ 1 2 ]) (compareLists lib.trivial.compare [ 1 2 3 ] [ 1 2 ]) (compareLists lib.trivial.compare [ ] [ 0 ]) ]'),
  ("lists", "sortOn", '[ (sortOn builtins.stringLength [ "ccc" "a" "bb" ]) (sortOn (x: x.k) [ { k = 2; v = "a"; } { k = 1; v = "b"; } { k = 2; v = "c"; } ]) ]'),
  ("lists", "sortDesc", '[ (sortDesc [ 2 3 1 ]) (sortDesc [ "b" "c" "a" ]) ]'),
  ("lists", "sort", '[ (sort (a: b: a < b) [ 5 3 9 1 ]) (sort (a: b: a.n < b.n) [ { n = 2; s = "x"; } { n = 1; s = "y"; } { n = 2; s = "z"; } ]) ]'),
  ("lists", "intersectLists", '[ (intersectLists [ 1 2 3 ] [ 2 3 4 ]) (intersectLists [ ] [ 1 ]) ]'),
  ("lists", "subtractLists", '[ (subtractLists [ 1 2 ] [ 1 2 3 4 ]) (subtractLists [ ] [ 1 ]) ]'),
  ("lists", "mutuallyExclusive", '[ (mutuallyExclusive [ 1 2 ] [ 3 ]) (mutuallyExclusive [ 1 2 ] [ 2 ]) (mutuallyExclusive [ ] [ ]) ]'),
  ("lists", "sum", '[ (sum [ 1 2 3 ]) (sum [ ]) ]'),

  # strings
  ("strings", "concatStrings", '[ (concatStrings [ "a" "b" "c" ]) (concatStrings [ ]) ]'),
  ("strings", "concatStringsSep", '[ (concatStringsSep ", " [ "a" "b" ]) (concatStringsSep "-" [ "x" ]) (concatStringsSep "-" [ ]) ]'),
  ("strings", "concatMapStrings", '[ (concatMapStrings (x: x + ";") [ "a" "b" ]) (concatMapStrings toString [ 1 2 3 ]) ]'),
  ("strings", "concatMapStringsSep", '[ (concatMapStringsSep ", " toString [ 1 2 3 ]) (concatMapStringsSep "," (x: x) [ ]) ]'),
  ("strings", "concatImapStringsSep", '[ (concatImapStringsSep "-" (i: x: "${toString i}${x}") [ "a" "b" ]) ]'),
  ("strings", "concatLines", '[ (concatLines [ "a" "b" ]) (concatLines [ ]) ]'),
  ("strings", "hasPrefix", '[ (hasPrefix "foo" "foobar") (hasPrefix "bar" "foobar") (hasPrefix "" "x") (hasPrefix "foobarbaz" "foobar") ]'),
  ("strings", "hasSuffix", '[ (hasSuffix ".nix" "default.nix") (hasSuffix ".nix" "nix") (hasSuffix "" "x") (hasSuffix "a" "") ]'),
  ("strings", "hasInfix", '[ (hasInfix "ob" "foobar") (hasInfix "xyz" "foobar") (hasInfix "" "") (hasInfix "bar" "foobar") ]'),
  ("strings", "removePrefix", '[ (removePrefix "/usr" "/usr/bin") (removePrefix "/opt" "/usr/bin") (removePrefix "abc" "abc") ]'),
  ("strings", "removeSuffix", '[ (removeSuffix ".tar.gz" "hello-2.12.tar.gz") (removeSuffix ".zip" "a.tar") (removeSuffix "long-suffix" "x") ]'),
  ("strings", "escapeRegex", '[ (escapeRegex "a.b*") (builtins.match (escapeRegex "1+1=(2)") "1+1=(2)") ]'),
  ("strings", "splitString", '[ (splitString "." "a.b..c") (splitString ", " "x, y, z") (splitString "/" "") (splitString "|" "no-sep") (splitString "+" "+a+") ]'),
  ("strings", "replaceChars", '[ (replaceChars [ "a" "b" ] [ "A" "" ] "abcab") (replaceChars [ "<" ">" ] [ "&lt;" "&gt;" ] "<p>") ]'),
  ("strings", "escape", '[ (escape [ "\\"" ] "say \\"hi\\"") (escape [ "$" "`" ] "$HOME `x`") ]'),
  ("strings", "stringToCharacters", '[ (stringToCharacters "abc") (stringToCharacters "") ]'),
  ("strings", "stringAsChars", '[ (stringAsChars (c: if c == "a" then "4" else c) "banana") (stringAsChars (c: c + c) "ab") ]'),
  ("strings", "lowerChars", '[ (builtins.length lowerChars) (builtins.head lowerChars) (lib.lists.last lowerChars) ]'),
  ("strings", "upperChars", '[ (builtins.length upperChars) (builtins.head upperChars) (lib.lists.last upperChars) ]'),
  ("strings", "toUpper", '[ (toUpper "Hello, world") (toUpper "") (toUpper "123-xyz") ]'),
  ("strings", "toLower", '[ (toLower "Hello, World") (toLower "ABC_def") ]'),
  ("strings", "escapeShellArg", '[ (escapeShellArg "it\'s") (escapeShellArg "simple-arg_1.0") (escapeShellArg "two words") (escapeShellArg "") (escapeShellArg "$HOME") (escapeShellArg 42) ]'),
  ("strings", "escapeShellArgs", '[ (escapeShellArgs [ "ls" "-l" "my file" ]) (escapeShellArgs [ ]) ]'),
  ("strings", "optionalString", '[ (optionalString false "--verbose") (optionalString true "--verbose") ]'),
  ("strings", "makeSearchPath", '[ (makeSearchPath "lib" [ "/opt/a" "/opt/b" ]) (makeSearchPath "share" [ "/x" null "" "/y" ]) (makeSearchPath "bin" [ ]) ]'),
  ("strings", "makeBinPath", '[ (makeBinPath [ "/opt/a" ]) (makeBinPath [ "/a" "/b" ]) ]'),
  ("strings", "trim", '[ (trim "  hello world \\n") (trim "") (trim " \\t\\r\\n ") (trim "x") (trim "a  b") ]'),
  ("strings", "fixedWidthString", '[ (fixedWidthString 5 "." "ab") (fixedWidthString 2 "." "abcd") (fixedWidthString 3 " " "") ]'),
  ("strings", "fixedWidthNumber", '[ (fixedWidthNumber 3 7) (fixedWidthNumber 2 123) ]'),
  ("strings", "toInt", '[ (toInt "42") (toInt " -42 ") (toInt "007") (toInt "0") (builtins.tryEval (toInt "4x2")) (builtins.tryEval (toInt "")) ]'),
  ("strings", "splitVersion", '[ (splitVersion "1.2.3pre") (splitVersion "2.8") ]'),
  ("strings", "versionOlder", '[ (versionOlder "1.9" "1.10") (versionOlder "1.10" "1.9") (versionOlder "2.0" "2.0") (versionOlder "2.0pre" "2.0") ]'),
  ("strings", "versionAtLeast", '[ (versionAtLeast "2.8.0" "2.8") (versionAtLeast "2.7" "2.8") (versionAtLeast "3" "3") ]'),
  ("strings", "enableFeature", '[ (enableFeature false "docs") (enableFeature true "docs") ]'),
  ("strings", "withFeature", '[ (withFeature true "ssl") (withFeature false "ssl") ]'),
  ("strings", "substring", '[ (substring 1 3 "abcdef") (stringLength "abc") ]'),

  # attrsets
  ("attrsets", "nameValuePair", '[ (nameValuePair "x" 1) ]'),
  ("attrsets", "listToAttrs", '[ (listToAttrs [ (nameValuePair "a" 1) (nameValuePair "a" 2) (nameValuePair "b" 3) ]) (listToAttrs [ ]) ]'),
  ("attrsets", "attrsToList", '[ (attrsToList { b = 2; a = 1; }) (attrsToList { }) ]'),
  ("attrsets", "attrByPath", '[ (attrByPath [ "a" "b" ] 0 { a.b = 5; }) (attrByPath [ "a" "c" ] 0 { a.b = 5; }) (attrByPath [ "a" "b" "c" ] "d" { a.b = 5; }) (attrByPath [ ] 0 { x = 1; }) ]'),
  ("attrsets", "hasAttrByPath", '[ (hasAttrByPath [ "a" "c" ] { a.b = 5; }) (hasAttrByPath [ "a" "b" ] { a.b = 5; }) (hasAttrByPath [ ] { }) ]'),
  ("attrsets", "getAttrFromPath", '[ (getAttrFromPath [ "a" "b" ] { a.b = 5; }) (builtins.tryEval (getAttrFromPath [ "a" "x" ] { a.b = 5; })) ]'),
  ("attrsets", "setAttrByPath", '[ (setAttrByPath [ "a" "b" ] 1) (setAttrByPath [ ] 1) ]'),
  ("attrsets", "attrVals", '[ (attrVals [ "b" "a" ] { a = 1; b = 2; }) (attrVals [ ] { }) ]'),
  ("attrsets", "attrNames", '[ (attrNames { b = 1; a = 2; "A" = 3; }) (attrValues { b = 1; a = 2; }) ]'),
  ("attrsets", "filterAttrs", '[ (filterAttrs (n: v: v > 1) { a = 1; b = 2; c = 3; }) (filterAttrs (n: v: n != "a") { a = 1; b = 2; }) ]'),
  ("attrsets", "filterAttrsRecursive", '[ (filterAttrsRecursive (n: v: v != null) { a = { b = null; c = 1; }; d = null; }) ]'),
  ("attrsets", "mapAttrs", '[ (mapAttrs (n: v: "${n}:${toString v}") { a = 1; b = 2; }) ]'),
  ("attrsets", "mapAttrs'", "[ (mapAttrs' (n: v: nameValuePair \"x-${n}\" (v + 1)) { a = 1; b = 2; }) ]"),
  ("attrsets", "mapAttrsToList", '[ (mapAttrsToList (n: v: "${n}=${toString v}") { b = 2; a = 1; }) (mapAttrsToList (n: v: v) { }) ]'),
  ("attrsets", "mapAttrsRecursive", '[ (mapAttrsRecursive (p: v: builtins.concatStringsSep "." p) { a.b = 1; c = 2; }) ]'),
  ("attrsets", "mapAttrsRecursiveCond", '[ (mapAttrsRecursiveCond (s: !(s ? stop)) (p: v: builtins.length p) { a.b = 0; c = { stop = 1; }; }) ]'),
  ("attrsets", "concatMapAttrs", '[ (concatMapAttrs (n: v: { ${n} = v; "${n}2" = v * 2; }) { a = 1; b = 5; }) ]'),
  ("attrsets", "mergeAttrsList", '[ (mergeAttrsList [ { a = 1; } { b = 2; } { a = 3; } ]) (mergeAttrsList [ ]) ]'),
  ("attrsets", "genAttrs", '[ (genAttrs [ "x" "y" ] (n: "v-${n}")) (genAttrs [ ] (n: n)) ]'),
  ("attrsets", "optionalAttrs", '[ (optionalAttrs true { a = 1; }) (optionalAttrs false { a = 1; }) ]'),
  ("attrsets", "collect", '[ (collect builtins.isInt { a = 1; b = { c = 2; d = "x"; }; }) (collect (x: x ? v) { p = { v = 1; }; q.r = { v = 2; w = 3; }; }) ]'),
  ("attrsets", "zipAttrsWithNames", '[ (zipAttrsWithNames [ "a" ] (n: vs: vs) [ { a = 1; b = 1; } { a = 2; } ]) (zipAttrsWithNames [ "z" ] (n: vs: vs) [ { a = 1; } ]) ]'),
  ("attrsets", "zipAttrsWith", '[ (zipAttrsWith (n: vs: builtins.length vs) [ { a = 1; } { a = 2; b = 3; } ]) (zipAttrsWith (n: vs: n) [ ]) ]'),
  ("attrsets", "zipAttrs", '[ (zipAttrs [ { a = 1; } { a = 2; b = 3; } ]) ]'),
  ("attrsets", "recursiveUpdateUntil", '[ (recursiveUpdateUntil (p: l: r: builtins.length p > 1) { a.b.c = 1; } { a.b.d = 2; }) ]'),
  ("attrsets", "recursiveUpdate", '[ (recursiveUpdate { a = { x = 1; y = 1; }; } { a.y = 2; b = 3; }) (recursiveUpdate { a = 1; } { a.b = 2; }) (recursiveUpdate { a.b = 2; } { a = 1; }) ]'),
  ("attrsets", "foldAttrs", '[ (foldAttrs (v: acc: [ v ] ++ acc) [ ] [ { a = 1; } { a = 2; b = 3; } ]) (foldAttrs builtins.add 0 [ { x = 1; } { x = 10; } ]) ]'),
  ("attrsets", "foldlAttrs", '[ (foldlAttrs (acc: n: v: acc + v) 0 { a = 1; b = 2; }) (foldlAttrs (acc: n: v: acc ++ [ n ]) [ ] { z = 0; y = 0; }) ]'),
  ("attrsets", "matchAttrs", '[ (matchAttrs { cpu.bits = 64; } { cpu = { bits = 64; name = "x86_64"; }; os = "linux"; }) (matchAttrs { os = "darwin"; } { os = "linux"; }) (matchAttrs { x = 1; } { }) (matchAttrs { } { }) ]'),
  ("attrsets", "isDerivation", '[ (isDerivation { type = "derivation"; }) (isDerivation { }) (isDerivation "x") ]'),
  ("attrsets", "catAttrs", '[ (catAttrs "a" [ { a = 1; } { b = 0; } { a = 2; } ]) (intersectAttrs { a = 0; } { a = 1; b = 2; }) (removeAttrs { a = 1; b = 2; } [ "a" ]) ]'),

  # fixed points
  ("fixedPoints", "fix", '[ (fix (self: { a = 1; b = self.a + 1; })) (builtins.elemAt (fix (self: [ 1 (builtins.head self + 1) ])) 1) ]'),
  ("fixedPoints", "fix'", "let r = fix' (self: { a = 1; b = self.a + 1; }); in [ r.a r.b (r.__unfix__ { a = 5; }).b ]"),
  ("fixedPoints", "converge", '[ (converge (x: if x > 10 then x else x * 2) 3) (converge (x: x) "same") ]'),
  ("fixedPoints", "extends", '[ (fix (extends (final: prev: { b = prev.a * 10; }) (self: { a = 1; b = 0; c = self.b + 1; }))) ]'),
  ("fixedPoints", "composeExtensions", '[ (fix (extends (composeExtensions (final: prev: { a = prev.a + 1; }) (final: prev: { a = prev.a * 10; })) (self: { a = 1; }))) (fix (extends (composeExtensions (final: prev: { x = 1; }) (final: prev: { y = final.x + prev.x; })) (self: { }))) ]'),
  ("fixedPoints", "composeManyExtensions", '[ (fix (extends (composeManyExtensions [ (final: prev: { l = prev.l ++ [ 1 ]; }) (final: prev: { l = prev.l ++ [ 2 ]; }) (final: prev: { l = prev.l ++ [ 3 ]; n = builtins.length final.l; }) ]) (self: { l = [ ]; }))) (fix (extends (composeManyExtensions [ ]) (self: { a = 1; }))) ]'),
  ("fixedPoints", "makeExtensible", 'let s = makeExtensible (self: { a = 1; b = self.a + 1; }); s2 = s.extend (final: prev: { a = 10; }); s3 = s2.extend (final: prev: { b = prev.b * 2; }); in [ s.b s2.b s3.b s3.a ]'),
  ("fixedPoints", "makeExtensibleWithCustomName", 'let s = makeExtensibleWithCustomName "ext" (self: { a = 1; }); in [ (s.ext (final: prev: { a = 2; })).a (s ? extend) ]'),

  # customisation
  ("customisation", "makeOverridable", 'let f = makeOverridable ({ x, y ? 1 }: { sum = x + y; }); p = f { x = 1; }; q = p.override { y = 10; }; r = q.override (old: { x = old.x + 100; }); in [ p.sum q.sum r.sum (lib.trivial.functionArgs f) (makeOverridable ({ n }: n * 2) { n = 4; }) ]'),
  ("customisation", "callPackageWith", 'let pkgs = { a = 1; b = 2; }; callPackage = callPackageWith pkgs; in [ (callPackage ({ a, c ? 0 }: { r = a + c; }) { }).r (callPackage ({ a, b }: { r = a * b; }) { b = 7; }).r ((callPackage ({ a }: { r = a; }) { }).override { a = 5; }).r (builtins.tryEval (callPackage ({ a, zzz }: zzz) { })) ]'),
  ("customisation", "makeScope", 'let s = makeScope (extra: callPackageWith extra) (self: { a = 1; b = self.callPackage ({ a }: { v = a + 1; }) { }; }); s2 = s.overrideScope (final: prev: { a = 41; }); in [ s.b.v s2.b.v s2.a ]'),
]

HEADER = """# Test for lib.{area}.{fn} (generated by tests/lib/gen.py).
let
  lib = import ../../stdlib/lib;
in
with lib.{area};
"""

def main():
    seen = set()
    for area, fn, expr in CASES:
        # `foldl'` -> `foldl-prime`: keep quotes out of file names.
        name = f"eval-okay-{area}-{fn.replace(chr(39), '-prime')}"
        assert name not in seen, name
        seen.add(name)
        path = os.path.join(HERE, name + ".nix")
        with open(path, "w") as f:
            f.write(HEADER.format(area=area, fn=fn) + expr + "\n")
    print(f"wrote {len(seen)} tests")

main()
