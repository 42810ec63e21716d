//! `kiln plan`: stable step hashes, exactly-the-dependents invalidation,
//! string context as the only source of dependencies, and clear errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kiln(store: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
    cmd.env_remove("KILN_PATH")
        .env_remove("NIX_PATH")
        .env("KILN_STORE", store)
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("kiln-test-cache"),
        );
    cmd
}

/// A project folder with a kiln.nix and a small source tree.
struct Project {
    dir: tempfile::TempDir,
    store: tempfile::TempDir,
}

impl Project {
    fn new(kiln_nix: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/sub")).unwrap();
        std::fs::write(dir.path().join("src/main.c"), "int main() { return 0; }\n").unwrap();
        std::fs::write(dir.path().join("src/sub/data.txt"), "data\n").unwrap();
        std::fs::write(dir.path().join("kiln.nix"), kiln_nix).unwrap();
        Project {
            dir,
            store: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn write(&self, kiln_nix: &str) {
        std::fs::write(self.dir.path().join("kiln.nix"), kiln_nix).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        kiln(self.store.path())
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// `kiln plan --json`, parsed.
    fn plan_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["plan", "--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "kiln plan failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Step name → hash.
    fn hashes(&self, args: &[&str]) -> BTreeMap<String, String> {
        step_hashes(&self.plan_json(args))
    }
}

fn step_hashes(plan: &serde_json::Value) -> BTreeMap<String, String> {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["hash"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Names of the steps a step uses, by name.
fn input_names(plan: &serde_json::Value, name: &str) -> Vec<String> {
    let steps = plan["steps"].as_array().unwrap();
    let by_hash: BTreeMap<&str, &str> = steps
        .iter()
        .map(|s| (s["hash"].as_str().unwrap(), s["name"].as_str().unwrap()))
        .collect();
    let step = steps.iter().find(|s| s["name"] == name).unwrap();
    let mut names: Vec<String> = step["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(|h| by_hash[h.as_str()].to_string())
        .collect();
    names.sort();
    names
}

const EXAMPLE: &str = r#"
let
  sys = "x86_64-linux";
  base = derivation {
    name = "base";
    system = sys;
    builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/bin" ];
  };
  fetched = derivation {
    name = "fetched.tar";
    system = sys;
    builder = "/bin/sh";
    url = "https://example.org/a.tar";
    outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    allowNetwork = true;
  };
  app = derivation {
    name = "app";
    system = sys;
    builder = "${base}/bin/sh";
    args = [ "-c" "cp -r ${./src} $out" ];
    outputs = [ "out" "doc" ];
    tarball = fetched;
    rootfs = [ base ];
    flag = true;
    off = false;
    nothing = null;
    list = [ "a" 1 ./src/main.c ];
    timeout = 60;
  };
  tool = derivation {
    name = "tool";
    system = sys;
    builder = "/bin/sh";
    docs = app.doc;
  };
in { inherit app tool; }
"#;

#[test]
fn same_plan_hashes_across_runs_stores_and_working_directories() {
    let p = Project::new(EXAMPLE);
    let first = p.hashes(&[]);
    assert_eq!(first, p.hashes(&[]), "second run differs");
    // Another store, given by --store, and another working directory.
    let other_store = tempfile::tempdir().unwrap();
    let file = p.path().join("kiln.nix");
    let out = kiln(p.store.path())
        .args(["--store"])
        .arg(other_store.path())
        .args(["plan", "--json"])
        .arg(&file)
        .current_dir("/")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        first,
        step_hashes(&v),
        "store location or cwd changed hashes"
    );
    // The same project copied elsewhere.
    let q = Project::new(EXAMPLE);
    assert_eq!(first, q.hashes(&[]), "project location changed hashes");
    let lines: Vec<String> = first.iter().map(|(n, h)| format!("{n} {h}")).collect();
    insta::assert_snapshot!("example_hashes", lines.join("\n"));
}

#[test]
fn json_schema_of_the_example() {
    let p = Project::new(EXAMPLE);
    let v = p.plan_json(&["-A", "app"]);
    assert_eq!(v["version"], 1);
    assert_eq!(v["roots"][0]["attr"], "app");
    let app = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "app")
        .unwrap()
        .clone();
    // Paths and hashes are checked by the snapshot above; here the shape.
    let env = &app["env"];
    assert_eq!(env["flag"], "1");
    assert_eq!(env["off"], "");
    assert_eq!(env["nothing"], "");
    assert!(env["list"]
        .as_str()
        .unwrap()
        .starts_with("a 1 /kiln/store/"));
    assert!(env.get("rootfs").is_none() && env.get("timeout").is_none());
    assert_eq!(app["outputNames"], serde_json::json!(["out", "doc"]));
    assert_eq!(app["timeout"], 60);
    assert_eq!(app["rootfs"].as_array().unwrap().len(), 1);
    assert_eq!(app["inputSources"].as_array().unwrap().len(), 2);
    assert_eq!(input_names(&v, "app"), ["base", "fetched.tar"]);
    let fetched = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "fetched.tar")
        .unwrap();
    assert_eq!(
        fetched["flags"],
        serde_json::json!({ "impure": false, "fixedOutput": true, "network": true })
    );
    assert_eq!(fetched["fixedOutput"]["mode"], "flat");
    assert_eq!(fetched["state"], "fixed-output");
    // Dependencies come first.
    let names: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["base", "fetched.tar", "app"]);
}

#[test]
fn tree_output() {
    let p = Project::new(EXAMPLE);
    let out = p.run(&["plan"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!("example_tree", String::from_utf8_lossy(&out.stdout));
}

const CHAIN: &str = r#"
let
  mk = name: extra: derivation ({ inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // extra);
  a = mk "a" { v = "VALUE_A"; };
  b = mk "b" { dep = "${a}/lib"; };
  c = mk "c" { dep = "x" + b; };
  d = mk "d" { v = "independent"; };
  fo = mk "fo" { url = "URL"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; };
  e = mk "e" { src = fo; };
in { inherit c d e; }
"#;

#[test]
fn changing_one_input_changes_exactly_that_step_and_its_dependents() {
    let p = Project::new(CHAIN);
    let before = p.hashes(&[]);
    p.write(&CHAIN.replace("VALUE_A", "VALUE_A2"));
    let after = p.hashes(&[]);
    let changed: Vec<&str> = before
        .keys()
        .filter(|k| before[*k] != after[*k])
        .map(String::as_str)
        .collect();
    assert_eq!(changed, ["a", "b", "c"]);

    // A fixed-output step's URL changes its own hash, not its dependents'.
    p.write(&CHAIN.replace("URL", "OTHER-URL"));
    let fo = p.hashes(&[]);
    let changed: Vec<&str> = before
        .keys()
        .filter(|k| before[*k] != fo[*k])
        .map(String::as_str)
        .collect();
    assert_eq!(changed, ["fo"]);

    // A changed source file changes the step that uses it.
    let src = Project::new(
        r#"derivation { name = "s"; system = "x86_64-linux"; builder = "/bin/sh"; src = ./src; }"#,
    );
    let h1 = src.hashes(&[]);
    std::fs::write(src.path().join("src/main.c"), "changed\n").unwrap();
    let h2 = src.hashes(&[]);
    assert_ne!(h1["s"], h2["s"]);
}

#[test]
fn context_flows_through_string_operations() {
    let p = Project::new(
        r#"
let
  mk = name: extra: derivation ({ inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // extra);
  a = mk "a" { };
  s = "${a}";
in {
  interp = mk "interp" { v = "prefix-${a}-suffix"; };
  plus = mk "plus" { v = "x" + a.outPath; };
  concat = mk "concat" { v = builtins.concatStringsSep ":" [ "p" a.outPath ]; };
  substr = mk "substr" { v = builtins.substring 0 5 s; };
  list = mk "list" { v = [ "q" a ]; };
  drvpath = mk "drvpath" { v = a.drvPath; };
}
"#,
    );
    let v = p.plan_json(&[]);
    for name in ["interp", "plus", "concat", "substr", "list", "drvpath"] {
        assert_eq!(input_names(&v, name), ["a"], "context lost through {name}");
    }
}

#[test]
fn sources_are_copied_content_addressed() {
    let p = Project::new(
        r#"
{
  a = "${./src}";
  b = builtins.path { path = ./src; name = "named"; filter = p: t: t != "directory"; };
  t = builtins.toFile "hello.txt" "hello";
  ph = builtins.placeholder "out";
}
"#,
    );
    let eval = |attr: &str| {
        let out = p.run(&["eval", "-A", attr]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .trim_matches('"')
            .to_string()
    };
    let a = eval("a");
    assert!(a.starts_with("/kiln/store/") && a.ends_with("-src"), "{a}");
    let host = |s: &str| {
        p.store
            .path()
            .join("store")
            .join(s.trim_start_matches("/kiln/store/"))
    };
    assert!(host(&a).join("sub/data.txt").is_file());
    let b = eval("b");
    assert!(b.ends_with("-named"));
    assert!(host(&b).join("main.c").is_file() && !host(&b).join("sub").exists());
    let t = eval("t");
    assert_eq!(std::fs::read_to_string(host(&t)).unwrap(), "hello");
    assert_eq!(eval("a"), a, "copying again gives the same path");
    assert!(eval("ph").starts_with('/'));
}

/// Runs `kiln plan` on a file and returns its stderr, checking exit code 1.
fn plan_error(kiln_nix: &str) -> String {
    let p = Project::new(kiln_nix);
    let out = p.run(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    err.replace(&p.path().display().to_string(), "$DIR")
}

#[test]
fn bad_input_is_a_clear_error() {
    let cases = [
        (
            "no_name",
            r#"derivation { system = "x86_64-linux"; builder = "/bin/sh"; }"#,
        ),
        (
            "no_builder",
            r#"derivation { name = "x"; system = "x86_64-linux"; }"#,
        ),
        (
            "no_system",
            r#"derivation { name = "x"; builder = "/bin/sh"; }"#,
        ),
        (
            "bad_output",
            r#"derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "a/b" ]; }"#,
        ),
        (
            "duplicate_output",
            r#"derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "out" ]; }"#,
        ),
        (
            "missing_source",
            r#"derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; src = ./nope; }"#,
        ),
        (
            "network_without_hash",
            r#"derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; allowNetwork = true; }"#,
        ),
        (
            "bad_name",
            r#"derivation { name = "a b"; system = "x86_64-linux"; builder = "/bin/sh"; }"#,
        ),
        (
            "missing_store_path",
            r#"builtins.storePath "/kiln/store/00000000000000000000000000000000-x""#,
        ),
    ];
    for (name, src) in cases {
        let err = plan_error(src);
        assert!(
            err.contains("$DIR/kiln.nix:1:") || name == "missing_store_path",
            "{name}: no location in {err}"
        );
        insta::assert_snapshot!(format!("bad_input_{name}"), err);
    }
}

#[test]
fn get_context_after_string_operations() {
    let p = Project::new(
        r#"
let
  a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; };
  s = "${a}";
  keys = v: builtins.attrValues (builtins.getContext v);
in [
  (keys s)
  (keys ("x" + s))
  (keys (builtins.concatStringsSep ":" [ "p" s ]))
  (keys (builtins.replaceStrings [ "/" ] [ "_" ] s))
  (keys (builtins.substring 0 3 s))
  (keys (builtins.toJSON { x = s; }))
  (keys a.drvPath)
  (keys (builtins.unsafeDiscardStringContext s))
]
"#,
    );
    let out = p.run(&["eval", "--strict"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let one = r#"[ { outputs = [ "out" ]; } ]"#;
    let want =
        format!("[ {one} {one} {one} {one} {one} {one} [ {{ allOutputs = true; }} ] [ ] ]\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
}

#[test]
fn lib_sources_filters() {
    let p = Project::new(
        r#"
let lib = import <kiln/lib>; in {
  clean = "${lib.cleanSource ./src}";
  git = "${lib.gitignoreSource ./src}";
  named = builtins.path { path = ./src; name = "named"; filter = p: t: baseNameOf p != "sub"; };
}
"#,
    );
    let src = p.path().join("src");
    std::fs::create_dir_all(src.join(".git")).unwrap();
    std::fs::write(src.join(".git/HEAD"), "ref\n").unwrap();
    std::fs::write(src.join("main.c~"), "backup\n").unwrap();
    std::fs::write(src.join("debug.log"), "log\n").unwrap();
    std::fs::create_dir_all(src.join("build")).unwrap();
    std::fs::write(src.join("build/out.bin"), "bin\n").unwrap();
    std::fs::write(src.join(".gitignore"), "*.log\n/build/\n!keep.log\n").unwrap();
    std::fs::write(src.join("keep.log"), "kept\n").unwrap();
    let listing = |attr: &str| {
        let out = p.run(&["eval", "-A", attr]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = String::from_utf8(out.stdout).unwrap();
        let s = s.trim().trim_matches('"');
        let root = p
            .store
            .path()
            .join("store")
            .join(s.trim_start_matches("/kiln/store/"));
        let mut files = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let rel = e.path().strip_prefix(&root).unwrap().display().to_string();
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                }
                files.push(rel);
            }
        }
        files.sort();
        files.join(" ")
    };
    assert_eq!(
        listing("clean"),
        ".gitignore build build/out.bin debug.log keep.log main.c sub sub/data.txt"
    );
    assert_eq!(
        listing("git"),
        ".gitignore keep.log main.c sub sub/data.txt"
    );
    assert_eq!(
        listing("named"),
        ".git .git/HEAD .gitignore build build/out.bin debug.log keep.log main.c main.c~"
    );
}
