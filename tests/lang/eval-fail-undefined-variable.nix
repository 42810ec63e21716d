let
  version = "1.0";
in
  "kiln-${versoin}"
