builtins.readFile ./this-file-does-not-exist
