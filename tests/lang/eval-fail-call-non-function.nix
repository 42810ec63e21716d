let x = 42;
in x 1
