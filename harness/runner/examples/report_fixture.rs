//! Writes a realistic run directory (journal of 12 cases covering every outcome, and its
//! reports) for CI's browser check: `cargo run -p rsp-runner --example report_fixture -- DIR`.

#[path = "../tests/report_support/fixture.rs"]
mod report_fixture;

use std::path::PathBuf;
use std::process::ExitCode;

use rsp_runner::{journal, report};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: report_fixture OUTDIR");
        return ExitCode::from(2);
    };
    let run = || -> Result<report::ReportPaths, Box<dyn std::error::Error>> {
        report_fixture::write_journal(&dir)?;
        let contents = journal::read(&dir.join(journal::JOURNAL_FILE))?;
        Ok(report::write_all(
            &dir,
            &contents,
            &report::ReportOptions::default(),
        )?)
    };
    match run() {
        Ok(paths) => {
            println!("{}", paths.index_html.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("report_fixture: {e}");
            ExitCode::FAILURE
        }
    }
}
