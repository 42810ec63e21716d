//! Store tests: drive the `kiln` binary on real files in temporary stores.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const ALPHABET: &[u8] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// A temporary store plus a scratch folder on the same filesystem.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store-root")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kiln"));
        c.arg("--store").arg(self.store()).args(args);
        c.env_remove("KILN_STORE").current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kiln {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects exit code 1; returns stdout + stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "kiln {args:?} should fail: {out:?}"
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn host(&self, store_path: &str) -> PathBuf {
        self.store()
            .join("store")
            .join(store_path.trim().strip_prefix("/kiln/store/").unwrap())
    }
}

/// A made-up store path with a hash part derived from `i`.
fn fake_path(i: u64, name: &str) -> String {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5555;
    let hash: String = (0..32)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ALPHABET[(x >> 59) as usize] as char
        })
        .collect();
    format!("/kiln/store/{hash}-{name}")
}

fn write_tree(root: &Path, n_files: usize, seed: u64) {
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::create_dir_all(root.join("share/doc")).unwrap();
    for i in 0..n_files {
        fs::write(
            root.join(format!("share/doc/f{i:04}")),
            format!("file {i} of tree {seed}\n").repeat(i % 7 + 1),
        )
        .unwrap();
    }
    let exe = root.join("bin/tool");
    fs::write(&exe, format!("#!/bin/sh\necho tree {seed}\n")).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o4775)).unwrap();
    std::os::unix::fs::symlink("../share/doc", root.join("bin/docs")).unwrap();
}

#[test]
fn add_source_is_normalised_and_deterministic() {
    let env = Env::new();
    write_tree(&env.path("src"), 5, 1);
    let p = env.ok(&["store", "add-source", "src", "--name", "tree"]);
    // Same content, other store and other host path: same store path.
    let env2 = Env::new();
    write_tree(&env2.path("elsewhere"), 5, 1);
    let p2 = env2.ok(&["store", "add-source", "elsewhere", "--name", "tree"]);
    assert_eq!(p, p2);
    insta::assert_snapshot!(p.trim(), @"/kiln/store/ngv6c0902jnhlnjx519b0f06i0zab6z0-tree");

    let host = env.host(&p);
    let mode = |rel: &str| fs::symlink_metadata(host.join(rel)).unwrap().mode() & 0o7777;
    assert_eq!(mode(""), 0o555);
    assert_eq!(mode("bin"), 0o555);
    assert_eq!(mode("bin/tool"), 0o555, "setuid dropped, executable kept");
    assert_eq!(mode("share/doc/f0001"), 0o444);
    for rel in ["", "bin", "bin/tool", "bin/docs", "share/doc/f0001"] {
        assert_eq!(
            fs::symlink_metadata(host.join(rel)).unwrap().mtime(),
            1,
            "{rel}"
        );
    }
    assert_eq!(
        fs::read_link(host.join("bin/docs")).unwrap(),
        Path::new("../share/doc")
    );
    // Unchanged: same path again; changed: a new path.
    assert_eq!(env.ok(&["store", "add-source", "src", "--name", "tree"]), p);
    fs::write(env.path("src/share/doc/f0002"), "changed").unwrap();
    assert_ne!(env.ok(&["store", "add-source", "src", "--name", "tree"]), p);
    assert_eq!(env.ok(&["store", "ls"]).lines().count(), 2);
}

#[test]
fn register_scans_references_and_info_shows_them() {
    let env = Env::new();
    fs::create_dir(env.path("dep")).unwrap();
    fs::write(env.path("dep/lib"), "library").unwrap();
    let dep = env.ok(&["store", "add-source", "dep"]).trim().to_owned();
    let unused = env
        .ok(&["store", "add-source", "dep", "--name", "unused"])
        .trim()
        .to_owned();
    let out = fake_path(1, "app");
    fs::create_dir(env.path("out")).unwrap();
    fs::write(
        env.path("out/run"),
        format!("exec {dep}/lib from {out}/run\n"),
    )
    .unwrap();
    env.ok(&[
        "store",
        "register",
        "out",
        "--path",
        &out,
        "--step-hash",
        "s1",
        "--ref",
        &dep,
        "--ref",
        &unused,
    ]);
    assert!(!env.path("out").exists(), "output is moved into the store");
    let info = env.ok(&["store", "info", &out]);
    let info = info.replace(env.store().to_str().unwrap(), "$STORE");
    let info: String = info
        .lines()
        .filter(|l| !l.starts_with("registered:"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(info, @r"
    path:          /kiln/store/f63xi29cp55inzdd63ix333k9fdp90qy-app
    host path:     $STORE/store/f63xi29cp55inzdd63ix333k9fdp90qy-app
    content hash:  blake3:373646c520d601df1d746724cf5f88b02b9c604f3ca029a0861221a94079dffd
    step hash:     s1
    size:          146 bytes
    closure size:  183 bytes in 2 paths
    references:    2
      /kiln/store/f63xi29cp55inzdd63ix333k9fdp90qy-app
      /kiln/store/w5wicb29zrv9qlr5a5567ls4l4xqdv7w-dep
    referrers:     1
      /kiln/store/f63xi29cp55inzdd63ix333k9fdp90qy-app
    ");
    // The info command also accepts a link into the store and a bare basename.
    std::os::unix::fs::symlink(env.host(&out), env.path("result")).unwrap();
    assert!(env
        .ok(&["store", "info", "result"])
        .starts_with(&format!("path:          {out}")));
    let base = out.strip_prefix("/kiln/store/").unwrap();
    assert!(env
        .ok(&["store", "info", base])
        .contains("step hash:     s1"));
}

#[test]
fn verify_names_corrupt_and_missing_paths() {
    let env = Env::new();
    write_tree(&env.path("a"), 3, 1);
    write_tree(&env.path("b"), 3, 2);
    let a = env.ok(&["store", "add-source", "a"]).trim().to_owned();
    let b = env.ok(&["store", "add-source", "b"]).trim().to_owned();
    assert!(env
        .ok(&["store", "verify", "--all"])
        .contains("checked 2 paths: 0 corrupt, 0 missing"));

    // Flip one byte of a file in `a`.
    let f = env.host(&a).join("share/doc/f0001");
    let mut bytes = fs::read(&f).unwrap();
    bytes[3] ^= 0x20;
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&f, &bytes).unwrap();
    let out = env.fails(&["store", "verify", "--all"]);
    assert!(out.contains(&format!("corrupt: {a}")), "{out}");
    assert!(!out.contains(&format!("corrupt: {b}")), "{out}");
    assert!(env.ok(&["store", "verify", &b]).contains("0 corrupt"));

    // Remove `b` from disk behind the store's back.
    let hb = env.host(&b);
    for d in [
        hb.clone(),
        hb.join("bin"),
        hb.join("share"),
        hb.join("share/doc"),
    ] {
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::remove_dir_all(&hb).unwrap();
    let out = env.fails(&["store", "verify", &b]);
    assert!(out.contains(&format!("missing: {b}")), "{out}");
    // A path that was never registered is missing too.
    let never = fake_path(9, "never");
    assert!(env
        .fails(&["store", "verify", &never])
        .contains(&format!("missing: {never}")));
}

#[test]
fn gc_keeps_roots_closures_and_removes_the_rest() {
    let env = Env::new();
    fs::create_dir(env.path("lib")).unwrap();
    fs::write(env.path("lib/x"), "lib").unwrap();
    let lib = env.ok(&["store", "add-source", "lib"]).trim().to_owned();
    let text = |name: &str, body: &str, refs: &[&str]| {
        let mut args = vec!["store", "add-text", name];
        for r in refs {
            args.extend(["--ref", r]);
        }
        let mut child = env
            .cmd(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let app = text("app", &format!("uses {lib}"), &[&lib]);
    let junk_dep = text("junk-dep", "junk", &[]);
    let junk = text("junk", &format!("uses {junk_dep}"), &[&junk_dep]);

    env.ok(&["store", "add-root", "result", &app]);
    let out = env.ok(&["gc", "--dry-run"]);
    assert!(out.contains(&format!("would delete {junk} ")), "{out}");
    assert_eq!(
        env.ok(&["store", "ls"]).lines().count(),
        4,
        "dry run deletes nothing"
    );

    assert_eq!(
        env.ok(&["store", "ls", &junk]),
        format!("{junk_dep}\n{junk}\n")
    );
    let out = env.ok(&["gc"]);
    assert!(out.contains(&format!("deleted {junk} ")), "{out}");
    assert!(out.contains(&format!("deleted {junk_dep} ")), "{out}");
    assert!(out.contains("freed 2 paths"), "{out}");
    let mut kept = vec![app.clone(), lib.clone()];
    kept.sort();
    assert_eq!(env.ok(&["store", "ls"]).lines().collect::<Vec<_>>(), kept);
    assert!(!env.host(&junk).exists() && env.host(&app).exists());
    assert!(env
        .ok(&["store", "verify", "--all"])
        .contains("0 corrupt, 0 missing"));

    // Removing the result link makes the root dangling: it goes, and so does everything.
    fs::remove_file(env.path("result")).unwrap();
    let out = env.ok(&["gc"]);
    assert!(out.contains("dangling root"), "{out}");
    assert!(out.contains("freed 2 paths"), "{out}");
    assert_eq!(env.ok(&["store", "ls"]), "");
    assert_eq!(fs::read_dir(env.store().join("roots")).unwrap().count(), 0);
}

#[test]
fn gc_spares_paths_a_running_kiln_uses() {
    let env = Env::new();
    fs::create_dir(env.path("input")).unwrap();
    fs::write(env.path("input/x"), "input").unwrap();
    let input = env.ok(&["store", "add-source", "input"]).trim().to_owned();
    let out = fake_path(2, "slow");
    let marker = env.path("started");
    let go = env.path("go");
    let script = format!(
        "touch {}; while [ ! -e {} ]; do sleep 0.05; done; echo {input} > $out",
        marker.display(),
        go.display()
    );
    let builder = env
        .cmd(&[
            "store",
            "run-build",
            "--path",
            &out,
            "--ref",
            &input,
            "--",
            "sh",
            "-c",
            &script,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    while !marker.exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The builder holds a temporary root on its input and the lock on its output.
    let gc = env.ok(&["gc"]);
    assert!(gc.contains("freed 0 paths"), "{gc}");
    fs::write(&go, "").unwrap();
    let built = builder.wait_with_output().unwrap();
    assert!(built.status.success());
    assert!(env.ok(&["store", "info", &out]).contains(&input));
    // The builder is gone: nothing keeps either path now.
    let gc = env.ok(&["gc"]);
    assert!(gc.contains("freed 2 paths"), "{gc}");
}

#[test]
fn concurrent_builds_of_one_path_build_once() {
    let env = Env::new();
    let out = fake_path(3, "shared");
    let log = env.path("builds.log");
    let script = format!(
        "echo built >> {}; sleep 1; echo result > $out",
        log.display()
    );
    let spawn = || {
        env.cmd(&[
            "store",
            "run-build",
            "--path",
            &out,
            "--",
            "sh",
            "-c",
            &script,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        "built\n",
        "the builder ran once"
    );
    let mut said = [
        String::from_utf8_lossy(&a.stderr).trim().to_owned(),
        String::from_utf8_lossy(&b.stderr).trim().to_owned(),
    ];
    said.sort();
    assert_eq!(said, ["already valid", "built"]);
    assert_eq!(fs::read_to_string(env.host(&out)).unwrap(), "result\n");
}

#[test]
fn sigkill_during_registration_leaves_nothing_half_written() {
    let env = Env::new();
    fs::create_dir(env.path("work")).unwrap();
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut n_killed = 0;
    let mut n_leftovers = 0;
    for i in 0..50u64 {
        let tree = env.path(&format!("work/t{i}"));
        write_tree(&tree, 150, i);
        let path = fake_path(100 + i, &format!("out{i}"));
        let mut child = env
            .cmd(&["store", "register", tree.to_str().unwrap(), "--path", &path])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_micros(rng % 60_000));
        if child.try_wait().unwrap().is_none() {
            n_killed += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let out = env.ok(&["store", "verify", "--all"]);
        assert!(
            out.contains(" 0 corrupt, 0 missing"),
            "after kill {i}: {out}"
        );
        // What is in `store/` is either valid (verified above) or a complete tree left between
        // rename and insert, which must hash like the tree we offered.
        let valid = env.ok(&["store", "ls"]);
        for entry in fs::read_dir(env.store().join("store")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if valid.contains(&name) {
                continue;
            }
            n_leftovers += 1;
            let j: u64 = name.rsplit("-out").next().unwrap().parse().unwrap();
            let fresh = env.path(&format!("fresh{j}"));
            let _ = fs::remove_dir_all(&fresh);
            write_tree(&fresh, 150, j);
            let want = env.ok(&["store", "hash", fresh.to_str().unwrap()]);
            let got = env.ok(&[
                "store",
                "hash",
                env.store().join("store").join(&name).to_str().unwrap(),
            ]);
            assert_eq!(want, got, "unregistered {name} is not complete");
        }
    }
    eprintln!("killed {n_killed} of 50 registrations; saw {n_leftovers} unregistered entries");
    assert!(
        n_killed > 5,
        "only {n_killed} registrations were interrupted"
    );
    // Nothing is running now: a store open sweeps `tmp/` clean, and GC removes leftovers.
    env.ok(&["gc"]);
    assert_eq!(fs::read_dir(env.store().join("tmp")).unwrap().count(), 0);
    assert_eq!(fs::read_dir(env.store().join("store")).unwrap().count(), 0);
    assert!(env
        .ok(&["store", "verify", "--all"])
        .contains("checked 0 paths"));
}

#[test]
fn registering_over_a_leftover_replaces_it() {
    let env = Env::new();
    let path = fake_path(4, "left");
    // A complete but unregistered entry, as a crash between rename and insert leaves it.
    fs::create_dir_all(env.store().join("store")).unwrap();
    fs::write(env.host(&path), "stale").unwrap();
    fs::write(env.path("new"), "fresh").unwrap();
    env.ok(&["store", "register", "new", "--path", &path]);
    assert_eq!(fs::read_to_string(env.host(&path)).unwrap(), "fresh");
    assert!(env
        .ok(&["store", "verify", "--all"])
        .contains("1 paths: 0 corrupt"));
}

#[test]
fn bad_input_gives_clear_errors() {
    let env = Env::new();
    let e = env.fails(&["store", "add-source", "does-not-exist"]);
    assert!(
        e.contains("kiln: error: source path ") && e.contains("does-not-exist does not exist"),
        "{e}"
    );

    let missing = fake_path(5, "ghost");
    let e = env.fails(&["store", "info", &missing]);
    assert!(
        e.contains(&format!("{missing} is not a valid store path")),
        "{e}"
    );

    fs::write(env.path("f"), "x").unwrap();
    let e = env.fails(&["store", "add-source", "f", "--name", "bad name"]);
    assert!(
        e.contains("invalid store path name \"bad name\": character ' ' is not allowed"),
        "{e}"
    );
    let e = env.fails(&["store", "add-source", "f", "--name", ".hidden"]);
    assert!(e.contains("must not start with '.'"), "{e}");

    let e = env.fails(&["store", "info", "/kiln/store/tooshort-x"]);
    assert!(
        e.contains("invalid store path \"/kiln/store/tooshort-x\""),
        "{e}"
    );

    fs::create_dir(env.path("out")).unwrap();
    let fifo = env.path("out/pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let e = env.fails(&["store", "register", "out", "--path", &fake_path(6, "fifo")]);
    assert!(
        e.contains("only regular files, directories and symlinks") && e.contains("/pipe"),
        "{e}"
    );
    assert_eq!(env.ok(&["store", "ls"]), "");

    let e = env.fails(&[
        "store",
        "register",
        "nothing-here",
        "--path",
        &fake_path(7, "x"),
    ]);
    assert!(e.contains("nothing-here does not exist"), "{e}");
}
