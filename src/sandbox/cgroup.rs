//! Memory and pid limits through cgroups (cgroups(7)), for callers that may configure them
//! (root). Pure cgroup v2 uses `memory.max`/`pids.max` under `/sys/fs/cgroup/kiln`; a v1 or
//! hybrid layout (v2 without controllers, as on the development machines) uses the v1
//! `memory` and `pids` hierarchies under `<controller>/kiln`.
//!
//! The caller creates the group, moves the helper into it before the helper forks (children
//! inherit the cgroup) and removes it once the helper has exited.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::Limits;

const ROOT: &str = "/sys/fs/cgroup";

/// Failures to set up a cgroup.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A cgroup file or directory could not be written.
    #[error("cgroup {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The machine has no controller for a requested limit.
    #[error("no cgroup {0} controller under {ROOT}: cannot enforce the {0} limit")]
    Missing(&'static str),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CgroupError + '_ {
    move |source| CgroupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    fs::write(path, value).map_err(io_err(path))
}

fn mkdir(path: &Path) -> Result<(), CgroupError> {
    match fs::create_dir(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

/// The cgroup directories of one container.
#[derive(Debug)]
pub struct Group {
    dirs: Vec<PathBuf>,
    /// The directory holding the memory controller's files, if a memory limit was set.
    memory: Option<PathBuf>,
    v2: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl Group {
    /// Creates a cgroup with `limits`; `None` when no limit is requested.
    pub fn create(limits: &Limits) -> Result<Option<Group>, CgroupError> {
        if limits.memory.is_none() && limits.pids.is_none() {
            return Ok(None);
        }
        let name = format!(
            "{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let root = Path::new(ROOT);
        let wanted: Vec<(&'static str, u64)> = [("memory", limits.memory), ("pids", limits.pids)]
            .into_iter()
            .filter_map(|(c, v)| v.map(|v| (c, v)))
            .collect();
        let controllers = root.join("cgroup.controllers");
        if let Ok(available) = fs::read_to_string(&controllers) {
            // Pure v2: enable the controllers down to kiln's subtree, then one leaf per container.
            for (c, _) in &wanted {
                if !available.split_whitespace().any(|a| a == *c) {
                    return Err(CgroupError::Missing(c));
                }
            }
            let enable: String = wanted.iter().map(|(c, _)| format!("+{c} ")).collect();
            write(&root.join("cgroup.subtree_control"), enable.trim_end())?;
            let kiln = root.join("kiln");
            mkdir(&kiln)?;
            write(&kiln.join("cgroup.subtree_control"), enable.trim_end())?;
            let dir = kiln.join(&name);
            mkdir(&dir)?;
            let group = Group {
                dirs: vec![dir.clone()],
                memory: limits.memory.map(|_| dir.clone()),
                v2: true,
            };
            for (c, v) in wanted {
                let file = if c == "memory" {
                    "memory.max"
                } else {
                    "pids.max"
                };
                write(&dir.join(file), &v.to_string())?;
            }
            return Ok(Some(group));
        }
        let mut group = Group {
            dirs: Vec::new(),
            memory: None,
            v2: false,
        };
        for (c, v) in wanted {
            let base = root.join(c);
            if !base.join("cgroup.procs").exists() {
                return Err(CgroupError::Missing(c));
            }
            mkdir(&base.join("kiln"))?;
            let dir = base.join("kiln").join(&name);
            mkdir(&dir)?;
            group.dirs.push(dir.clone());
            if c == "memory" {
                write(&dir.join("memory.limit_in_bytes"), &v.to_string())?;
                // Without swap accounting this file is absent; then swap is not limited.
                let _ = fs::write(dir.join("memory.memsw.limit_in_bytes"), v.to_string());
                group.memory = Some(dir);
            } else {
                write(&dir.join("pids.max"), &v.to_string())?;
            }
        }
        Ok(Some(group))
    }

    /// Moves process `pid` (and so its future children) into the group.
    pub fn add(&self, pid: u32) -> Result<(), CgroupError> {
        for dir in &self.dirs {
            write(&dir.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    /// Whether the memory controller killed a process of the group.
    pub fn oom_killed(&self) -> bool {
        let Some(dir) = &self.memory else {
            return false;
        };
        let file = if self.v2 {
            "memory.events"
        } else {
            "memory.oom_control"
        };
        fs::read_to_string(dir.join(file)).is_ok_and(|text| {
            text.lines().any(|l| {
                l.strip_prefix("oom_kill ")
                    .is_some_and(|n| n.trim().parse::<u64>().is_ok_and(|n| n > 0))
            })
        })
    }

    /// Removes the directories; the processes are gone, but the kernel may lag a moment.
    pub fn remove(self) {
        for dir in &self.dirs {
            for _ in 0..100 {
                match fs::remove_dir(dir) {
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                        std::thread::sleep(Duration::from_millis(2))
                    }
                    _ => break,
                }
            }
        }
    }
}
