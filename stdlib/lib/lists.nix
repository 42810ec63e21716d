# List helpers.
{ lib }:

let
  inherit (builtins)
    length elemAt genList filter concatMap foldl' elem head tail sort;
in
rec {

  inherit (builtins) length elemAt head tail filter concatMap elem sort all any;

  /**
    Strict left fold: `foldl' op nul [ x1 x2 ]` is `op (op nul x1) x2`,
    forcing the accumulator at each step.

    # Inputs

    `op`
    : Accumulator function `acc: x: acc'`.

    `nul`
    : The initial accumulator.

    `list`
    : The list to fold.

    # Type

    ```
    foldl' :: (b -> a -> b) -> b -> [a] -> b
    ```

    # Example

    ```nix
    foldl' (acc: x: acc + x) 0 [ 1 2 3 ]
    => 6
    ```
  */
  foldl' = builtins.foldl';

  /**
    Lazy left fold: `foldl op nul [ x1 x2 ]` is `op (op nul x1) x2`.
    The accumulator is not forced between steps.

    # Inputs

    `op`
    : Accumulator function `acc: x: acc'`.

    `nul`
    : The initial accumulator.

    `list`
    : The list to fold.

    # Type

    ```
    foldl :: (b -> a -> b) -> b -> [a] -> b
    ```

    # Example

    ```nix
    foldl (acc: x: "(${acc}${x})") "" [ "a" "b" ]
    => "((a)b)"
    ```
  */
  foldl = op: nul: list:
    let go = n: if n < 0 then nul else op (go (n - 1)) (elemAt list n);
    in go (length list - 1);

  /**
    Right fold: `foldr op nul [ x1 x2 ]` is `op x1 (op x2 nul)`.

    # Inputs

    `op`
    : Function `x: acc: acc'`.

    `nul`
    : The value for the end of the list.

    `list`
    : The list to fold.

    # Type

    ```
    foldr :: (a -> b -> b) -> b -> [a] -> b
    ```

    # Example

    ```nix
    foldr (x: acc: "(${x}${acc})") "" [ "a" "b" ]
    => "(a(b))"
    ```
  */
  foldr = op: nul: list:
    let
      len = length list;
      go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
    in go 0;

  /**
    Maps with the zero-based index: `f` receives index and element.

    # Inputs

    `f`
    : Function `i: x: y`.

    `list`
    : The input list.

    # Type

    ```
    imap0 :: (int -> a -> b) -> [a] -> [b]
    ```

    # Example

    ```nix
    imap0 (i: x: "${toString i}${x}") [ "a" "b" ]
    => [ "0a" "1b" ]
    ```
  */
  imap0 = f: list: genList (i: f i (elemAt list i)) (length list);

  /**
    Maps with the one-based index: `f` receives index and element.

    # Inputs

    `f`
    : Function `i: x: y`.

    `list`
    : The input list.

    # Type

    ```
    imap1 :: (int -> a -> b) -> [a] -> [b]
    ```

    # Example

    ```nix
    imap1 (i: x: "${toString i}${x}") [ "a" "b" ]
    => [ "1a" "2b" ]
    ```
  */
  imap1 = f: list: genList (i: f (i + 1) (elemAt list i)) (length list);

  /**
    Applies `f` to each element; `map` with the arguments swapped.

    # Inputs

    `list`
    : The input list.

    `f`
    : The function to apply.

    # Type

    ```
    forEach :: [a] -> (a -> b) -> [b]
    ```

    # Example

    ```nix
    forEach [ 1 2 ] (x: x * 10)
    => [ 10 20 ]
    ```
  */
  forEach = list: f: map f list;

  /**
    Filters with the zero-based index: keeps `x` when `pred i x`.

    # Inputs

    `pred`
    : Predicate `i: x: bool`.

    `list`
    : The input list.

    # Type

    ```
    ifilter0 :: (int -> a -> bool) -> [a] -> [a]
    ```

    # Example

    ```nix
    ifilter0 (i: _: i != 1) [ "a" "b" "c" ]
    => [ "a" "c" ]
    ```
  */
  ifilter0 = pred: list:
    map (i: elemAt list i) (filter (i: pred i (elemAt list i)) (genList (i: i) (length list)));

  /**
    Flattens arbitrarily nested lists into one flat list. A non-list
    argument becomes a one-element list.

    # Inputs

    `x`
    : A value or a (nested) list.

    # Type

    ```
    flatten :: a -> [b]
    ```

    # Example

    ```nix
    flatten [ 1 [ 2 [ 3 ] ] [ ] ]
    => [ 1 2 3 ]
    ```
  */
  flatten = x: if builtins.isList x then concatMap flatten x else [ x ];

  /**
    Removes duplicates, keeping the first occurrence of each element.
    Quadratic; meant for short lists.

    # Inputs

    `list`
    : The input list.

    # Type

    ```
    unique :: [a] -> [a]
    ```

    # Example

    ```nix
    unique [ 3 1 3 2 1 ]
    => [ 3 1 2 ]
    ```
  */
  unique = list: foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ] list;

  /**
    Whether all elements of the list are distinct.

    # Inputs

    `list`
    : The input list.

    # Type

    ```
    allUnique :: [a] -> bool
    ```

    # Example

    ```nix
    allUnique [ 1 2 1 ]
    => false
    ```
  */
  allUnique = list: length (unique list) == length list;

  /**
    The integers from `first` to `last`, both inclusive. Empty when
    `first > last`.

    # Inputs

    `first`
    : The first integer.

    `last`
    : The last integer.

    # Type

    ```
    range :: int -> int -> [int]
    ```

    # Example

    ```nix
    range 2 5
    => [ 2 3 4 5 ]
    ```
  */
  range = first: last:
    if first > last then [ ] else genList (n: first + n) (last - first + 1);

  /**
    A list of `n` copies of `x`.

    # Inputs

    `n`
    : The length.

    `x`
    : The element.

    # Type

    ```
    replicate :: int -> a -> [a]
    ```

    # Example

    ```nix
    replicate 3 "a"
    => [ "a" "a" "a" ]
    ```
  */
  replicate = n: x: genList (_: x) n;

  /**
    A one-element list.

    # Inputs

    `x`
    : The element.

    # Type

    ```
    singleton :: a -> [a]
    ```

    # Example

    ```nix
    singleton 1
    => [ 1 ]
    ```
  */
  singleton = x: [ x ];

  /**
    `[ x ]` if `cond` holds, else `[ ]`.

    # Inputs

    `cond`
    : A boolean.

    `x`
    : The element.

    # Type

    ```
    optional :: bool -> a -> [a]
    ```

    # Example

    ```nix
    optional false "x"
    => [ ]
    ```
  */
  optional = cond: x: if cond then [ x ] else [ ];

  /**
    `list` if `cond` holds, else `[ ]`.

    # Inputs

    `cond`
    : A boolean.

    `list`
    : The list.

    # Type

    ```
    optionals :: bool -> [a] -> [a]
    ```

    # Example

    ```nix
    optionals true [ 1 2 ]
    => [ 1 2 ]
    ```
  */
  optionals = cond: list: if cond then list else [ ];

  /**
    The last element of a non-empty list.

    # Inputs

    `list`
    : A non-empty list.

    # Type

    ```
    last :: [a] -> a
    ```

    # Example

    ```nix
    last [ 1 2 3 ]
    => 3
    ```
  */
  last = list:
    if list == [ ] then throw "lib.lists.last: empty list"
    else elemAt list (length list - 1);

  /**
    All elements but the last of a non-empty list.

    # Inputs

    `list`
    : A non-empty list.

    # Type

    ```
    init :: [a] -> [a]
    ```

    # Example

    ```nix
    init [ 1 2 3 ]
    => [ 1 2 ]
    ```
  */
  init = list:
    if list == [ ] then throw "lib.lists.init: empty list"
    else take (length list - 1) list;

  /**
    `count` elements of `list` starting at index `start`; clipped to
    the list bounds.

    # Inputs

    `start`
    : The first index.

    `count`
    : How many elements at most.

    `list`
    : The input list.

    # Type

    ```
    sublist :: int -> int -> [a] -> [a]
    ```

    # Example

    ```nix
    sublist 1 2 [ "a" "b" "c" "d" ]
    => [ "b" "c" ]
    ```
  */
  sublist = start: count: list:
    let
      len = length list;
      s = if start < 0 then 0 else start;
      n = if s >= len then 0 else if s + count > len then len - s else count;
    in genList (i: elemAt list (s + i)) (if n < 0 then 0 else n);

  /**
    The first `n` elements (all of them if the list is shorter).

    # Inputs

    `n`
    : How many elements.

    `list`
    : The input list.

    # Type

    ```
    take :: int -> [a] -> [a]
    ```

    # Example

    ```nix
    take 2 [ 1 2 3 ]
    => [ 1 2 ]
    ```
  */
  take = n: sublist 0 n;

  /**
    The list without its first `n` elements.

    # Inputs

    `n`
    : How many elements to skip.

    `list`
    : The input list.

    # Type

    ```
    drop :: int -> [a] -> [a]
    ```

    # Example

    ```nix
    drop 2 [ 1 2 3 ]
    => [ 3 ]
    ```
  */
  drop = n: list: sublist n (length list) list;

  /**
    How many elements satisfy `pred`.

    # Inputs

    `pred`
    : Predicate `x: bool`.

    `list`
    : The input list.

    # Type

    ```
    count :: (a -> bool) -> [a] -> int
    ```

    # Example

    ```nix
    count (x: x > 1) [ 1 2 3 ]
    => 2
    ```
  */
  count = pred: list: foldl' (n: x: if pred x then n + 1 else n) 0 list;

  /**
    Splits a list into `{ right; wrong; }`: the elements that satisfy
    `pred` and those that don't, both in their original order.

    # Inputs

    `pred`
    : Predicate `x: bool`.

    `list`
    : The input list.

    # Type

    ```
    partition :: (a -> bool) -> [a] -> { right :: [a]; wrong :: [a]; }
    ```

    # Example

    ```nix
    partition (x: x > 2) [ 1 3 2 4 ]
    => { right = [ 3 4 ]; wrong = [ 1 2 ]; }
    ```
  */
  partition = builtins.partition;

  /**
    Groups elements into a set keyed by the string `f x`; each group
    keeps the original order.

    # Inputs

    `f`
    : Key function `x: string`.

    `list`
    : The input list.

    # Type

    ```
    groupBy :: (a -> string) -> [a] -> { string = [a]; }
    ```

    # Example

    ```nix
    groupBy (x: if x > 2 then "big" else "small") [ 1 3 2 4 ]
    => { big = [ 3 4 ]; small = [ 1 2 ]; }
    ```
  */
  groupBy = builtins.groupBy;

  /**
    The first element satisfying `pred`, or `default` if none does.

    # Inputs

    `pred`
    : Predicate `x: bool`.

    `default`
    : Returned when nothing matches.

    `list`
    : The input list.

    # Type

    ```
    findFirst :: (a -> bool) -> b -> [a] -> (a | b)
    ```

    # Example

    ```nix
    findFirst (x: x > 1) null [ 1 2 3 ]
    => 2
    ```
  */
  findFirst = pred: default: list:
    let
      len = length list;
      go = i:
        if i == len then default
        else if pred (elemAt list i) then elemAt list i
        else go (i + 1);
    in go 0;

  /**
    The index of the first element satisfying `pred`, or `null`.

    # Inputs

    `pred`
    : Predicate `x: bool`.

    `list`
    : The input list.

    # Type

    ```
    findFirstIndex :: (a -> bool) -> [a] -> (int | null)
    ```

    # Example

    ```nix
    findFirstIndex (x: x == "c") [ "a" "b" "c" ]
    => 2
    ```
  */
  findFirstIndex = pred: list:
    let
      len = length list;
      go = i: if i == len then null else if pred (elemAt list i) then i else go (i + 1);
    in go 0;

  /**
    The list without any element equal to `x`.

    # Inputs

    `x`
    : The value to remove.

    `list`
    : The input list.

    # Type

    ```
    remove :: a -> [a] -> [a]
    ```

    # Example

    ```nix
    remove 2 [ 1 2 3 2 ]
    => [ 1 3 ]
    ```
  */
  remove = x: filter (y: y != x);

  /**
    Pairs up two lists element-wise with `f`; the result is as long as
    the shorter list.

    # Inputs

    `f`
    : Function `a: b: c`.

    `xs`
    : The first list.

    `ys`
    : The second list.

    # Type

    ```
    zipListsWith :: (a -> b -> c) -> [a] -> [b] -> [c]
    ```

    # Example

    ```nix
    zipListsWith (a: b: a + b) [ 1 2 3 ] [ 10 20 ]
    => [ 11 22 ]
    ```
  */
  zipListsWith = f: xs: ys:
    let
      lx = length xs;
      ly = length ys;
    in genList (i: f (elemAt xs i) (elemAt ys i)) (if lx < ly then lx else ly);

  /**
    Pairs up two lists into `{ fst; snd; }` sets; the result is as long
    as the shorter list.

    # Inputs

    `xs`
    : The first list.

    `ys`
    : The second list.

    # Type

    ```
    zipLists :: [a] -> [b] -> [{ fst :: a; snd :: b; }]
    ```

    # Example

    ```nix
    zipLists [ 1 2 ] [ "a" "b" ]
    => [ { fst = 1; snd = "a"; } { fst = 2; snd = "b"; } ]
    ```
  */
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });

  /**
    The list in reverse order.

    # Inputs

    `list`
    : The input list.

    # Type

    ```
    reverseList :: [a] -> [a]
    ```

    # Example

    ```nix
    reverseList [ 1 2 3 ]
    => [ 3 2 1 ]
    ```
  */
  reverseList = list:
    let len = length list;
    in genList (i: elemAt list (len - 1 - i)) len;

  /**
    Puts `sep` between consecutive elements.

    # Inputs

    `sep`
    : The separator element.

    `list`
    : The input list.

    # Type

    ```
    intersperse :: a -> [a] -> [a]
    ```

    # Example

    ```nix
    intersperse 0 [ 1 2 3 ]
    => [ 1 0 2 0 3 ]
    ```
  */
  intersperse = sep: list:
    if list == [ ] then [ ]
    else tail (concatMap (x: [ sep x ]) list);

  /**
    Lexicographic comparison of two lists using `cmp` (which returns
    -1, 0 or 1) on elements. A proper prefix sorts first.

    # Inputs

    `cmp`
    : Element comparison `a: b: int`.

    `a`
    : The first list.

    `b`
    : The second list.

    # Type

    ```
    compareLists :: (a -> a -> int) -> [a] -> [a] -> int
    ```

    # Example

    ```nix
    compareLists lib.trivial.compare [ 1 2 ] [ 1 3 ]
    => -1
    ```
  */
  compareLists = cmp: a: b:
    let
      la = length a;
      lb = length b;
      go = i:
        if i == la then (if i == lb then 0 else -1)
        else if i == lb then 1
        else
          let r = cmp (elemAt a i) (elemAt b i);
          in if r == 0 then go (i + 1) else r;
    in go 0;

  /**
    Stable sort by a key: elements are ordered by `f x` using `<`.
    The key is computed once per element.

    # Inputs

    `f`
    : Key function `x: comparable`.

    `list`
    : The input list.

    # Type

    ```
    sortOn :: (a -> b) -> [a] -> [a]
    ```

    # Example

    ```nix
    sortOn builtins.stringLength [ "ccc" "a" "bb" ]
    => [ "a" "bb" "ccc" ]
    ```
  */
  sortOn = f: list:
    map (p: p.v) (sort (a: b: a.k < b.k) (map (v: { k = f v; inherit v; }) list));

  /**
    Sorts in descending order using `<`.

    # Inputs

    `list`
    : A list of numbers or strings.

    # Type

    ```
    sortDesc :: [a] -> [a]
    ```

    # Example

    ```nix
    sortDesc [ 2 3 1 ]
    => [ 3 2 1 ]
    ```
  */
  sortDesc = sort (a: b: b < a);

  /**
    The elements of `ys` that also occur in `xs`.

    # Inputs

    `xs`
    : The list to intersect with.

    `ys`
    : The list to filter.

    # Type

    ```
    intersectLists :: [a] -> [a] -> [a]
    ```

    # Example

    ```nix
    intersectLists [ 1 2 3 ] [ 2 3 4 ]
    => [ 2 3 ]
    ```
  */
  intersectLists = xs: filter (y: elem y xs);

  /**
    The elements of `ys` that do not occur in `xs`.

    # Inputs

    `xs`
    : The elements to remove.

    `ys`
    : The list to filter.

    # Type

    ```
    subtractLists :: [a] -> [a] -> [a]
    ```

    # Example

    ```nix
    subtractLists [ 1 2 ] [ 1 2 3 4 ]
    => [ 3 4 ]
    ```
  */
  subtractLists = xs: filter (y: !elem y xs);

  /**
    Whether two lists have no element in common.

    # Inputs

    `xs`
    : The first list.

    `ys`
    : The second list.

    # Type

    ```
    mutuallyExclusive :: [a] -> [a] -> bool
    ```

    # Example

    ```nix
    mutuallyExclusive [ 1 2 ] [ 3 ]
    => true
    ```
  */
  mutuallyExclusive = xs: ys: !builtins.any (y: elem y xs) ys;

  /**
    Sum of a list of numbers.

    # Inputs

    `list`
    : A list of numbers.

    # Type

    ```
    sum :: [number] -> number
    ```

    # Example

    ```nix
    sum [ 1 2 3 ]
    => 6
    ```
  */
  sum = foldl' builtins.add 0;
}
