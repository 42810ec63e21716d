//! `kiln log PATH`: prints the build log of a store path (an output path, `/kiln/store/...`, a
//! bare `<hash>-<name>` or a link such as `result`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::store::Store;

/// Arguments of `kiln log`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The output whose log to print.
    path: String,
    /// Print the log of the last `--check` rebuild instead.
    #[arg(long)]
    check: bool,
}

/// Prints the log; an error if there is none.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let path = store.parse_path_arg(&args.path)?;
    let suffix = if args.check { ".check.log" } else { ".log" };
    let log = store
        .logs_dir()
        .join(format!("{}{suffix}", path.base_name()));
    let text = std::fs::read(&log)
        .with_context(|| format!("no build log for {path} (looked for {})", log.display()))?;
    std::io::stdout()
        .lock()
        .write_all(&text)
        .context("cannot write the log")?;
    Ok(ExitCode::SUCCESS)
}
