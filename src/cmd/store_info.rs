//! `kiln store info PATH`

use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln store info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A store path (`/kiln/store/...`, a basename, or a link into the store such as `result`).
    path: String,
}

/// Prints the path's metadata, one field per line.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let path = store.parse_path_arg(&args.path)?;
    let info = store.info(&path)?;
    let references = store.references(&path)?;
    let closure = store.closure([&path])?;
    let mut closure_size = 0;
    for p in &closure {
        closure_size += store.info(p)?.nar_size;
    }
    let referrers = store.referrers(&path)?;
    println!("path:          {path}");
    println!("host path:     {}", store.host_path(&path).display());
    println!("content hash:  blake3:{}", info.content_hash);
    println!(
        "step hash:     {}",
        info.step_hash.as_deref().unwrap_or("-")
    );
    println!("size:          {} bytes", info.nar_size);
    println!(
        "closure size:  {closure_size} bytes in {} paths",
        closure.len()
    );
    println!("registered:    {}", format_utc(info.registered_at));
    println!("references:    {}", references.len());
    for r in &references {
        println!("  {r}");
    }
    println!("referrers:     {}", referrers.len());
    for r in &referrers {
        println!("  {r}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC` (Howard Hinnant's civil-from-days).
fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc() {
        assert_eq!(super::format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::format_utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }
}
