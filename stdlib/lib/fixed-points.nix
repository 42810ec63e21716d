# Fixed points and extension ("overlay") machinery.
{ lib }:

rec {

  /**
    The fixed point of `f`: the value `x` such that `x == f x`, found
    lazily. `f` must not force its argument before producing the
    outer structure of its result.

    # Inputs

    `f`
    : Function `self: value`.

    # Type

    ```
    fix :: (a -> a) -> a
    ```

    # Example

    ```nix
    fix (self: { a = 1; b = self.a + 1; })
    => { a = 1; b = 2; }
    ```
  */
  fix = f: let x = f x; in x;

  /**
    Like `fix`, but the result also carries the original function as
    `__unfix__`, so it can be re-extended later.

    # Inputs

    `f`
    : Function `self: attrs`.

    # Type

    ```
    fix' :: (attrs -> attrs) -> attrs
    ```

    # Example

    ```nix
    (fix' (self: { a = 1; })).a
    => 1
    ```
  */
  fix' = f: let x = f x // { __unfix__ = f; }; in x;

  /**
    Applies `f` to `x` until the result stops changing (`==`).

    # Inputs

    `f`
    : The step function.

    `x`
    : The start value.

    # Type

    ```
    converge :: (a -> a) -> a -> a
    ```

    # Example

    ```nix
    converge (x: if x > 10 then x else x * 2) 3
    => 12
    ```
  */
  converge = f: x: let y = f x; in if y == x then y else converge f y;

  /**
    Extends a fixed-point function `rattrs` with an overlay
    `final: prev: attrs`. The overlay sees the final result as `final`
    and the unextended attributes as `prev`; its attributes are merged
    over `prev`.

    # Inputs

    `overlay`
    : Function `final: prev: attrs`.

    `rattrs`
    : Function `final: attrs`.

    # Type

    ```
    extends :: (attrs -> attrs -> attrs) -> (attrs -> attrs) -> attrs -> attrs
    ```

    # Example

    ```nix
    fix (extends (final: prev: { b = prev.a * 10; }) (self: { a = 1; b = 0; c = self.b + 1; }))
    => { a = 1; b = 10; c = 11; }
    ```
  */
  extends = overlay: rattrs: final:
    let prev = rattrs final;
    in prev // overlay final prev;

  /**
    Combines two overlays into one that applies `f` first, then `g`
    (so `g` sees `f`'s attributes in its `prev`).

    # Inputs

    `f`
    : The first overlay.

    `g`
    : The second overlay.

    # Type

    ```
    composeExtensions :: overlay -> overlay -> overlay
    ```

    # Example

    ```nix
    fix (extends (composeExtensions (final: prev: { a = prev.a + 1; }) (final: prev: { a = prev.a * 10; })) (self: { a = 1; }))
    => { a = 20; }
    ```
  */
  composeExtensions = f: g: final: prev:
    let
      fApplied = f final prev;
      prev' = prev // fApplied;
    in fApplied // g final prev';

  /**
    Combines a list of overlays, applied left to right, into one.
    The empty list gives the overlay that adds nothing.

    # Inputs

    `overlays`
    : A list of overlays.

    # Type

    ```
    composeManyExtensions :: [overlay] -> overlay
    ```

    # Example

    ```nix
    fix (extends (composeManyExtensions [ (final: prev: { l = prev.l ++ [ 1 ]; }) (final: prev: { l = prev.l ++ [ 2 ]; }) ]) (self: { l = [ ]; }))
    => { l = [ 1 2 ]; }
    ```
  */
  composeManyExtensions = lib.lists.foldr composeExtensions (_final: _prev: { });

  /**
    Like `makeExtensible`, but the extension function is stored under
    the attribute name `name` instead of `extend`.

    # Inputs

    `name`
    : The name of the extension attribute.

    `rattrs`
    : Function `self: attrs`.

    # Type

    ```
    makeExtensibleWithCustomName :: string -> (attrs -> attrs) -> attrs
    ```

    # Example

    ```nix
    ((makeExtensibleWithCustomName "ext" (self: { a = 1; })).ext (final: prev: { a = 2; })).a
    => 2
    ```
  */
  makeExtensibleWithCustomName = name: rattrs:
    fix' (self: rattrs self // {
      ${name} = overlay: makeExtensibleWithCustomName name (extends overlay rattrs);
    });

  /**
    Builds a set from `self: attrs` whose `extend` attribute takes an
    overlay `final: prev: attrs` and returns the extended (and still
    extensible) set. Late binding: attributes defined in terms of
    `self` see the overlay's changes.

    # Inputs

    `rattrs`
    : Function `self: attrs`.

    # Type

    ```
    makeExtensible :: (attrs -> attrs) -> attrs
    ```

    # Example

    ```nix
    let s = makeExtensible (self: { a = 1; b = self.a + 1; }); in (s.extend (final: prev: { a = 10; })).b
    => 11
    ```
  */
  makeExtensible = makeExtensibleWithCustomName "extend";
}
