//! `kiln store verify [--all | PATH...]`

use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln store verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check every valid path.
    #[arg(long, conflicts_with = "paths")]
    all: bool,
    /// Store paths to check (`/kiln/store/...`, a basename, or a link into the store).
    #[arg(required_unless_present = "all")]
    paths: Vec<String>,
}

/// Prints one line per problem and a summary; exit code 1 if anything is corrupt or missing.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let paths = if args.all {
        None
    } else {
        Some(
            args.paths
                .iter()
                .map(|p| store.parse_path_arg(p))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    let report = store.verify(paths.as_deref())?;
    for c in &report.corrupt {
        println!(
            "corrupt: {} (recorded content hash {}, now {})",
            c.path, c.expected, c.actual
        );
    }
    for m in &report.missing {
        println!("missing: {m}");
    }
    println!(
        "checked {} paths: {} corrupt, {} missing",
        report.n_checked,
        report.corrupt.len(),
        report.missing.len()
    );
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
