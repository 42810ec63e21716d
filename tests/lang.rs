//! Data-driven language tests: every `tests/lang/*.nix` and `tests/lib/*.nix`
//! file is run through the `kiln` binary.
//!
//! - `eval-okay-NAME.nix`: `kiln eval --strict` must print `NAME.exp` (the
//!   expectations were produced by Nix 2.8's `nix-instantiate --eval --strict`).
//! - `eval-fail-NAME.nix`: must exit 1 without crashing; the error output is
//!   an insta snapshot, so every error kind's wording and location are pinned.
//! - `parse-fail-NAME.nix`: `kiln parse` must exit 1; the output is a snapshot.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kiln() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
    // Keep the user's search path and store out of the tests.
    cmd.env_remove("KILN_PATH").env_remove("NIX_PATH").env(
        "XDG_CACHE_HOME",
        std::env::temp_dir().join("kiln-test-cache"),
    );
    cmd
}

fn cases(dir: &str, prefix: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".nix")
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no {prefix}*.nix tests in {}",
        dir.display()
    );
    files
}

fn run_in_dir(file: &Path, args: &[&str]) -> Output {
    let dir = file.parent().unwrap();
    kiln()
        .current_dir(dir)
        .args(args)
        .arg(file.file_name().unwrap())
        .output()
        .expect("kiln runs")
}

fn check_eval_okay(dir: &str) {
    let mut failures = Vec::new();
    for file in cases(dir, "eval-okay-") {
        let out = run_in_dir(&file, &["eval", "--strict"]);
        let want = std::fs::read_to_string(file.with_extension("exp")).expect(".exp file");
        let got = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || got.trim_end() != want.trim_end() {
            failures.push(format!(
                "{}:\n  want: {}\n  got:  {}\n  stderr: {}",
                file.display(),
                want.trim_end(),
                got.trim_end(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The error output with the machine-specific test folder replaced.
fn normalised_stderr(out: &Output, file: &Path) -> String {
    let dir = file.parent().unwrap().to_string_lossy().into_owned();
    String::from_utf8_lossy(&out.stderr).replace(&dir, "$DIR")
}

fn check_fails(prefix: &str, args: &[&str]) {
    for file in cases("tests/lang", prefix) {
        let out = run_in_dir(&file, args);
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} should fail with exit code 1; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        insta::assert_snapshot!(name, normalised_stderr(&out, &file));
    }
}

#[test]
fn eval_okay() {
    check_eval_okay("tests/lang");
}

#[test]
fn stdlib_eval_okay() {
    check_eval_okay("tests/lib");
}

#[test]
fn eval_fail() {
    check_fails("eval-fail-", &["eval", "--strict"]);
}

#[test]
fn parse_fail() {
    check_fails("parse-fail-", &["parse"]);
}

#[test]
fn eval_expression_with_args() {
    let out = kiln()
        .args([
            "eval", "--strict", "--arg", "n", "20", "--argstr", "who", "you",
        ])
        .args([
            "-E",
            "{ n, who, greeting ? \"hi\" }: \"${greeting} ${who} ${toString (n * 2)}\"",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"hi you 40\"\n");
}

#[test]
fn embedded_stdlib_is_on_the_search_path() {
    let out = kiln()
        .args([
            "eval",
            "--strict",
            "-E",
            "(import <kiln/lib>).strings.hasPrefix \"ki\" \"kiln\"",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "true\n",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
