//! `kiln eval --json` and `--xml`: the output of Nix 2.8's
//! `nix-instantiate --eval --strict --json` and `--xml --no-location`.

use std::process::Command;

fn kiln_eval(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .env_remove("KILN_PATH")
        .env_remove("NIX_PATH")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("kiln-test-cache"),
        )
        .arg("eval")
        .args(args)
        .output()
        .expect("kiln runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_output_forces_only_what_it_writes() {
    // A derivation is written as its outPath: its other attributes are not
    // evaluated.
    let (ok, out, err) = kiln_eval(&[
        "--json",
        "-E",
        r#"{ b = [ 1 2.5 "x\n" null ]; a = { type = "derivation"; outPath = "/o"; c = throw "unused"; }; }"#,
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "{\"a\":\"/o\",\"b\":[1,2.5,\"x\\n\",null]}\n");
}

#[test]
fn json_output_rejects_functions() {
    let (ok, _, err) = kiln_eval(&["--json", "-E", "{ f = x: x; }"]);
    assert!(!ok);
    assert!(
        err.starts_with("error: cannot convert a function to JSON"),
        "{err}"
    );
}

#[test]
fn xml_output_is_nix_instantiate_no_location() {
    let (ok, out, err) = kiln_eval(&["--xml", "-E", r#"{ b = [ 1 "x" ]; f = { a, ... }: a; }"#]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        r#"<?xml version='1.0' encoding='utf-8'?>
<expr>
  <attrs>
    <attr name="b">
      <list>
        <int value="1" />
        <string value="x" />
      </list>
    </attr>
    <attr name="f">
      <function>
        <attrspat ellipsis="1">
          <attr name="a" />
        </attrspat>
      </function>
    </attr>
  </attrs>
</expr>
"#
    );
}
