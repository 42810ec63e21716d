# `<nix/fetchurl.nix>`: what Nix ships as its built-in fetchurl, so that code
# written for Nix finds it. The result is a fixed-output step whose builder
# `builtin:fetchurl` kiln runs itself (with network access, and the output
# verified against the declared hash).
{
  url,
  hash ? "",
  sha256 ? "",
  sha512 ? "",
  sha1 ? "",
  md5 ? "",
  outputHash ?
    if hash != "" then hash
    else if sha512 != "" then sha512
    else if sha256 != "" then sha256
    else if sha1 != "" then sha1
    else md5,
  outputHashAlgo ?
    if hash != "" then ""
    else if sha512 != "" then "sha512"
    else if sha256 != "" then "sha256"
    else if sha1 != "" then "sha1"
    else "md5",
  name ? baseNameOf (toString url),
  executable ? false,
  unpack ? false,
  system ? builtins.currentSystem,
}:
derivation {
  builder = "builtin:fetchurl";
  inherit name url executable unpack system outputHash outputHashAlgo;
  outputHashMode = if unpack || executable then "recursive" else "flat";
  # Fetching is impure by nature: pass the network through for this step only.
  allowNetwork = true;
  urls = [ url ];
}
