//! Setting up an evaluation: host, search path, the embedded standard library,
//! and a thread with a stack large enough for deep recursion.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::Result;
use kiln_lang::Eval;

use crate::plan::host::{PlanHost, PlanState};

/// Stack of the evaluation thread. Only touched pages cost memory, so a large
/// reservation is cheap; it lets programs recurse about 10× deeper than Nix.
const EVAL_STACK: usize = 4 << 30;

/// Headroom kept free below the limit for the code that reports the overflow.
const STACK_MARGIN: usize = 64 << 20;

/// Runs `f` on a thread with a large stack and returns its result.
pub fn with_big_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .name("kiln-eval".into())
        .stack_size(EVAL_STACK)
        .spawn(f)
        .expect("cannot start the evaluation thread")
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Search path options as given on the command line.
#[derive(Clone, Debug, Default)]
pub struct SearchPathArgs {
    /// `-I` entries: `PREFIX=PATH` or `PATH`.
    pub include: Vec<String>,
}

/// Splits `prefix=path` or `path` search path entries.
fn parse_entry(entry: &str, cwd: &Path) -> (String, String) {
    let (prefix, path) = match entry.split_once('=') {
        Some((p, rest)) => (p.to_string(), rest.to_string()),
        None => (String::new(), entry.to_string()),
    };
    let abs = if path.starts_with('/') || path.contains("://") {
        path
    } else {
        cwd.join(path).to_string_lossy().into_owned()
    };
    (prefix, abs)
}

/// A new evaluator with the plan host (the real filesystem, derivations
/// recorded as steps, sources copied into the store at `store`, default: the
/// usual location, opened on first use), with the search path from `-I`,
/// then `$KILN_PATH` (or `$NIX_PATH` when that is unset), then
/// `kiln=<embedded stdlib>`. Returns the plan state too.
pub fn new_eval(search: &SearchPathArgs, store: Option<PathBuf>) -> Result<(Eval, Rc<PlanState>)> {
    let (host, state) = PlanHost::new(store);
    let mut ev = Eval::new(Box::new(host), EVAL_STACK - STACK_MARGIN);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut entries: Vec<(String, String)> = search
        .include
        .iter()
        .map(|e| parse_entry(e, &cwd))
        .collect();
    let env_path = std::env::var("KILN_PATH")
        .ok()
        .or_else(|| std::env::var("NIX_PATH").ok())
        .unwrap_or_default();
    entries.extend(
        env_path
            .split(':')
            .filter(|e| !e.is_empty())
            .map(|e| parse_entry(e, &cwd)),
    );
    kiln_lang::builtins::set_search_path(&mut ev, &entries);
    let stdlib = crate::stdlib::stdlib_dir()?;
    let stdlib = stdlib.to_string_lossy().into_owned();
    // `<nix/fetchurl.nix>` is built into Nix; kiln keeps its own copy beside the stdlib.
    ev.builtin_search_path = vec![
        ("kiln".to_string(), stdlib.clone()),
        ("nix".to_string(), format!("{stdlib}/nix")),
    ];
    Ok((ev, state))
}
