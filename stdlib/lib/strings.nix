# String helpers.
{ lib }:

let
  inherit (builtins)
    stringLength substring concatStringsSep replaceStrings genList length
    elemAt filter isString split match;
in
rec {

  inherit (builtins) stringLength substring concatStringsSep replaceStrings;

  /**
    Concatenates a list of strings with no separator.

    # Inputs

    `list`
    : A list of strings.

    # Type

    ```
    concatStrings :: [string] -> string
    ```

    # Example

    ```nix
    concatStrings [ "a" "b" "c" ]
    => "abc"
    ```
  */
  concatStrings = concatStringsSep "";

  /**
    Maps `f` over a list and concatenates the resulting strings.

    # Inputs

    `f`
    : Function `x: string`.

    `list`
    : The input list.

    # Type

    ```
    concatMapStrings :: (a -> string) -> [a] -> string
    ```

    # Example

    ```nix
    concatMapStrings (x: x + ";") [ "a" "b" ]
    => "a;b;"
    ```
  */
  concatMapStrings = f: list: concatStrings (map f list);

  /**
    Maps `f` over a list and joins the results with `sep`.

    # Inputs

    `sep`
    : The separator.

    `f`
    : Function `x: string`.

    `list`
    : The input list.

    # Type

    ```
    concatMapStringsSep :: string -> (a -> string) -> [a] -> string
    ```

    # Example

    ```nix
    concatMapStringsSep ", " toString [ 1 2 3 ]
    => "1, 2, 3"
    ```
  */
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);

  /**
    Like `concatMapStringsSep`, but `f` also gets the one-based index.

    # Inputs

    `sep`
    : The separator.

    `f`
    : Function `i: x: string`.

    `list`
    : The input list.

    # Type

    ```
    concatImapStringsSep :: string -> (int -> a -> string) -> [a] -> string
    ```

    # Example

    ```nix
    concatImapStringsSep "-" (i: x: "${toString i}${x}") [ "a" "b" ]
    => "1a-2b"
    ```
  */
  concatImapStringsSep = sep: f: list: concatStringsSep sep (lib.lists.imap1 f list);

  /**
    Joins strings with a newline after each one, including the last.

    # Inputs

    `lines`
    : A list of strings.

    # Type

    ```
    concatLines :: [string] -> string
    ```

    # Example

    ```nix
    concatLines [ "a" "b" ]
    => "a\nb\n"
    ```
  */
  concatLines = concatMapStrings (l: l + "\n");

  /**
    Whether `str` starts with `pref`.

    # Inputs

    `pref`
    : The prefix.

    `str`
    : The string to test.

    # Type

    ```
    hasPrefix :: string -> string -> bool
    ```

    # Example

    ```nix
    hasPrefix "foo" "foobar"
    => true
    ```
  */
  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;

  /**
    Whether `str` ends with `suf`.

    # Inputs

    `suf`
    : The suffix.

    `str`
    : The string to test.

    # Type

    ```
    hasSuffix :: string -> string -> bool
    ```

    # Example

    ```nix
    hasSuffix ".nix" "default.nix"
    => true
    ```
  */
  hasSuffix = suf: str:
    let
      ls = stringLength suf;
      l = stringLength str;
    in l >= ls && substring (l - ls) ls str == suf;

  /**
    Whether `infix` occurs anywhere in `str`.

    # Inputs

    `infix`
    : The substring to look for.

    `str`
    : The string to search.

    # Type

    ```
    hasInfix :: string -> string -> bool
    ```

    # Example

    ```nix
    hasInfix "ob" "foobar"
    => true
    ```
  */
  hasInfix = infix: str:
    let
      li = stringLength infix;
      l = stringLength str;
      go = i: i + li <= l && (substring i li str == infix || go (i + 1));
    in go 0;

  /**
    Strips `pref` from the front of `str` if it is there; otherwise
    returns `str` unchanged.

    # Inputs

    `pref`
    : The prefix.

    `str`
    : The input string.

    # Type

    ```
    removePrefix :: string -> string -> string
    ```

    # Example

    ```nix
    removePrefix "/usr" "/usr/bin"
    => "/bin"
    ```
  */
  removePrefix = pref: str:
    let lp = stringLength pref;
    in if hasPrefix pref str then substring lp (stringLength str - lp) str else str;

  /**
    Strips `suf` from the end of `str` if it is there; otherwise returns
    `str` unchanged.

    # Inputs

    `suf`
    : The suffix.

    `str`
    : The input string.

    # Type

    ```
    removeSuffix :: string -> string -> string
    ```

    # Example

    ```nix
    removeSuffix ".tar.gz" "hello-2.12.tar.gz"
    => "hello-2.12"
    ```
  */
  removeSuffix = suf: str:
    if hasSuffix suf str then substring 0 (stringLength str - stringLength suf) str else str;

  /**
    Escapes the characters that are special in a POSIX extended regular
    expression, so the string matches itself literally.

    # Inputs

    `str`
    : The literal text.

    # Type

    ```
    escapeRegex :: string -> string
    ```

    # Example

    ```nix
    escapeRegex "a.b*"
    => "a\\.b\\*"
    ```
  */
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");

  /**
    Splits `str` at every occurrence of the literal separator `sep`.
    Adjacent separators give empty strings.

    # Inputs

    `sep`
    : The separator (taken literally, not as a regex).

    `str`
    : The input string.

    # Type

    ```
    splitString :: string -> string -> [string]
    ```

    # Example

    ```nix
    splitString "." "a.b..c"
    => [ "a" "b" "" "c" ]
    ```
  */
  splitString = sep: str: filter isString (split (escapeRegex sep) str);

  /**
    Replaces each occurrence of `from` elements by the corresponding
    `to` element; a named wrapper around `builtins.replaceStrings`.

    # Inputs

    `from`
    : The strings to replace.

    `to`
    : Their replacements (same length as `from`).

    `str`
    : The input string.

    # Type

    ```
    replaceChars :: [string] -> [string] -> string -> string
    ```

    # Example

    ```nix
    replaceChars [ "a" "b" ] [ "A" "" ] "abcab"
    => "AcA"
    ```
  */
  replaceChars = from: to: str: replaceStrings from to str;

  /**
    Prefixes every occurrence of each character in `chars` with a
    backslash.

    # Inputs

    `chars`
    : The characters to escape.

    `str`
    : The input string.

    # Type

    ```
    escape :: [string] -> string -> string
    ```

    # Example

    ```nix
    escape [ "\"" ] "say \"hi\""
    => "say \\\"hi\\\""
    ```
  */
  escape = chars: replaceStrings chars (map (c: "\\" + c) chars);

  /**
    The characters of a string, as a list of one-character strings.

    # Inputs

    `str`
    : The input string.

    # Type

    ```
    stringToCharacters :: string -> [string]
    ```

    # Example

    ```nix
    stringToCharacters "abc"
    => [ "a" "b" "c" ]
    ```
  */
  stringToCharacters = str: genList (i: substring i 1 str) (stringLength str);

  /**
    Maps `f` over each character and concatenates the results.

    # Inputs

    `f`
    : Function `char: string`.

    `str`
    : The input string.

    # Type

    ```
    stringAsChars :: (string -> string) -> string -> string
    ```

    # Example

    ```nix
    stringAsChars (c: if c == "a" then "4" else c) "banana"
    => "b4n4n4"
    ```
  */
  stringAsChars = f: str: concatMapStrings f (stringToCharacters str);

  /**
    The lowercase ASCII letters, as a list.

    # Type

    ```
    lowerChars :: [string]
    ```

    # Example

    ```nix
    builtins.head lowerChars
    => "a"
    ```
  */
  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";

  /**
    The uppercase ASCII letters, as a list.

    # Type

    ```
    upperChars :: [string]
    ```

    # Example

    ```nix
    builtins.head upperChars
    => "A"
    ```
  */
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  /**
    Converts ASCII letters to uppercase; other characters are kept.

    # Inputs

    `str`
    : The input string.

    # Type

    ```
    toUpper :: string -> string
    ```

    # Example

    ```nix
    toUpper "Hello, world"
    => "HELLO, WORLD"
    ```
  */
  toUpper = replaceStrings lowerChars upperChars;

  /**
    Converts ASCII letters to lowercase; other characters are kept.

    # Inputs

    `str`
    : The input string.

    # Type

    ```
    toLower :: string -> string
    ```

    # Example

    ```nix
    toLower "Hello, World"
    => "hello, world"
    ```
  */
  toLower = replaceStrings upperChars lowerChars;

  /**
    Quotes a string for a POSIX shell. Strings made only of safe
    characters (letters, digits and `,._+:@%/=-`) are returned as they
    are; anything else is wrapped in single quotes, with embedded single
    quotes written as `'\''`.

    # Inputs

    `arg`
    : The argument to quote.

    # Type

    ```
    escapeShellArg :: string -> string
    ```

    # Example

    ```nix
    escapeShellArg "it's"
    => "'it'\\''s'"
    ```
  */
  escapeShellArg = arg:
    let s = toString arg;
    in if match "[[:alnum:],._+:@%/=-]+" s != null then s
    else "'" + replaceStrings [ "'" ] [ "'\\''" ] s + "'";

  /**
    Quotes each argument with `escapeShellArg` and joins them with
    spaces.

    # Inputs

    `args`
    : The arguments.

    # Type

    ```
    escapeShellArgs :: [string] -> string
    ```

    # Example

    ```nix
    escapeShellArgs [ "ls" "-l" "my file" ]
    => "ls -l 'my file'"
    ```
  */
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;

  /**
    `str` if `cond` holds, else the empty string.

    # Inputs

    `cond`
    : A boolean.

    `str`
    : The string.

    # Type

    ```
    optionalString :: bool -> string -> string
    ```

    # Example

    ```nix
    optionalString false "--verbose"
    => ""
    ```
  */
  optionalString = cond: str: if cond then str else "";

  /**
    Builds a colon-separated search path by appending `/subDir` to each
    entry. `null` and empty entries are skipped. Path values are used
    as plain strings (never copied to the store).

    # Inputs

    `subDir`
    : The subdirectory, e.g. `"bin"`.

    `paths`
    : The prefixes (strings or paths).

    # Type

    ```
    makeSearchPath :: string -> [string] -> string
    ```

    # Example

    ```nix
    makeSearchPath "lib" [ "/opt/a" "/opt/b" ]
    => "/opt/a/lib:/opt/b/lib"
    ```
  */
  makeSearchPath = subDir: paths:
    concatMapStringsSep ":" (p: toString p + "/" + subDir)
      (filter (p: p != null && p != "") paths);

  /**
    `makeSearchPath "bin"`: a `PATH`-style value for a list of
    prefixes.

    # Inputs

    `paths`
    : The prefixes.

    # Type

    ```
    makeBinPath :: [string] -> string
    ```

    # Example

    ```nix
    makeBinPath [ "/opt/a" ]
    => "/opt/a/bin"
    ```
  */
  makeBinPath = makeSearchPath "bin";

  /**
    Removes leading and trailing whitespace (space, tab, newline,
    carriage return).

    # Inputs

    `str`
    : The input string.

    # Type

    ```
    trim :: string -> string
    ```

    # Example

    ```nix
    trim "  hello world \n"
    => "hello world"
    ```
  */
  trim = str:
    let
      len = stringLength str;
      isWs = i: builtins.elem (substring i 1 str) [ " " "\t" "\n" "\r" ];
      firstNonWs = i: if i < len && isWs i then firstNonWs (i + 1) else i;
      lastNonWs = i: if i >= start && isWs i then lastNonWs (i - 1) else i;
      start = firstNonWs 0;
      end = lastNonWs (len - 1);
    in substring start (end - start + 1) str;

  /**
    Pads `str` on the left with `filler` up to `width` characters.
    Longer strings are returned unchanged.

    # Inputs

    `width`
    : The target width.

    `filler`
    : A one-character padding string.

    `str`
    : The input string.

    # Type

    ```
    fixedWidthString :: int -> string -> string -> string
    ```

    # Example

    ```nix
    fixedWidthString 5 "." "ab"
    => "...ab"
    ```
  */
  fixedWidthString = width: filler: str:
    let n = width - stringLength str;
    in if n <= 0 then str else concatStrings (genList (_: filler) n) + str;

  /**
    Formats an integer left-padded with zeros to `width` digits.

    # Inputs

    `width`
    : The target width.

    `n`
    : The number.

    # Type

    ```
    fixedWidthNumber :: int -> int -> string
    ```

    # Example

    ```nix
    fixedWidthNumber 3 7
    => "007"
    ```
  */
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  /**
    Parses a decimal integer (optionally negative, surrounding
    whitespace allowed). Throws on anything else.

    # Inputs

    `str`
    : The text to parse.

    # Type

    ```
    toInt :: string -> int
    ```

    # Example

    ```nix
    toInt " -42 "
    => -42
    ```
  */
  toInt = str:
    let
      m = match "[[:space:]]*(-?)0*([0-9]+)[[:space:]]*" str;
    in
    if m == null then throw "lib.strings.toInt: not an integer: ${str}"
    else
      let
        neg = elemAt m 0 == "-";
        digits = elemAt m 1;
        v = builtins.fromJSON digits;
      in if neg then 0 - v else v;

  /**
    Splits a version string into its components, like
    `builtins.splitVersion`.

    # Inputs

    `v`
    : A version string.

    # Type

    ```
    splitVersion :: string -> [string]
    ```

    # Example

    ```nix
    splitVersion "1.2.3pre"
    => [ "1" "2" "3" "pre" ]
    ```
  */
  splitVersion = builtins.splitVersion;

  /**
    Whether version `a` is strictly older than version `b`.

    # Inputs

    `a`
    : A version string.

    `b`
    : A version string.

    # Type

    ```
    versionOlder :: string -> string -> bool
    ```

    # Example

    ```nix
    versionOlder "1.9" "1.10"
    => true
    ```
  */
  versionOlder = a: b: builtins.compareVersions a b < 0;

  /**
    Whether version `a` is the same as or newer than version `b`.

    # Inputs

    `a`
    : A version string.

    `b`
    : A version string.

    # Type

    ```
    versionAtLeast :: string -> string -> bool
    ```

    # Example

    ```nix
    versionAtLeast "2.8.0" "2.8"
    => true
    ```
  */
  versionAtLeast = a: b: !versionOlder a b;

  /**
    An autoconf-style `--enable-feat` / `--disable-feat` flag.

    # Inputs

    `cond`
    : Whether the feature is on.

    `feat`
    : The feature name.

    # Type

    ```
    enableFeature :: bool -> string -> string
    ```

    # Example

    ```nix
    enableFeature false "docs"
    => "--disable-docs"
    ```
  */
  enableFeature = cond: feat: "--${if cond then "enable" else "disable"}-${feat}";

  /**
    An autoconf-style `--with-feat` / `--without-feat` flag.

    # Inputs

    `cond`
    : Whether the feature is on.

    `feat`
    : The feature name.

    # Type

    ```
    withFeature :: bool -> string -> string
    ```

    # Example

    ```nix
    withFeature true "ssl"
    => "--with-ssl"
    ```
  */
  withFeature = cond: feat: "--${if cond then "with" else "without"}-${feat}";
}
