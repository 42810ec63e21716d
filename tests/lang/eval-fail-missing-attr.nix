let pkg = { name = "hello"; version = "2.12"; };
in pkg.verison
