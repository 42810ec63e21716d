# A first build: three steps that borrow the host's /bin, /usr and /lib* (so they are
# impure, and `kiln build --pure` refuses them) until Debian packages land.
# Try: cargo run -- build examples/build
let
  host = [ "/bin" "/usr" "/lib" "/lib64" ];
  step = name: script: derivation {
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" script ];
    hostPaths = host;
  };
  greeting = step "greeting" ''
    echo "hello from a kiln container" > $out
  '';
  names = step "names" ''
    mkdir -p $out/share
    printf '%s\n' ada grace linus > $out/share/names
  '';
in
step "hello" ''
  mkdir -p $out/bin
  {
    echo '#!/bin/sh'
    echo "cat ${greeting}"
    echo "while read n; do echo \"hello, \$n\"; done < ${names}/share/names"
  } > $out/bin/hello
  chmod +x $out/bin/hello
''
