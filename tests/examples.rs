//! The bundled examples README.md points new users at keep working: the
//! bootstrap build (built into a store of the test's own) and the language
//! example.

use std::path::Path;
use std::process::Command;

fn kiln() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
    cmd.env_remove("KILN_PATH").env_remove("NIX_PATH").env(
        "XDG_CACHE_HOME",
        std::env::temp_dir().join("kiln-test-cache"),
    );
    cmd
}

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

#[test]
fn hello_example_evaluates() {
    let out = kiln()
        .args(["eval", "--strict"])
        .arg(example("hello"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{ count = 3; greetings = [ \"hello, ada!\" \"hello, grace!\" \"hello, linus!\" ]; \
         shouted = [ \"ADA\" \"GRACE\" \"LINUS\" ]; }\n"
    );
}

#[test]
fn build_example_builds_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let link = tmp.path().join("result");
    let out = kiln()
        .arg("--store")
        .arg(&store)
        .args(["build", "--quiet", "-o"])
        .arg(&link)
        .arg(example("build"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The built program refers to its two inputs by their /kiln/store paths,
    // which exist only inside a container; check its text names them.
    let script = std::fs::read_to_string(link.join("bin/hello")).unwrap();
    assert!(script.contains("/kiln/store/"), "{script}");
    assert!(script.contains("-greeting"), "{script}");
    assert!(script.contains("-names/share/names"), "{script}");
    // A second build finds everything built.
    let again = kiln()
        .arg("--store")
        .arg(&store)
        .args(["plan"])
        .arg(example("build"))
        .output()
        .unwrap();
    let tree = String::from_utf8_lossy(&again.stdout);
    assert!(tree.contains("3 steps, 3 built, 0 to build"), "{tree}");
}
