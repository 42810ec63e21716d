let
  name = "kiln";
  ind = ''
    line one
      indented ${name}
    escaped ''${not interpolated} and '''
  '';
in [
  "hello ${name}!"
  ind
  ("a" + "b")
  (toString [ 1 "x" null true false 2.5 ])
  (builtins.substring 1 3 "abcdef")
  (builtins.stringLength "héllo")
  "tab\there \"quoted\" \${x}"
  (builtins.concatStringsSep ", " [ "a" "b" "c" ])
]
