# Attribute-set helpers.
{ lib }:

let
  inherit (builtins)
    attrNames attrValues listToAttrs isAttrs length elemAt head tail
    filter concatMap foldl' hasAttr getAttr;
in
rec {

  inherit (builtins) attrNames attrValues hasAttr getAttr removeAttrs intersectAttrs catAttrs mapAttrs;

  /**
    A `{ name; value; }` pair, as consumed by `listToAttrs`.

    # Inputs

    `name`
    : The attribute name.

    `value`
    : The attribute value.

    # Type

    ```
    nameValuePair :: string -> a -> { name :: string; value :: a; }
    ```

    # Example

    ```nix
    nameValuePair "x" 1
    => { name = "x"; value = 1; }
    ```
  */
  nameValuePair = name: value: { inherit name value; };

  /**
    Builds a set from a list of `{ name; value; }` pairs. When a name
    repeats, the first occurrence wins.

    # Inputs

    `pairs`
    : A list of name/value pairs.

    # Type

    ```
    listToAttrs :: [{ name :: string; value :: a; }] -> attrs
    ```

    # Example

    ```nix
    listToAttrs [ (nameValuePair "a" 1) (nameValuePair "a" 2) ]
    => { a = 1; }
    ```
  */
  listToAttrs = builtins.listToAttrs;

  /**
    The list of `{ name; value; }` pairs of a set, ordered by name.

    # Inputs

    `set`
    : The attribute set.

    # Type

    ```
    attrsToList :: attrs -> [{ name :: string; value :: a; }]
    ```

    # Example

    ```nix
    attrsToList { b = 2; a = 1; }
    => [ { name = "a"; value = 1; } { name = "b"; value = 2; } ]
    ```
  */
  attrsToList = set: map (name: { inherit name; value = set.${name}; }) (attrNames set);

  /**
    Follows `attrPath` into `set`, returning `default` if any step is
    missing.

    # Inputs

    `attrPath`
    : A list of attribute names.

    `default`
    : The fallback value.

    `set`
    : The attribute set.

    # Type

    ```
    attrByPath :: [string] -> a -> attrs -> a
    ```

    # Example

    ```nix
    attrByPath [ "a" "b" ] 0 { a.b = 5; }
    => 5
    ```
  */
  attrByPath = attrPath: default: set:
    let
      len = length attrPath;
      go = i: s:
        if i == len then s
        else
          let n = elemAt attrPath i;
          in if isAttrs s && s ? ${n} then go (i + 1) s.${n} else default;
    in go 0 set;

  /**
    Whether `attrPath` exists in `set`.

    # Inputs

    `attrPath`
    : A list of attribute names.

    `set`
    : The attribute set.

    # Type

    ```
    hasAttrByPath :: [string] -> attrs -> bool
    ```

    # Example

    ```nix
    hasAttrByPath [ "a" "c" ] { a.b = 5; }
    => false
    ```
  */
  hasAttrByPath = attrPath: set:
    let
      len = length attrPath;
      go = i: s:
        i == len
        || (let n = elemAt attrPath i; in isAttrs s && s ? ${n} && go (i + 1) s.${n});
    in go 0 set;

  /**
    Like `attrByPath` but throws when the path is missing.

    # Inputs

    `attrPath`
    : A list of attribute names.

    `set`
    : The attribute set.

    # Type

    ```
    getAttrFromPath :: [string] -> attrs -> a
    ```

    # Example

    ```nix
    getAttrFromPath [ "a" "b" ] { a.b = 5; }
    => 5
    ```
  */
  getAttrFromPath = attrPath: set:
    if hasAttrByPath attrPath set then attrByPath attrPath null set
    else throw "lib.attrsets.getAttrFromPath: no attribute `${builtins.concatStringsSep "." attrPath}'";

  /**
    A nested set holding `value` at `attrPath`.

    # Inputs

    `attrPath`
    : A list of attribute names.

    `value`
    : The leaf value.

    # Type

    ```
    setAttrByPath :: [string] -> a -> attrs
    ```

    # Example

    ```nix
    setAttrByPath [ "a" "b" ] 1
    => { a = { b = 1; }; }
    ```
  */
  setAttrByPath = attrPath: value:
    lib.lists.foldr (n: acc: { ${n} = acc; }) value attrPath;

  /**
    The values of the named attributes, in the order of `names`. Throws
    if one is missing.

    # Inputs

    `names`
    : The attribute names.

    `set`
    : The attribute set.

    # Type

    ```
    attrVals :: [string] -> attrs -> [a]
    ```

    # Example

    ```nix
    attrVals [ "b" "a" ] { a = 1; b = 2; }
    => [ 2 1 ]
    ```
  */
  attrVals = names: set: map (n: set.${n}) names;

  /**
    Keeps the attributes for which `pred name value` holds.

    # Inputs

    `pred`
    : Predicate `name: value: bool`.

    `set`
    : The attribute set.

    # Type

    ```
    filterAttrs :: (string -> a -> bool) -> attrs -> attrs
    ```

    # Example

    ```nix
    filterAttrs (n: v: v > 1) { a = 1; b = 2; }
    => { b = 2; }
    ```
  */
  filterAttrs = pred: set:
    listToAttrs (concatMap
      (name: let value = set.${name}; in if pred name value then [ { inherit name value; } ] else [ ])
      (attrNames set));

  /**
    `filterAttrs` applied at every level of nested sets.

    # Inputs

    `pred`
    : Predicate `name: value: bool`.

    `set`
    : The attribute set.

    # Type

    ```
    filterAttrsRecursive :: (string -> a -> bool) -> attrs -> attrs
    ```

    # Example

    ```nix
    filterAttrsRecursive (n: v: v != null) { a = { b = null; c = 1; }; d = null; }
    => { a = { c = 1; }; }
    ```
  */
  filterAttrsRecursive = pred: set:
    listToAttrs (concatMap
      (name:
        let value = set.${name}; in
        if pred name value then [
          { inherit name; value = if isAttrs value then filterAttrsRecursive pred value else value; }
        ] else [ ])
      (attrNames set));

  /**
    Maps each attribute to a new `{ name; value; }` pair, so names can
    change too.

    # Inputs

    `f`
    : Function `name: value: { name; value; }`.

    `set`
    : The attribute set.

    # Type

    ```
    mapAttrs' :: (string -> a -> { name :: string; value :: b; }) -> attrs -> attrs
    ```

    # Example

    ```nix
    mapAttrs' (n: v: nameValuePair "x-${n}" v) { a = 1; }
    => { x-a = 1; }
    ```
  */
  mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));

  /**
    Maps `f name value` over the attributes, giving a list ordered by
    name.

    # Inputs

    `f`
    : Function `name: value: b`.

    `set`
    : The attribute set.

    # Type

    ```
    mapAttrsToList :: (string -> a -> b) -> attrs -> [b]
    ```

    # Example

    ```nix
    mapAttrsToList (n: v: "${n}=${toString v}") { b = 2; a = 1; }
    => [ "a=1" "b=2" ]
    ```
  */
  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);

  /**
    Maps over the leaves of nested sets; `f` receives the attribute
    path (a list of names) and the leaf value. Only sets for which
    `cond` holds are descended into.

    # Inputs

    `cond`
    : Predicate `set: bool` deciding whether to recurse.

    `f`
    : Function `path: value: b`.

    `set`
    : The attribute set.

    # Type

    ```
    mapAttrsRecursiveCond :: (attrs -> bool) -> ([string] -> a -> b) -> attrs -> attrs
    ```

    # Example

    ```nix
    mapAttrsRecursiveCond (s: !(s ? stop)) (p: v: builtins.length p) { a.b = 0; c = { stop = 1; }; }
    => { a = { b = 2; }; c = 1; }
    ```
  */
  mapAttrsRecursiveCond = cond: f: set:
    let
      recurse = path: s:
        builtins.mapAttrs
          (n: v:
            let p = path ++ [ n ]; in
            if isAttrs v && cond v then recurse p v else f p v)
          s;
    in recurse [ ] set;

  /**
    Maps over the leaves of nested sets; `f` receives the attribute
    path and the leaf value.

    # Inputs

    `f`
    : Function `path: value: b`.

    `set`
    : The attribute set.

    # Type

    ```
    mapAttrsRecursive :: ([string] -> a -> b) -> attrs -> attrs
    ```

    # Example

    ```nix
    mapAttrsRecursive (p: v: builtins.concatStringsSep "." p) { a.b = 1; c = 2; }
    => { a = { b = "a.b"; }; c = "c"; }
    ```
  */
  mapAttrsRecursive = mapAttrsRecursiveCond (_: true);

  /**
    Maps each attribute to a set and merges the results (later names
    win).

    # Inputs

    `f`
    : Function `name: value: attrs`.

    `set`
    : The attribute set.

    # Type

    ```
    concatMapAttrs :: (string -> a -> attrs) -> attrs -> attrs
    ```

    # Example

    ```nix
    concatMapAttrs (n: v: { ${n} = v; "${n}2" = v * 2; }) { a = 1; }
    => { a = 1; a2 = 2; }
    ```
  */
  concatMapAttrs = f: set: mergeAttrsList (mapAttrsToList f set);

  /**
    Merges a list of sets left to right (later sets win).

    # Inputs

    `list`
    : A list of attribute sets.

    # Type

    ```
    mergeAttrsList :: [attrs] -> attrs
    ```

    # Example

    ```nix
    mergeAttrsList [ { a = 1; } { b = 2; } { a = 3; } ]
    => { a = 3; b = 2; }
    ```
  */
  mergeAttrsList = foldl' (a: b: a // b) { };

  /**
    A set with one attribute per name, valued `f name`.

    # Inputs

    `names`
    : The attribute names.

    `f`
    : Function `name: value`.

    # Type

    ```
    genAttrs :: [string] -> (string -> a) -> attrs
    ```

    # Example

    ```nix
    genAttrs [ "x" "y" ] (n: "v-${n}")
    => { x = "v-x"; y = "v-y"; }
    ```
  */
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);

  /**
    `set` if `cond` holds, else `{ }`.

    # Inputs

    `cond`
    : A boolean.

    `set`
    : The attribute set.

    # Type

    ```
    optionalAttrs :: bool -> attrs -> attrs
    ```

    # Example

    ```nix
    optionalAttrs true { a = 1; }
    => { a = 1; }
    ```
  */
  optionalAttrs = cond: set: if cond then set else { };

  /**
    Collects, depth first and ordered by name, every value in a nested
    set that satisfies `pred`; matching sets are not descended into.

    # Inputs

    `pred`
    : Predicate `value: bool`.

    `v`
    : The value to search.

    # Type

    ```
    collect :: (a -> bool) -> attrs -> [a]
    ```

    # Example

    ```nix
    collect builtins.isInt { a = 1; b = { c = 2; d = "x"; }; }
    => [ 1 2 ]
    ```
  */
  collect = pred: v:
    if pred v then [ v ]
    else if isAttrs v then concatMap (collect pred) (attrValues v)
    else [ ];

  /**
    Merges a list of sets: for each name in `names`, `f name values`
    where `values` lists that attribute's values in list order.

    # Inputs

    `names`
    : The names to produce.

    `f`
    : Function `name: [value]: b`.

    `sets`
    : A list of attribute sets.

    # Type

    ```
    zipAttrsWithNames :: [string] -> (string -> [a] -> b) -> [attrs] -> attrs
    ```

    # Example

    ```nix
    zipAttrsWithNames [ "a" ] (n: vs: vs) [ { a = 1; b = 1; } { a = 2; } ]
    => { a = [ 1 2 ]; }
    ```
  */
  zipAttrsWithNames = names: f: sets:
    genAttrs names (n: f n (builtins.catAttrs n sets));

  /**
    Merges a list of sets: each attribute name occurring in any of them
    maps to `f name values`, `values` in list order.

    # Inputs

    `f`
    : Function `name: [value]: b`.

    `sets`
    : A list of attribute sets.

    # Type

    ```
    zipAttrsWith :: (string -> [a] -> b) -> [attrs] -> attrs
    ```

    # Example

    ```nix
    zipAttrsWith (n: vs: builtins.length vs) [ { a = 1; } { a = 2; b = 3; } ]
    => { a = 2; b = 1; }
    ```
  */
  zipAttrsWith = builtins.zipAttrsWith;

  /**
    `zipAttrsWith` that just collects the value lists.

    # Inputs

    `sets`
    : A list of attribute sets.

    # Type

    ```
    zipAttrs :: [attrs] -> { string = [a]; }
    ```

    # Example

    ```nix
    zipAttrs [ { a = 1; } { a = 2; b = 3; } ]
    => { a = [ 1 2 ]; b = [ 3 ]; }
    ```
  */
  zipAttrs = zipAttrsWith (_: vs: vs);

  /**
    Merges two sets recursively; `pred path l r` decides, where both
    sides have an attribute, whether to stop and take the right value.
    Recursion also stops unless both values are sets.

    # Inputs

    `pred`
    : Function `path: left: right: bool`; true means "stop here".

    `lhs`
    : The base set.

    `rhs`
    : The overriding set.

    # Type

    ```
    recursiveUpdateUntil :: ([string] -> a -> a -> bool) -> attrs -> attrs -> attrs
    ```

    # Example

    ```nix
    recursiveUpdateUntil (p: l: r: builtins.length p > 1) { a.b.c = 1; } { a.b.d = 2; }
    => { a = { b = { d = 2; }; }; }
    ```
  */
  recursiveUpdateUntil = pred: lhs: rhs:
    let
      go = path: l: r:
        l // builtins.mapAttrs
          (n: rv:
            let p = path ++ [ n ]; in
            if l ? ${n} && isAttrs l.${n} && isAttrs rv && !(pred p l.${n} rv)
            then go p l.${n} rv
            else rv)
          r;
    in go [ ] lhs rhs;

  /**
    Merges two sets recursively: nested sets present on both sides are
    merged, any other value from the right side wins.

    # Inputs

    `lhs`
    : The base set.

    `rhs`
    : The overriding set.

    # Type

    ```
    recursiveUpdate :: attrs -> attrs -> attrs
    ```

    # Example

    ```nix
    recursiveUpdate { a = { x = 1; y = 1; }; } { a.y = 2; b = 3; }
    => { a = { x = 1; y = 2; }; b = 3; }
    ```
  */
  recursiveUpdate = recursiveUpdateUntil (_: _: _: false);

  /**
    Folds over a list of sets, combining the values of each attribute
    name: `op value acc`, starting from `nul`, right to left.

    # Inputs

    `op`
    : Function `value: acc: acc'`.

    `nul`
    : The initial accumulator for every name.

    `sets`
    : A list of attribute sets.

    # Type

    ```
    foldAttrs :: (a -> b -> b) -> b -> [attrs] -> attrs
    ```

    # Example

    ```nix
    foldAttrs (v: acc: [ v ] ++ acc) [ ] [ { a = 1; } { a = 2; b = 3; } ]
    => { a = [ 1 2 ]; b = [ 3 ]; }
    ```
  */
  foldAttrs = op: nul: sets:
    zipAttrsWith (_: vs: lib.lists.foldr op nul vs) sets;

  /**
    Strict left fold over the attributes of a set, in name order.

    # Inputs

    `f`
    : Function `acc: name: value: acc'`.

    `init`
    : The initial accumulator.

    `set`
    : The attribute set.

    # Type

    ```
    foldlAttrs :: (b -> string -> a -> b) -> b -> attrs -> b
    ```

    # Example

    ```nix
    foldlAttrs (acc: n: v: acc + v) 0 { a = 1; b = 2; }
    => 3
    ```
  */
  foldlAttrs = f: init: set:
    foldl' (acc: n: f acc n set.${n}) init (attrNames set);

  /**
    Whether every attribute in `pattern` is present in `set` with an
    equal value; nested sets in the pattern are matched recursively.

    # Inputs

    `pattern`
    : The expected attributes.

    `set`
    : The attribute set to test.

    # Type

    ```
    matchAttrs :: attrs -> attrs -> bool
    ```

    # Example

    ```nix
    matchAttrs { cpu.bits = 64; } { cpu = { bits = 64; name = "x86_64"; }; os = "linux"; }
    => true
    ```
  */
  matchAttrs = pattern: set:
    builtins.all
      (n:
        set ? ${n}
        && (let p = pattern.${n}; v = set.${n}; in
            if isAttrs p && isAttrs v then matchAttrs p v else p == v))
      (attrNames pattern);

  /**
    Whether a value is a derivation (a set with `type = "derivation"`).

    # Inputs

    `v`
    : Any value.

    # Type

    ```
    isDerivation :: a -> bool
    ```

    # Example

    ```nix
    isDerivation { type = "derivation"; }
    => true
    ```
  */
  isDerivation = v: isAttrs v && (v.type or null) == "derivation";
}
