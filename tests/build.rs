//! `kiln build` end to end: each test writes a kiln.nix whose steps borrow the host's `/bin`,
//! `/usr` and `/lib*` (hostPaths), builds it into a store in a temporary folder and checks the
//! outputs, links, logs and errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const KILN: &str = env!("CARGO_BIN_EXE_kiln");

/// A project folder and a store of its own.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A project whose kiln.nix is `body`, with `step NAME SCRIPT` and `host` in scope.
    fn new(body: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let host: String = ["/bin", "/usr", "/lib", "/lib64", "/lib32"]
            .iter()
            .filter(|d| Path::new(d).exists())
            .map(|d| format!("\"{d}\" "))
            .collect();
        let text = format!(
            r#"let
  host = [ {host}];
  step = name: script: mk {{ inherit name script; }};
  mk = a: derivation ({{
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" a.script ];
    hostPaths = host;
  }} // builtins.removeAttrs a [ "script" ]);
in
{body}
"#
        );
        fs::write(dir.path().join("kiln.nix"), text).unwrap();
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn store(&self) -> PathBuf {
        self.path().join("store-root")
    }

    /// `kiln --store S build <dir> -o <dir>/result ARGS...`.
    fn build(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(KILN);
        cmd.arg("--store")
            .arg(self.store())
            .arg("build")
            .arg(self.path())
            .arg("-o")
            .arg(self.path().join("result"))
            .args(args);
        cmd.output().expect("run kiln")
    }

    fn kiln(&self, args: &[&str]) -> Output {
        Command::new(KILN)
            .arg("--store")
            .arg(self.store())
            .args(args)
            .output()
            .expect("run kiln")
    }

    /// Valid store paths (base names).
    fn store_ls(&self) -> String {
        text(&self.kiln(&["store", "ls"]).stdout)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[track_caller]
fn assert_fails(out: &Output, needles: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in stderr:\n{err}");
    }
}

#[test]
fn build_makes_output_and_result_link_and_second_build_is_a_no_op() {
    let p = Project::new(
        r#"let dep = step "dep" "mkdir -p $out/bin; echo 'echo dep' > $out/bin/dep; chmod +x $out/bin/dep";
in step "top" "test -d ${dep} && dep > $out; echo line-in-log""#,
    );
    let out = p.build(&[]);
    assert_ok(&out);
    let printed = text(&out.stdout);
    let result = p.path().join("result");
    assert_eq!(
        printed.trim(),
        fs::canonicalize(&result).unwrap().display().to_string()
    );
    assert_eq!(fs::read_to_string(&result).unwrap(), "dep\n");
    let err = text(&out.stderr);
    assert!(
        err.contains("built dep") && err.contains("built top"),
        "{err}"
    );
    // The link is a GC root.
    let gc = p.kiln(&["gc"]);
    assert_ok(&gc);
    assert_eq!(fs::read_to_string(&result).unwrap(), "dep\n");
    let log = p.kiln(&["log", result.to_str().unwrap()]);
    assert_ok(&log);
    assert_eq!(text(&log.stdout), "line-in-log\n");

    let again = p.build(&[]);
    assert_ok(&again);
    assert_eq!(text(&again.stdout), printed);
    let err = text(&again.stderr);
    assert!(!err.contains("building"), "second build ran steps: {err}");
}

#[test]
fn parallel_steps_cannot_see_each_others_build_folder() {
    let p = Project::new(
        r#"let s = n: step n "touch /build/mine-${n}; sleep 1; ls -A /build > $out";
in [ (s "a") (s "b") ]"#,
    );
    let started = Instant::now();
    let out = p.build(&["-j", "2"]);
    assert_ok(&out);
    // Both ran at once.
    assert!(
        started.elapsed() < Duration::from_millis(1900),
        "not parallel"
    );
    let a = fs::read_to_string(p.path().join("result")).unwrap();
    let b = fs::read_to_string(p.path().join("result-2")).unwrap();
    assert_eq!(a, "mine-a\n");
    assert_eq!(b, "mine-b\n");
}

#[test]
fn environment_is_exactly_the_documented_one() {
    let p = Project::new(
        r#"let tool = step "tool" "mkdir -p $out/bin";
in mk { name = "env"; script = "exec /usr/bin/env > $out"; FOO = "bar"; inherit tool; }"#,
    );
    let out = p.build(&[]);
    assert_ok(&out);
    let got = fs::read_to_string(p.path().join("result")).unwrap();
    let mut got: Vec<&str> = got.lines().collect();
    got.sort();
    let store_ls = p.store_ls();
    let tool = store_ls
        .lines()
        .find(|l| l.ends_with("-tool"))
        .expect("tool built");
    let out_path = store_ls
        .lines()
        .find(|l| l.ends_with("-env"))
        .expect("env built");
    let cores = std::thread::available_parallelism().unwrap().get();
    let mut want = vec![
        "FOO=bar".to_string(),
        "HOME=/homeless-shelter".into(),
        format!("KILN_BUILD_CORES={cores}"),
        "LANG=C.UTF-8".into(),
        format!("PATH={tool}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        "PWD=/build".into(),
        "SOURCE_DATE_EPOCH=315532800".into(),
        "TEMP=/build".into(),
        "TERM=xterm-256color".into(),
        "TMP=/build".into(),
        "TMPDIR=/build".into(),
        "TZ=UTC".into(),
        "builder=/bin/sh".into(),
        "name=env".into(),
        format!("out={out_path}"),
        "system=x86_64-linux".into(),
        format!("tool={tool}"),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn timeout_kills_the_step_and_says_so() {
    let p = Project::new(
        r#"mk { name = "sleeper"; script = "sleep 1000 & sleep 1000"; timeout = 2; }"#,
    );
    let started = Instant::now();
    let out = p.build(&[]);
    let took = started.elapsed();
    assert_fails(&out, &["step sleeper timed out after 2 s"]);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(!p.store_ls().contains("sleeper"));
}

#[test]
fn check_catches_nondeterminism_and_passes_determinism() {
    let p = Project::new(
        r#"{ nondet = step "nondet" "mkdir $out; echo same > $out/same; date +%N > $out/time";
   random = step "random" "head -c 64 /dev/urandom > $out";
   det = step "det" "echo stable > $out"; }"#,
    );
    assert_ok(&p.build(&[]));
    let out = p.build(&["-A", "det", "--check"]);
    assert_ok(&out);
    assert!(text(&out.stderr).contains("checked det"));

    let out = p.build(&["-A", "nondet", "--check"]);
    assert_fails(
        &out,
        &[
            "step nondet is not reproducible",
            "time: contents differ",
            "-",
            "+",
        ],
    );
    let err = text(&out.stderr);
    assert!(!err.contains("same:"), "{err}");
    assert!(
        err.contains("registered/time"),
        "unified diff expected: {err}"
    );

    let out = p.build(&["-A", "random", "--check"]);
    assert_fails(&out, &["not reproducible"]);
}

#[test]
fn failing_step_shows_status_and_log_tail_and_registers_nothing() {
    let p = Project::new(
        r#"step "broken" "for i in $(seq 1 40); do echo line $i; done; echo partial > $out; exit 3""#,
    );
    let out = p.build(&["--keep-failed"]);
    assert_fails(
        &out,
        &[
            "step broken failed: builder exited with status 3",
            "| line 40",
            "| line 16",
            "kept the folder",
        ],
    );
    let err = text(&out.stderr);
    assert!(!err.contains("| line 15\n"), "more than 25 lines: {err}");
    assert!(!p.store_ls().contains("broken"));
    assert!(!p.path().join("result").exists());
    // --keep-failed kept the folder, with the partial output.
    let kept = fs::read_dir(p.store().join("kept"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(kept.join("build").is_dir());
}

#[test]
fn missing_builder_is_a_clear_error() {
    let p =
        Project::new(r#"mk { name = "nobuilder"; script = ""; builder = "/no/such/builder"; }"#);
    assert_fails(&p.build(&[]), &["step nobuilder", "/no/such/builder"]);
    assert!(!p.store_ls().contains("nobuilder"));
}

#[test]
fn step_without_output_is_a_clear_error() {
    let p = Project::new(r#"step "lazy" "true""#);
    assert_fails(&p.build(&[]), &["step lazy produced no output out"]);
    assert!(!p.store_ls().contains("lazy"));
}

#[test]
fn rootfs_layer_that_is_not_a_store_path_is_refused() {
    let p =
        Project::new(r#"mk { name = "badroot"; script = "echo > $out"; rootfs = [ "/usr" ]; }"#);
    assert_fails(&p.build(&[]), &["badroot", "/usr", "not a store path"]);
    assert!(!p.store_ls().contains("badroot"));
}

#[test]
fn deleted_input_is_a_clear_error() {
    let p = Project::new(
        r#"let data = builtins.toFile "data" "payload"; in
{ a = step "use-a" "cat ${data} > $out"; b = step "use-b" "cat ${data} > $out"; }"#,
    );
    assert_ok(&p.build(&["-A", "a"]));
    // Remove the source behind the store's back (its metadata stays).
    let data = fs::read_dir(p.store().join("store"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-data"))
        .unwrap();
    fs::remove_file(&data).unwrap();
    let out = p.build(&["-A", "b"]);
    assert_fails(&out, &["step use-b", "-data", "missing from the store"]);
    assert!(!p.store_ls().contains("use-b"));
}

#[test]
fn pure_refuses_impure_steps() {
    let p = Project::new(r#"step "impure" "echo > $out""#);
    assert_fails(&p.build(&["--pure"]), &["step impure is impure", "--pure"]);
}

#[test]
fn keep_going_builds_what_does_not_depend_on_the_failure() {
    let p = Project::new(
        r#"let bad = step "bad" "exit 1"; in
{ good = step "good" "sleep 0.2; echo ok > $out"; after = step "after" "cat ${bad} > $out"; }"#,
    );
    let out = p.build(&["-k", "-j", "1"]);
    assert_fails(
        &out,
        &[
            "step bad failed",
            "step after was not built because bad failed",
        ],
    );
    let ls = p.store_ls();
    assert!(ls.contains("-good"), "{ls}");
}

#[test]
fn fixed_outputs_are_verified_and_several_outputs_are_registered_in_order() {
    // sha256("hello\n")
    let sha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    let p = Project::new(&format!(
        r#"{{
  good = mk {{ name = "fo"; script = "echo hello > $out"; outputHashAlgo = "sha256"; outputHash = "{sha}"; }};
  bad = mk {{ name = "fo-bad"; script = "echo hallo > $out"; outputHashAlgo = "sha256"; outputHash = "{sha}"; }};
  multi = mk {{ name = "multi"; outputs = [ "out" "dev" ]; script = "mkdir $out $dev; echo $dev > $out/ref; echo lib > $dev/lib"; }};
}}"#
    ));
    assert_ok(&p.build(&["-A", "good", "-A", "multi"]));
    assert_eq!(
        fs::read_to_string(p.path().join("result")).unwrap(),
        "hello\n"
    );
    let dev = fs::read_to_string(p.path().join("result-2/ref")).unwrap();
    assert!(dev.trim().ends_with("-multi-dev"), "{dev}");
    let out = p.build(&["-A", "bad"]);
    assert_fails(&out, &["step fo-bad: fixed output", "but 5891b5b5"]);
    assert!(!p.store_ls().contains("fo-bad"));
}
