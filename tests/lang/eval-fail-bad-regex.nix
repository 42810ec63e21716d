builtins.match "(a" "aaa"
