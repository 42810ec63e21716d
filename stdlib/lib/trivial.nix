# Small general-purpose combinators and helpers.
#
# Every function here is pure and warning-free: nothing calls
# `builtins.trace`, so evaluation output is never polluted.
{ lib }:

let
  inherit (builtins) isAttrs;
in
rec {

  /**
    The identity function: returns its argument unchanged.

    # Inputs

    `x`
    : Any value.

    # Type

    ```
    id :: a -> a
    ```

    # Example

    ```nix
    id 5
    => 5
    ```
  */
  id = x: x;

  /**
    Builds a function that ignores its second argument and always
    returns the first.

    # Inputs

    `x`
    : The value to return.

    `y`
    : Ignored.

    # Type

    ```
    const :: a -> b -> a
    ```

    # Example

    ```nix
    map (const 0) [ 1 2 3 ]
    => [ 0 0 0 ]
    ```
  */
  const = x: _y: x;

  /**
    Swaps the order of the first two arguments of a function.

    # Inputs

    `f`
    : A function of (at least) two arguments.

    `a`
    : Passed as the second argument of `f`.

    `b`
    : Passed as the first argument of `f`.

    # Type

    ```
    flip :: (a -> b -> c) -> b -> a -> c
    ```

    # Example

    ```nix
    flip builtins.sub 1 10
    => 9
    ```
  */
  flip = f: a: b: f b a;

  /**
    Feeds a value through a list of functions, left to right.
    `pipe x [ f g ]` is `g (f x)`.

    # Inputs

    `value`
    : The starting value.

    `fns`
    : A list of one-argument functions, applied in order.

    # Type

    ```
    pipe :: a -> [ (a -> b) (b -> c) ... ] -> z
    ```

    # Example

    ```nix
    pipe 2 [ (x: x + 1) (x: x * 10) ]
    => 30
    ```
  */
  pipe = value: fns: builtins.foldl' (acc: f: f acc) value fns;

  /**
    Function composition: `compose f g x` is `f (g x)`.

    # Inputs

    `f`
    : The outer function.

    `g`
    : The inner function.

    `x`
    : The argument given to `g`.

    # Type

    ```
    compose :: (b -> c) -> (a -> b) -> a -> c
    ```

    # Example

    ```nix
    compose (x: x * 2) (x: x + 1) 3
    => 8
    ```
  */
  compose = f: g: x: f (g x);

  /**
    Concatenates two lists; the function form of `++`.

    # Inputs

    `xs`
    : The first list.

    `ys`
    : The second list.

    # Type

    ```
    concat :: [a] -> [a] -> [a]
    ```

    # Example

    ```nix
    concat [ 1 ] [ 2 3 ]
    => [ 1 2 3 ]
    ```
  */
  concat = xs: ys: xs ++ ys;

  /**
    Logical or as a function (short-circuits like `||`). `or` is a
    keyword, so write `lib.trivial."or"` (or `lib."or"`) to call it.

    # Inputs

    `a`
    : A boolean.

    `b`
    : A boolean, only evaluated when `a` is false.

    # Type

    ```
    or :: bool -> bool -> bool
    ```

    # Example

    ```nix
    lib.trivial."or" false true
    => true
    ```
  */
  "or" = a: b: a || b;

  /**
    Logical and as a function (short-circuits like `&&`).

    # Inputs

    `a`
    : A boolean.

    `b`
    : A boolean, only evaluated when `a` is true.

    # Type

    ```
    and :: bool -> bool -> bool
    ```

    # Example

    ```nix
    and true false
    => false
    ```
  */
  and = a: b: a && b;

  /**
    Exclusive or of two booleans.

    # Inputs

    `a`
    : A boolean.

    `b`
    : A boolean.

    # Type

    ```
    xor :: bool -> bool -> bool
    ```

    # Example

    ```nix
    xor true false
    => true
    ```
  */
  xor = a: b: a != b;

  /**
    Renders a boolean as the string `"true"` or `"false"`.

    # Inputs

    `b`
    : A boolean.

    # Type

    ```
    boolToString :: bool -> string
    ```

    # Example

    ```nix
    boolToString true
    => "true"
    ```
  */
  boolToString = b: if b then "true" else "false";

  /**
    Shallow merge of two attribute sets; the function form of `//`.
    Attributes of the second set win.

    # Inputs

    `a`
    : The base set.

    `b`
    : The set whose attributes take precedence.

    # Type

    ```
    mergeAttrs :: attrs -> attrs -> attrs
    ```

    # Example

    ```nix
    mergeAttrs { x = 1; y = 1; } { y = 2; }
    => { x = 1; y = 2; }
    ```
  */
  mergeAttrs = a: b: a // b;

  /**
    The smaller of two comparable values (numbers or strings).

    # Inputs

    `a`
    : A value.

    `b`
    : A value of a comparable type.

    # Type

    ```
    min :: a -> a -> a
    ```

    # Example

    ```nix
    min 3 7
    => 3
    ```
  */
  min = a: b: if a < b then a else b;

  /**
    The larger of two comparable values (numbers or strings).

    # Inputs

    `a`
    : A value.

    `b`
    : A value of a comparable type.

    # Type

    ```
    max :: a -> a -> a
    ```

    # Example

    ```nix
    max 3 7
    => 7
    ```
  */
  max = a: b: if a < b then b else a;

  /**
    Integer remainder with the sign of the dividend (like C's `%`).

    # Inputs

    `a`
    : The dividend.

    `b`
    : The divisor (non-zero).

    # Type

    ```
    mod :: int -> int -> int
    ```

    # Example

    ```nix
    mod 17 5
    => 2
    ```
  */
  mod = a: b: a - (a / b) * b;

  /**
    Three-way comparison: -1 if `a < b`, 0 if equal, 1 if `a > b`.

    # Inputs

    `a`
    : A value.

    `b`
    : A value of a comparable type.

    # Type

    ```
    compare :: a -> a -> int
    ```

    # Example

    ```nix
    compare "b" "a"
    => 1
    ```
  */
  compare = a: b: if a < b then -1 else if b < a then 1 else 0;

  /**
    Returns `default` when `x` is null, else `x`.

    # Inputs

    `default`
    : The fallback value.

    `x`
    : A possibly-null value.

    # Type

    ```
    defaultTo :: a -> (a | null) -> a
    ```

    # Example

    ```nix
    defaultTo 8 null
    => 8
    ```
  */
  defaultTo = default: x: if x == null then default else x;

  /**
    Throws `msg` when `cond` is true; otherwise returns the identity
    function, so it can be chained in front of a value.

    # Inputs

    `cond`
    : The failure condition.

    `msg`
    : The error message.

    # Type

    ```
    throwIf :: bool -> string -> a -> a
    ```

    # Example

    ```nix
    throwIf (1 > 2) "impossible" "fine"
    => "fine"
    ```
  */
  throwIf = cond: msg: if cond then throw msg else id;

  /**
    Throws `msg` unless `cond` is true; otherwise returns the identity
    function.

    # Inputs

    `cond`
    : The condition that must hold.

    `msg`
    : The error message.

    # Type

    ```
    throwIfNot :: bool -> string -> a -> a
    ```

    # Example

    ```nix
    throwIfNot (builtins.isInt 3) "not an int" 3
    => 3
    ```
  */
  throwIfNot = cond: msg: if cond then id else throw msg;

  /**
    Like `assert`, but with a custom message: throws `msg` when `cond`
    is false and returns `true` otherwise, so it can be used as
    `assert assertMsg cond msg; ...`.

    # Inputs

    `cond`
    : The condition.

    `msg`
    : The error message.

    # Type

    ```
    assertMsg :: bool -> string -> bool
    ```

    # Example

    ```nix
    assertMsg (1 < 2) "math is broken"
    => true
    ```
  */
  assertMsg = cond: msg: cond || throw msg;

  /**
    Whether a value can be called: a lambda, a primop, or an
    attribute set with `__functor`.

    # Inputs

    `f`
    : Any value.

    # Type

    ```
    isFunction :: a -> bool
    ```

    # Example

    ```nix
    isFunction { __functor = self: x: x; }
    => true
    ```
  */
  isFunction = f: builtins.isFunction f || (isAttrs f && f ? __functor);

  /**
    The formal arguments of a function, as a set mapping each name to
    whether it has a default. Understands functors built with
    `setFunctionArgs`.

    # Inputs

    `f`
    : A function or functor.

    # Type

    ```
    functionArgs :: (a -> b) -> { string = bool; }
    ```

    # Example

    ```nix
    functionArgs ({ a, b ? 1 }: a)
    => { a = false; b = true; }
    ```
  */
  functionArgs = f:
    if isAttrs f && f ? __functor
    then f.__functionArgs or (functionArgs (f.__functor f))
    else builtins.functionArgs f;

  /**
    Wraps `f` in a functor that reports `args` from `functionArgs`.

    # Inputs

    `f`
    : The function to wrap.

    `args`
    : The formal-argument set to advertise.

    # Type

    ```
    setFunctionArgs :: (a -> b) -> { string = bool; } -> (a -> b)
    ```

    # Example

    ```nix
    functionArgs (setFunctionArgs (x: x) { n = false; })
    => { n = false; }
    ```
  */
  setFunctionArgs = f: args: {
    __functor = _self: f;
    __functionArgs = args;
  };

  /**
    Turns a non-function into a constant function; functions are
    returned unchanged.

    # Inputs

    `v`
    : A function or any other value.

    # Type

    ```
    toFunction :: (a -> b | b) -> a -> b
    ```

    # Example

    ```nix
    toFunction 5 "ignored"
    => 5
    ```
  */
  toFunction = v: if isFunction v then v else _: v;

  /**
    Applies `f` to `x` repeatedly, `n` times.

    # Inputs

    `n`
    : How many times (0 returns `x`).

    `f`
    : The function to iterate.

    `x`
    : The start value.

    # Type

    ```
    iterate :: int -> (a -> a) -> a -> a
    ```

    # Example

    ```nix
    iterate 3 (x: x * 2) 1
    => 8
    ```
  */
  iterate = n: f: x: builtins.foldl' (acc: _: f acc) x (builtins.genList (_: null) n);
}
