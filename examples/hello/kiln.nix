# A first kiln.nix: plain language features and the standard library.
# Try: kiln eval --strict examples/hello
let
  lib = import <kiln/lib>;
  greeting = name: "hello, ${name}!";
  people = [ "ada" "grace" "linus" ];
in
{
  greetings = map greeting people;
  shouted = map lib.strings.toUpper people;
  count = builtins.length people;
}
