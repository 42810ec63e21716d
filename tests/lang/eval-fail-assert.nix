let x = 3;
in assert x > 5; x
