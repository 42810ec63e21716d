builtins.fromTOML "date = 1979-05-27"
