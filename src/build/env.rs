//! The environment of a build step (documented in `docs/build.md`).

use std::collections::BTreeMap;

use crate::plan::Step;

/// The folder a step builds in, and its working directory.
pub const BUILD_DIR: &str = "/build";

/// Folders of a root filesystem (rootfs layers or host paths) searched after the inputs'.
pub const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `PATH` when there is nothing to put in it, as in Nix.
pub const NO_PATH: &str = "/path-not-set";

/// `SOURCE_DATE_EPOCH`: 1980-01-01, the earliest time zip files can hold (as nixpkgs).
pub const SOURCE_DATE_EPOCH: &str = "315532800";

/// The complete environment of `step`.
///
/// `input_bins` are the `/kiln/store/<input>/bin` folders that exist, in input order;
/// `has_root` says whether the step has a root filesystem (layers or host paths);
/// `pass_as_file` maps variables passed as files to the file that holds them.
///
/// Order: kiln's defaults (`PATH`, `SOURCE_DATE_EPOCH`, `TZ`, `LANG`, `TERM`), which the step's
/// own environment may override; then the step's environment; then what describes the sandbox
/// and cannot be overridden (`HOME`, `TMPDIR`, `TMP`, `TEMP`, `PWD`, outputs,
/// `KILN_BUILD_CORES`).
pub fn step_env(
    step: &Step,
    input_bins: &[String],
    has_root: bool,
    cores: usize,
    pass_as_file: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut path: Vec<&str> = input_bins.iter().map(String::as_str).collect();
    if has_root {
        path.push(ROOT_PATH);
    }
    let path = if path.is_empty() {
        NO_PATH.to_string()
    } else {
        path.join(":")
    };
    let defaults = [
        ("PATH", path.as_str()),
        ("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH),
        ("TZ", "UTC"),
        ("LANG", "C.UTF-8"),
        ("TERM", "xterm-256color"),
    ];
    for (k, v) in defaults {
        env.insert(k.to_string(), v.to_string());
    }
    for (k, v) in &step.env {
        if pass_as_file.contains_key(k) {
            continue;
        }
        env.insert(k.clone(), v.clone());
    }
    for (k, file) in pass_as_file {
        env.insert(format!("{k}Path"), file.clone());
    }
    for k in ["TMPDIR", "TMP", "TEMP", "PWD"] {
        env.insert(k.to_string(), BUILD_DIR.to_string());
    }
    env.insert("HOME".into(), "/homeless-shelter".into());
    for (name, path) in &step.outputs {
        env.insert(name.clone(), path.clone());
    }
    env.insert("KILN_BUILD_CORES".into(), cores.to_string());
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> Step {
        let mut env = BTreeMap::new();
        env.insert("HOME".to_string(), "/root".to_string());
        env.insert("PATH".to_string(), "/mine".to_string());
        env.insert("name".to_string(), "x".to_string());
        env.insert("big".to_string(), "data".to_string());
        let mut outputs = BTreeMap::new();
        outputs.insert("out".to_string(), "/kiln/store/a-x".to_string());
        outputs.insert("dev".to_string(), "/kiln/store/a-x-dev".to_string());
        Step {
            hash: String::new(),
            drv_path: String::new(),
            name: "x".into(),
            system: "x86_64-linux".into(),
            builder: "/bin/sh".into(),
            args: vec![],
            env,
            inputs: Default::default(),
            input_sources: Default::default(),
            rootfs: vec![],
            outputs,
            output_names: vec!["out".into(), "dev".into()],
            host_paths: vec![],
            fixed_output: None,
            timeout: None,
            pass_as_file: vec!["big".into()],
            flags: Default::default(),
        }
    }

    #[test]
    fn sandbox_variables_win_and_defaults_yield() {
        let mut files = BTreeMap::new();
        files.insert("big".to_string(), "/build/.attr-big".to_string());
        let env = step_env(&step(), &[], false, 3, &files);
        let got: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            got,
            [
                "HOME=/homeless-shelter",
                "KILN_BUILD_CORES=3",
                "LANG=C.UTF-8",
                "PATH=/mine",
                "PWD=/build",
                "SOURCE_DATE_EPOCH=315532800",
                "TEMP=/build",
                "TERM=xterm-256color",
                "TMP=/build",
                "TMPDIR=/build",
                "TZ=UTC",
                "bigPath=/build/.attr-big",
                "dev=/kiln/store/a-x-dev",
                "name=x",
                "out=/kiln/store/a-x",
            ]
        );
    }

    #[test]
    fn path_lists_input_bins_then_the_root() {
        let mut s = step();
        s.env.remove("PATH");
        let bins = vec!["/kiln/store/b-y/bin".to_string()];
        let env = step_env(&s, &bins, true, 1, &BTreeMap::new());
        assert_eq!(env["PATH"], format!("/kiln/store/b-y/bin:{ROOT_PATH}"));
        let env = step_env(&s, &[], false, 1, &BTreeMap::new());
        assert_eq!(env["PATH"], NO_PATH);
    }
}
