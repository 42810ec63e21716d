# Overridable functions and dependency injection ("callPackage").
{ lib }:

let
  inherit (builtins) isAttrs attrNames filter intersectAttrs concatStringsSep;
  inherit (lib.trivial) isFunction functionArgs setFunctionArgs;
in
rec {

  /**
    Makes the result of `f args` overridable. If the result is a set,
    it gains an `override` attribute: `override newArgs` re-calls `f`
    with `args // newArgs` (or `args // newArgs args` when `newArgs`
    is a function of the old arguments). The returned function keeps
    `f`'s formal arguments, and overriding can be repeated.

    # Inputs

    `f`
    : A function taking an attribute set.

    `args`
    : The original arguments.

    # Type

    ```
    makeOverridable :: (attrs -> a) -> attrs -> a
    ```

    # Example

    ```nix
    let p = makeOverridable ({ x, y ? 1 }: { sum = x + y; }) { x = 1; }; in (p.override { y = 10; }).sum
    => 11
    ```
  */
  makeOverridable = f:
    setFunctionArgs
      (args:
        let
          result = f args;
          merge = newArgs: args // (if isFunction newArgs then newArgs args else newArgs);
          override = newArgs: makeOverridable f (merge newArgs);
        in
        if isAttrs result && !(result ? __functor) then result // { inherit override; }
        else if isFunction result then
          (if isAttrs result then result else { __functor = _self: result; })
          // { inherit override; }
        else result)
      (functionArgs f);

  /**
    Calls `fn` with the arguments it asks for taken from `autoArgs`,
    overridden by the explicit `args`, and makes the result
    overridable. `fn` may be a function or a path to a file that
    evaluates to one. Throws, naming them, if required arguments are
    missing.

    # Inputs

    `autoArgs`
    : The set to draw arguments from (e.g. the package set).

    `fn`
    : A function of an attribute set, or a path to one.

    `args`
    : Explicit arguments that take precedence.

    # Type

    ```
    callPackageWith :: attrs -> (attrs -> a | path) -> attrs -> a
    ```

    # Example

    ```nix
    (callPackageWith { a = 1; b = 2; } ({ a, c ? 0 }: { r = a + c; }) { }).r
    => 1
    ```
  */
  callPackageWith = autoArgs: fn: args:
    let
      f = if isFunction fn then fn else import fn;
      fargs = functionArgs f;
      allArgs = intersectAttrs fargs autoArgs // args;
      missing = filter (n: !fargs.${n} && !(allArgs ? ${n})) (attrNames fargs);
    in
    if missing != [ ] then
      throw "lib.customisation.callPackageWith: missing argument(s): ${concatStringsSep ", " missing}"
    else makeOverridable f allArgs;

  /**
    A package scope: a fixed-point set that carries its own
    `callPackage` (drawing from the scope itself), `newScope` (to make
    a child `callPackage` with extra attributes), `overrideScope` (to
    apply an overlay) and `packages` (the original function).

    # Inputs

    `newScope`
    : Function `extra: callPackage` from the enclosing scope (use
    `extra: callPackageWith extra` at the top).

    `f`
    : Function `self: attrs` defining the scope's packages.

    # Type

    ```
    makeScope :: (attrs -> callPackage) -> (attrs -> attrs) -> attrs
    ```

    # Example

    ```nix
    (makeScope (extra: callPackageWith extra) (self: { a = 1; b = self.callPackage ({ a }: a + 1) { }; })).b
    => 2
    ```
  */
  makeScope = newScope: f:
    let
      self = f self // {
        newScope = scope: newScope (self // scope);
        callPackage = self.newScope { };
        overrideScope = overlay: makeScope newScope (lib.fixedPoints.extends overlay f);
        packages = f;
      };
    in self;
}
