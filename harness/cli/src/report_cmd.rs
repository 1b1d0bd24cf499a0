//! `rspcheck report RUN_DIR [--against OTHER_RUN]`: re-renders a run directory's reports from
//! its journal and, with `--against`, compares the two runs (OTHER_RUN is the base).

use std::path::Path;

use rsp_runner::journal::{self, JournalContents};
use rsp_runner::report::{self, ReportOptions};

use crate::Failure;

fn read(run_dir: &Path) -> Result<JournalContents, Failure> {
    let contents = journal::read(&run_dir.join(journal::JOURNAL_FILE))
        .map_err(|e| Failure(e.to_string(), 2))?;
    if contents.torn_bytes > 0 {
        eprintln!(
            "rspcheck: {}: the journal ends in a line cut off mid-write ({} bytes): the run was interrupted",
            run_dir.display(),
            contents.torn_bytes
        );
    }
    Ok(contents)
}

/// Differences between the runs are printed, not an error: exit 0 whenever both were read.
pub fn report(run_dir: &Path, against: Option<&Path>, reveal_secrets: bool) -> Result<(), Failure> {
    let contents = read(run_dir)?;
    let comparison = match against {
        Some(base_dir) => {
            let base = read(base_dir)?;
            let cmp = report::compare(&base, &contents);
            // Before write_all, so the index links it.
            let written =
                report::write_comparison(run_dir, &cmp).map_err(|e| Failure(e.to_string(), 1))?;
            Some((cmp, written))
        }
        None => None,
    };
    let paths = report::write_all(run_dir, &contents, &ReportOptions { reveal_secrets })
        .map_err(|e| Failure(e.to_string(), 1))?;
    println!("{}", paths.index_html.display());
    println!("{}", paths.results_json.display());
    println!("{}", paths.junit_xml.display());
    println!(
        "{} case pages in {}",
        paths.cases.len(),
        run_dir.join("cases").display()
    );
    if let Some((cmp, written)) = comparison {
        println!("{}", written.html.display());
        println!("{}", written.json.display());
        println!();
        print!("{}", cmp.render_text());
    }
    Ok(())
}
