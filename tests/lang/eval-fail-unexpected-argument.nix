let f = { name, version }: name;
in f { name = "a"; version = "1"; extra = true; }
