# Source filtering: which files of a project folder are copied into the store
# when it is used by a step. Copying is incremental (unchanged files are not
# rehashed), and what is left out cannot change a step's hash.
{ lib }:

let
  inherit (builtins) baseNameOf match filter foldl' pathExists readFile replaceStrings;
  inherit (lib.strings) hasPrefix hasSuffix hasInfix removePrefix removeSuffix splitString;

  /*
    The filter behind `cleanSource`: keeps everything except version
    control folders, editor droppings, object files, `result*` links and
    files the store cannot hold (sockets, devices).

    Type:
      cleanSourceFilter :: string -> string -> bool
  */
  cleanSourceFilter = name: type:
    let base = baseNameOf (toString name); in
    !(
      (base == ".git" || type == "directory" && (base == ".svn" || base == "CVS" || base == ".hg"))
      || hasSuffix "~" base
      || match "^\\.sw[a-z]$" base != null
      || match "^\\..*\\.sw[a-z]$" base != null
      || hasSuffix ".o" base
      || hasSuffix ".so" base
      || (type == "symlink" && hasPrefix "result" base)
      || type == "unknown"
    );

  /*
    A source with a filter: `src` is a path or the result of another
    `cleanSourceWith` (filters combine: an entry must pass both). The
    result can be used wherever a path can (it has `outPath`).

    Type:
      cleanSourceWith :: { src, filter ? (path -> type -> bool), name ? string } -> source
  */
  cleanSourceWith = { src, filter ? (_: _: true), name ? null }:
    let
      orig = src.origSrc or src;
      prev = src.filter or (_: _: true);
      both = path: type: prev path type && filter path type;
      name' = if name != null then name else src.name or (baseNameOf orig);
    in {
      _isLibCleanSourceWith = true;
      origSrc = orig;
      filter = both;
      name = name';
      outPath = builtins.path { path = orig; name = name'; filter = both; };
    };

  /*
    `src` without version control folders, editor droppings and `result`
    links.

    Example:
      cleanSource ./.
  */
  cleanSource = src: cleanSourceWith { filter = cleanSourceFilter; inherit src; };

  # A gitignore glob as a POSIX extended regex (`builtins.match` matches the
  # whole string). At each position `replaceStrings` tries the patterns in
  # order, so `**/` wins over `*`.
  globToRegex = replaceStrings
    [ "**/" "/**" "**" "*" "?" "." "+" "(" ")" "^" "$" "|" "{" "}" "\\" ]
    [ "(.*/)?" "(/.*)?" ".*" "[^/]*" "[^/]" "\\." "\\+" "\\(" "\\)" "\\^" "\\$" "\\|" "\\{" "\\}" "\\\\" ];

  # One non-empty, non-comment line of a .gitignore as a rule.
  parseRule = line:
    let
      negated = hasPrefix "!" line;
      p1 = removePrefix "!" line;
      dirOnly = hasSuffix "/" p1;
      p2 = removeSuffix "/" p1;
      anchored = hasInfix "/" p2;
      p3 = removePrefix "/" p2;
      re = globToRegex p3;
    in {
      inherit negated dirOnly;
      regex = if anchored then re else "(.*/)?" + re;
    };

  /*
    The rules of a .gitignore text, in order (later rules win).

    Type:
      parseGitignore :: string -> [ rule ]
  */
  parseGitignore = text:
    map parseRule (filter (l: l != "" && !(hasPrefix "#" l))
      (map (l: removeSuffix "\r" l) (splitString "\n" text)));

  /*
    A filter for the tree at `root` that drops what the `.gitignore` at
    its top ignores (nested .gitignore files and the global excludes file
    are not read), and the `.git` folder.

    Type:
      gitignoreFilter :: path -> (string -> string -> bool)
  */
  gitignoreFilter = root:
    let
      file = root + "/.gitignore";
      rules = if pathExists file then parseGitignore (readFile file) else [ ];
      prefix = toString root + "/";
    in
    path: type:
      let
        rel = removePrefix prefix (toString path);
        ignored = foldl'
          (acc: r:
            if (!r.dirOnly || type == "directory") && match r.regex rel != null
            then !r.negated
            else acc)
          false
          rules;
      in
      baseNameOf rel != ".git" && !ignored;

  /*
    `src` without what its `.gitignore` ignores, and cleaned as by
    `cleanSource`.

    Example:
      gitignoreSource ./.
  */
  gitignoreSource = src:
    cleanSourceWith {
      filter = gitignoreFilter (src.origSrc or src);
      src = cleanSource src;
    };
in
{
  inherit cleanSourceFilter cleanSourceWith cleanSource parseGitignore gitignoreFilter gitignoreSource;
}
