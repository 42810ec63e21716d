//! `kiln gc [--dry-run]`

use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln gc`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only print what would be deleted.
    #[arg(long)]
    dry_run: bool,
}

/// Collects garbage and prints each deleted path and the total freed.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let report = store.gc(args.dry_run)?;
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    for link in &report.dangling_roots {
        println!("{verb} dangling root {}", link.display());
    }
    for (path, size) in &report.deleted {
        println!("{verb} {path} ({size} bytes)");
    }
    for (name, size) in &report.garbage {
        println!("{verb} unregistered store/{name} ({size} bytes)");
    }
    println!(
        "{} {} paths, {} bytes",
        if args.dry_run { "would free" } else { "freed" },
        report.deleted.len() + report.garbage.len(),
        report.bytes_freed
    );
    Ok(ExitCode::SUCCESS)
}
