//! Isolation tests of the container runtime, driving `kiln sandbox exec`. Each test is an
//! assertion that fails if the sandbox leaks, and runs as the current user and, when that is
//! root, also as `nobody` (uid 65534, via `setpriv`), which exercises the rootless path.
//!
//! The root filesystem is the host's `/usr`, `/bin`, `/lib*` bound read-only. A test that needs a
//! missing tool prints why it skips, and fails instead when `KILN_REQUIRE_PEERS=1`.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const KILN: &str = env!("CARGO_BIN_EXE_kiln");
const NOBODY: u32 = 65534;

/// Who runs `kiln`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum As {
    Me,
    Nobody,
}

fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn have(tool: &str) -> bool {
    ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .any(|d| Path::new(d).join(tool).exists())
}

/// Skips (returns true) with a printed reason, or panics under `KILN_REQUIRE_PEERS=1`.
fn skip(reason: &str) -> bool {
    if std::env::var("KILN_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("required peer missing: {reason}");
    }
    eprintln!("skipped: {reason}");
    true
}

/// The identities each test runs under.
fn identities() -> Vec<As> {
    let mut ids = vec![As::Me];
    if is_root() {
        if have("setpriv") {
            ids.push(As::Nobody);
        } else {
            skip("setpriv (util-linux) is missing: rootless runs not tested");
        }
    }
    ids
}

/// Read-only binds of the host's system folders: the test's root filesystem.
fn host_root() -> Vec<String> {
    let mut args = Vec::new();
    for dir in ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32"] {
        if Path::new(dir).exists() {
            args.push("--ro-bind".to_string());
            args.push(dir.to_string());
        }
    }
    args.push("--env".into());
    args.push("PATH=/usr/bin:/bin:/usr/sbin:/sbin".into());
    args
}

fn kiln(who: As, opts: &[String], argv: &[&str]) -> Output {
    let mut cmd = match who {
        As::Me => Command::new(KILN),
        As::Nobody => {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
                KILN,
            ]);
            c
        }
    };
    cmd.args(["sandbox", "exec"])
        .args(opts)
        .arg("--")
        .args(argv);
    cmd.output().expect("run kiln")
}

/// Runs `sh -c script` on the host root with extra options.
fn sh(who: As, extra: &[String], script: &str) -> Output {
    let mut opts = host_root();
    opts.extend_from_slice(extra);
    kiln(who, &opts, &["sh", "-c", script])
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[track_caller]
fn assert_ok(who: As, out: &Output) {
    assert!(
        out.status.success(),
        "{who:?}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A temporary folder that `nobody` can use too.
fn tempdir(who: As) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    if who == As::Nobody {
        chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    }
    dir
}

fn s(x: impl Into<String>) -> String {
    x.into()
}

#[test]
fn network_is_loopback_only() {
    if !have("bash") {
        skip("bash is missing (its /dev/tcp connects)");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    for who in identities() {
        let host_port = format!("exec 3<>/dev/tcp/127.0.0.1/{port}");
        // The host's loopback listener is unreachable: lo inside is another interface.
        let out = sh(who, &[], &format!("bash -c '{host_port}'"));
        assert!(
            !out.status.success(),
            "{who:?}: reached the host's 127.0.0.1:{port}"
        );
        // No route anywhere else.
        let out = sh(who, &[], "bash -c 'exec 3<>/dev/tcp/1.1.1.1/80'");
        assert!(!out.status.success(), "{who:?}: reached 1.1.1.1:80");
        let out = sh(
            who,
            &[],
            "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '",
        );
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), "lo\n", "{who:?}: interfaces");
        // Positive control: the same probe works with the host network.
        let out = sh(
            who,
            &[s("--network"), s("host")],
            &format!("bash -c '{host_port}'"),
        );
        assert_ok(who, &out);
    }
}

#[test]
fn host_files_are_invisible() {
    for who in identities() {
        let out = sh(
            who,
            &[],
            "for p in /root /home /work /etc/hostname /etc/shadow /var /sys /run; do \
               test -e $p && echo visible: $p; done; ls /etc",
        );
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), "group\nhosts\npasswd\n", "{who:?}");
    }
}

#[test]
fn read_only_binds_cannot_be_written() {
    for who in identities() {
        let dir = tempdir(who);
        fs::write(dir.path().join("input"), "data").unwrap();
        let bind = format!("{}:/input", dir.path().display());
        let out = sh(
            who,
            &[s("--ro-bind"), bind],
            "cat /input/input >/dev/null || exit 10; \
             echo x > /input/new && exit 11; echo x >> /input/input && exit 12; \
             touch /usr/kiln-test && exit 13; mkdir /kiln-test && exit 14; \
             rm /input/input && exit 15; exit 0",
        );
        assert_ok(who, &out);
        assert_eq!(
            fs::read_to_string(dir.path().join("input")).unwrap(),
            "data"
        );
        assert!(!dir.path().join("new").exists());
    }
}

#[test]
fn setuid_bits_cannot_be_set() {
    for who in identities() {
        let dir = tempdir(who);
        let bind = format!("{}:/out", dir.path().display());
        let out = sh(
            who,
            &[s("--rw-bind"), bind],
            "touch /out/f && mkdir /out/d || exit 10; \
             chmod u+s /out/f && exit 11; chmod g+s /out/f && exit 12; chmod 4755 /out/f && exit 13; \
             chmod g+s /out/d && exit 14; chmod 755 /out/f || exit 15; exit 0",
        );
        assert_ok(who, &out);
        for name in ["f", "d"] {
            let mode = fs::metadata(dir.path().join(name)).unwrap().mode();
            assert_eq!(mode & 0o6000, 0, "{who:?}: {name} has mode {mode:o}");
        }
    }
}

#[test]
fn extended_attributes_are_unsupported() {
    if !have("python3") {
        skip("python3 is missing (its os.setxattr probes the filter)");
        return;
    }
    for who in identities() {
        let dir = tempdir(who);
        fs::write(
            dir.path().join("probe.py"),
            "import errno, os\n\
             calls = [lambda: os.setxattr('/out/probe.py', 'user.kiln', b'1'),\n\
                      lambda: os.listxattr('/out/probe.py')]\n\
             for call in calls:\n\
             \x20   try:\n\
             \x20       call()\n\
             \x20       raise SystemExit('xattr call allowed')\n\
             \x20   except OSError as e:\n\
             \x20       assert e.errno == errno.ENOTSUP, e\n",
        )
        .unwrap();
        let bind = format!("{}:/out", dir.path().display());
        let out = sh(who, &[s("--rw-bind"), bind], "python3 /out/probe.py");
        assert_ok(who, &out);
    }
}

#[test]
fn mount_fails() {
    for who in identities() {
        let out = sh(
            who,
            &[],
            "mount -t tmpfs none /tmp && exit 1; mount --bind /usr /tmp && exit 2; \
             umount /proc && exit 3; exit 0",
        );
        assert_ok(who, &out);
    }
}

#[test]
fn proc_is_fresh_and_the_command_is_pid_2() {
    for who in identities() {
        let out = sh(
            who,
            &[],
            "echo $$; ls /proc | grep -c '^[0-9]'; tr '\\0' ' ' < /proc/1/cmdline",
        );
        assert_ok(who, &out);
        let stdout = text(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines[0], "2", "{who:?}: pid of the command");
        let n: u32 = lines[1].parse().unwrap();
        assert!(n <= 4, "{who:?}: {n} processes visible");
        assert!(
            lines[2].starts_with("kiln-sandbox"),
            "{who:?}: pid 1 is {}",
            lines[2]
        );
    }
}

#[test]
fn hostname_is_localhost() {
    for who in identities() {
        let out = sh(who, &[], "uname -n; cat /proc/sys/kernel/domainname");
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), "localhost\n(none)\n", "{who:?}");
    }
}

#[test]
fn environment_is_exactly_the_given_one() {
    for who in identities() {
        let mut opts = host_root();
        opts.extend([
            s("--env"),
            s("A=1"),
            s("--env"),
            s("B=two words"),
            s("--env"),
            s("C="),
        ]);
        let out = kiln(who, &opts, &["/usr/bin/env"]);
        assert_ok(who, &out);
        assert_eq!(
            text(&out.stdout),
            "PATH=/usr/bin:/bin:/usr/sbin:/sbin\nA=1\nB=two words\nC=\n",
            "{who:?}"
        );
        let out = kiln(who, &[], &["/usr/bin/env"]);
        // Without binds nothing can run: the root is empty.
        assert!(!out.status.success());
    }
}

#[test]
fn identity_inside_is_the_build_user() {
    for who in identities() {
        let out = sh(
            who,
            &[],
            "id -u; id -g; id -G; whoami; grep -c . /proc/self/uid_map",
        );
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), "1000\n1000\n1000\nkiln\n1\n", "{who:?}");
    }
}

fn processes_matching(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(marker) && !cmdline.contains("kiln") {
                found.push(cmdline);
            }
        }
    }
    found
}

#[test]
fn timeout_kills_the_whole_tree() {
    for (i, who) in identities().into_iter().enumerate() {
        let marker = format!("98700{i}");
        let start = Instant::now();
        let out = sh(
            who,
            &[s("--timeout"), s("2")],
            &format!("sleep 1{marker} & sh -c 'sleep 2{marker}' & sleep 3{marker}"),
        );
        let elapsed = start.elapsed();
        assert_eq!(
            out.status.code(),
            Some(124),
            "{who:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("timeout"), "{who:?}");
        assert!(
            elapsed < Duration::from_secs(3),
            "{who:?}: took {elapsed:?}"
        );
        let left = processes_matching(&marker);
        assert!(left.is_empty(), "{who:?}: survivors {left:?}");
    }
}

#[test]
fn killing_kiln_leaves_no_orphans() {
    for (i, who) in identities().into_iter().enumerate() {
        let marker = format!("98710{i}");
        let mut opts = host_root();
        opts.push("--".into());
        opts.extend(["sh", "-c"].map(String::from));
        opts.push(format!("setsid sleep 1{marker} & sleep 2{marker}"));
        let mut cmd = match who {
            As::Me => Command::new(KILN),
            As::Nobody => {
                let mut c = Command::new("setpriv");
                c.args(["--reuid=65534", "--regid=65534", "--clear-groups", KILN]);
                c
            }
        };
        let mut child = cmd.args(["sandbox", "exec"]).args(&opts).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while processes_matching(&marker).len() < 2 {
            assert!(
                Instant::now() < deadline,
                "{who:?}: container did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        while !processes_matching(&marker).is_empty() {
            assert!(
                Instant::now() < deadline,
                "{who:?}: orphans {:?}",
                processes_matching(&marker)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn fork_bomb_is_contained_by_the_pid_limit() {
    for who in identities() {
        let out = sh(
            who,
            &[s("--pids-max"), s("20"), s("--timeout"), s("20")],
            // dash gives up at the first failed fork, so fork in a subshell and count after.
            "(i=0; while [ $i -lt 60 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null; \
             set -- /proc/[0-9]*; echo $#",
        );
        let stderr = text(&out.stderr);
        if stderr.contains("no cgroup pids controller") {
            skip(&format!("{who:?}: no pids cgroup controller: {stderr}"));
            continue;
        }
        assert_ok(who, &out);
        let n: u32 = text(&out.stdout).trim().parse().unwrap();
        // As root the cgroup also counts kiln's helper; the count itself forks nothing.
        assert!(n <= 21, "{who:?}: {n} processes despite --pids-max 20");
        assert!(
            n >= 10,
            "{who:?}: only {n} processes: the probe did not fork"
        );
    }
}

#[test]
fn memory_limit_kills_a_hog_as_root() {
    if !is_root() {
        skip("memory limits need root on this machine");
        return;
    }
    let out = sh(
        As::Me,
        &[
            s("--memory-max"),
            s("67108864"),
            s("--report"),
            s("--timeout"),
            s("30"),
        ],
        "head -c 300000000 /dev/zero | tail > /dev/null",
    );
    let stderr = text(&out.stderr);
    if stderr.contains("no cgroup memory controller") {
        skip(&format!("no memory cgroup controller: {stderr}"));
        return;
    }
    assert!(
        !out.status.success(),
        "a 300 MB tail survived a 64 MiB limit"
    );
    assert!(stderr.contains("\"oom_killed\":true"), "{stderr}");
}

#[test]
fn exit_status_is_forwarded() {
    for who in identities() {
        assert_eq!(sh(who, &[], "exit 7").status.code(), Some(7), "{who:?}");
        assert_eq!(
            sh(who, &[], "kill -9 $$").status.code(),
            Some(137),
            "{who:?}"
        );
    }
}

#[test]
fn missing_command_is_a_clear_error() {
    for who in identities() {
        let out = sh(who, &[], "true");
        assert_ok(who, &out);
        let out = kiln(who, &host_root(), &["no-such-builder"]);
        assert_eq!(out.status.code(), Some(1), "{who:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("cannot run no-such-builder") && stderr.contains("ENOENT"),
            "{who:?}: {stderr}"
        );
    }
}

/// A layer folder with one file `/layer-id` and `/only-<id>`.
fn layer(root: &Path, id: usize) -> std::path::PathBuf {
    let dir = root.join(format!(
        "layer-with-a-long-name-to-overflow-the-option-page-{id:04}"
    ));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("layer-id"), id.to_string()).unwrap();
    fs::write(dir.join(format!("only-{id}")), "").unwrap();
    dir
}

#[test]
fn layers_overlay_top_wins_and_stays_read_only() {
    for who in identities() {
        let dir = tempdir(who);
        // 150 layers with long paths overflow the legacy one-page mount option string.
        let n = 150;
        let mut opts = Vec::new();
        for id in 0..n {
            let l = layer(dir.path(), id);
            opts.extend([s("--layer"), l.display().to_string()]);
        }
        opts.extend(host_root());
        let out = kiln(
            who,
            &opts,
            &[
                "sh",
                "-c",
                "cat /layer-id; echo; ls / | grep -c '^only-'; echo x > /layer-id && exit 9; exit 0",
            ],
        );
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), format!("{}\n{n}\n", n - 1), "{who:?}");
    }
}

#[test]
fn too_many_layers_is_a_clear_error() {
    let dir = tempdir(As::Me);
    let mut opts = Vec::new();
    for _ in 0..600 {
        opts.extend([s("--layer"), dir.path().display().to_string()]);
    }
    let out = kiln(As::Me, &opts, &["true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("merge layers first"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn store_paths_are_mounted_read_only() {
    for who in identities() {
        let store = tempdir(who);
        for name in ["aaaa-one", "bbbb-two", "cccc-hidden"] {
            fs::create_dir(store.path().join(name)).unwrap();
            fs::write(store.path().join(name).join("file"), name).unwrap();
        }
        let out = sh(
            who,
            &[
                s("--store-dir"),
                store.path().display().to_string(),
                s("--store-path"),
                s("aaaa-one"),
                s("--store-path"),
                s("bbbb-two"),
            ],
            "ls /kiln/store; cat /kiln/store/bbbb-two/file; echo; \
             touch /kiln/store/aaaa-one/x && exit 9; touch /kiln/store/new && exit 10; exit 0",
        );
        assert_ok(who, &out);
        assert_eq!(
            text(&out.stdout),
            "aaaa-one\nbbbb-two\nbbbb-two\n",
            "{who:?}"
        );
    }
}

#[test]
fn writable_binds_and_tmp_work() {
    for who in identities() {
        let out_dir = tempdir(who);
        let out = sh(
            who,
            &[
                s("--rw-bind"),
                format!("{}:/kiln/store/hash-out", out_dir.path().display()),
                s("--tmpfs"),
                s("/build"),
                s("--cwd"),
                s("/build"),
            ],
            "echo hi > /kiln/store/hash-out/result && echo tmp > /tmp/t && echo b > b && \
             stat -c %a /tmp && pwd",
        );
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), "1777\n/build\n", "{who:?}");
        let written = out_dir.path().join("result");
        assert_eq!(fs::read_to_string(&written).unwrap(), "hi\n");
        let owner = fs::metadata(&written).unwrap().uid();
        let expected = if who == As::Nobody { NOBODY } else { 0 };
        assert_eq!(owner, expected, "{who:?}: output owned by the caller");
    }
}

#[test]
fn direct_mode_and_root_inside() {
    for who in identities() {
        let mut opts = host_root();
        opts.push(s("--direct"));
        let out = kiln(
            who,
            &opts,
            &[
                "sh",
                "-c",
                "echo $$; id -u; uname -n; mount -t tmpfs none /tmp && exit 9; exit 0",
            ],
        );
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), "2\n1000\nlocalhost\n", "{who:?}");
        // uid 0 inside: root of the container, which may mount inside it, but nothing more.
        let mut opts = host_root();
        opts.extend([s("--uid"), s("0"), s("--gid"), s("0")]);
        let out = kiln(
            who,
            &opts,
            &[
                "sh",
                "-c",
                "id -u; mount -t tmpfs none /tmp && touch /tmp/x && ls /tmp",
            ],
        );
        assert_ok(who, &out);
        assert_eq!(text(&out.stdout), "0\nx\n", "{who:?}");
    }
}
