//! Reports (DESIGN §6): everything a run directory shows, rendered from its journal alone.
//!
//! [`write_all`] writes, next to `journal.jsonl`:
//! - `results.json` — the stable, versioned summary ([`summary::Results`]);
//! - `junit.xml` — for CI systems ([`junit`]);
//! - `index.html`, `cases/<file>.html`, `assets/report.css`, `assets/report.js` — the HTML
//!   report ([`html`]): static, relative links only, readable from `file://` with JS off.
//!
//! [`compare`] compares two runs (new failures, fixed, changed, added, removed);
//! [`write_comparison`] writes `comparison.json` and `comparison.html` into a run directory,
//! and the index links the latter when it is there.
//!
//! Everything in a journal is untrusted (it is read from disk, and ids, reasons and messages
//! come from scenario files and DUTs): HTML is escaped by askama's default escaper, XML by
//! [`junit::xml_escape`], and case file names by [`case_file_name`], which keeps them inside
//! `cases/`. Bad content renders as text; nothing in it makes rendering panic.

pub mod compare;
pub mod compat;
pub mod html;
pub mod junit;
pub mod summary;

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::journal::{CaseRecord, ExpectationMark, JournalContents};
use crate::verdict::Verdict;

pub use compare::{compare, write_comparison, CaseChange, Comparison, ComparisonPaths};
pub use summary::{ExpectationCounts, OutcomeCounts, Results, Totals};

/// How to render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// The records carry secrets (the run was asked to reveal them): the index says so in a
    /// banner. Rendering never un-redacts anything; the engine redacts before journaling.
    pub reveal_secrets: bool,
}

/// What [`write_all`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    pub results_json: PathBuf,
    pub junit_xml: PathBuf,
    pub index_html: PathBuf,
    /// One page per case record, in journal order.
    pub cases: Vec<PathBuf>,
    pub assets: Vec<PathBuf>,
}

impl ReportPaths {
    /// Every file written, summary files first.
    pub fn all(&self) -> impl Iterator<Item = &Path> {
        [&self.results_json, &self.junit_xml, &self.index_html]
            .into_iter()
            .chain(&self.assets)
            .chain(&self.cases)
            .map(PathBuf::as_path)
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("rendering {what}: {source}")]
    Render {
        what: String,
        #[source]
        source: askama::Error,
    },
    #[error("serialising {what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// The stylesheet and script every page links (no CDN, no external fetches).
pub const REPORT_CSS: &str = include_str!("../../../../reports/assets/report.css");
pub const REPORT_JS: &str = include_str!("../../../../reports/assets/report.js");

/// Renders every report of `run_dir` from `contents` (its journal, already read).
pub fn write_all(
    run_dir: &Path,
    contents: &JournalContents,
    opts: &ReportOptions,
) -> Result<ReportPaths, ReportError> {
    let assets_dir = run_dir.join("assets");
    let cases_dir = run_dir.join("cases");
    create_dir(&assets_dir)?;
    create_dir(&cases_dir)?;

    let css = assets_dir.join("report.css");
    write(&css, REPORT_CSS.as_bytes())?;
    let js = assets_dir.join("report.js");
    write(&js, REPORT_JS.as_bytes())?;

    let results = Results::new(contents, opts);
    let results_json = run_dir.join("results.json");
    let mut json = serde_json::to_vec_pretty(&results).map_err(|source| ReportError::Json {
        what: "results.json",
        source,
    })?;
    json.push(b'\n');
    write(&results_json, &json)?;

    let junit_xml = run_dir.join("junit.xml");
    write(&junit_xml, junit::render(contents).as_bytes())?;

    let names = case_file_names(&contents.cases);
    let mut cases = Vec::with_capacity(contents.cases.len());
    for (case, name) in contents.cases.iter().zip(&names) {
        let path = cases_dir.join(name);
        write(&path, html::case_page(contents, case, opts)?.as_bytes())?;
        cases.push(path);
    }

    let comparison = run_dir
        .join(compare::COMPARISON_HTML)
        .is_file()
        .then_some(compare::COMPARISON_HTML);
    let compat_page = compat::page(contents, &names, opts)?;
    if let Some(page) = &compat_page {
        write(&run_dir.join(compat::COMPAT_HTML), page.as_bytes())?;
    }
    let index_html = run_dir.join("index.html");
    write(
        &index_html,
        html::index_page(
            contents,
            &names,
            &results.totals,
            comparison,
            compat_page.is_some().then_some(compat::COMPAT_HTML),
            fuzz_campaigns(run_dir),
            opts,
        )?
        .as_bytes(),
    )?;

    Ok(ReportPaths {
        results_json,
        junit_xml,
        index_html,
        cases,
        assets: vec![css, js],
    })
}

/// The run's live-fuzz campaigns: `fuzz-<role>/` folders holding `fuzz/campaign.json`.
fn fuzz_campaigns(run_dir: &Path) -> Vec<html::FuzzLink> {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("fuzz-"))
        })
        .collect();
    dirs.sort();
    dirs.iter()
        .filter_map(|d| {
            let s = crate::fuzz::store::load_summary(&d.join("fuzz/campaign.json")).ok()?;
            let name = d.file_name()?.to_str()?.to_owned();
            Some(html::FuzzLink {
                role: s.role.clone(),
                iterations: s.iterations,
                rate: format!("{:.1}", s.per_second),
                findings: s.findings.len(),
                stopped: s.stopped.unwrap_or_default(),
                href: format!("{name}/index.html"),
            })
        })
        .collect()
}

fn create_dir(path: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(path).map_err(|source| ReportError::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    std::fs::write(path, bytes).map_err(|source| ReportError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Longest sanitised id kept in a file name (plus hash and `.html`: well under NAME_MAX).
const MAX_NAME_STEM: usize = 80;

/// The page name of case `id` inside `cases/`: the id when it is made of `[A-Za-z0-9._-]`,
/// does not start with `.` and is short; otherwise the sanitised, shortened id plus a hash
/// of the whole id, so distinct ids stay distinct. Never contains `/`, `\`, NUL or `..` at
/// the start, so it cannot leave `cases/`.
pub fn case_file_name(id: &str) -> String {
    let mut stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.starts_with('.') {
        stem.replace_range(0..1, "_");
    }
    let changed = stem != id || stem.is_empty();
    stem.truncate(MAX_NAME_STEM);
    if changed || id.len() > MAX_NAME_STEM {
        if stem.is_empty() {
            stem.push_str("case");
        }
        format!("{stem}-{:08x}.html", fnv1a(id.as_bytes()) as u32)
    } else {
        format!("{stem}.html")
    }
}

/// [`case_file_name`] for each record; a repeated id (which a sane journal does not have)
/// gets `-2`, `-3`, … so no page overwrites another.
pub fn case_file_names(cases: &[CaseRecord]) -> Vec<String> {
    let mut used = HashSet::new();
    cases
        .iter()
        .map(|c| {
            let base = case_file_name(&c.id);
            let mut name = base.clone();
            let mut n = 1;
            while !used.insert(name.clone()) {
                n += 1;
                name = format!("{}-{n}.html", base.trim_end_matches(".html"));
            }
            name
        })
        .collect()
}

/// FNV-1a: stable across Rust versions (unlike `DefaultHasher`), so names are reproducible.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How a case stands against its expectations, as one CSS/JSON-friendly word.
pub fn expectation_class(case: &CaseRecord) -> Option<&'static str> {
    match (&case.expectation, case.outcome.verdict()) {
        (Some(ExpectationMark::ExpectedFail { .. }), _) => Some("expected-fail"),
        (Some(ExpectationMark::ExpectedFailPassed { .. }), _) => Some("expected-fail-passed"),
        // No mark (e.g. no expectations file): a bad verdict is still unexpected; a pass or
        // not-applicable marked unexpected (an inconsistent record) is shown as it is.
        (Some(ExpectationMark::Unexpected) | None, Some(v)) if v > Verdict::Pass => {
            Some("unexpected")
        }
        (Some(ExpectationMark::Unexpected) | None, _) => None,
    }
}

/// The run's start as `YYYY-MM-DD HH:MM:SS UTC` (or the raw number when out of range).
pub fn utc_date(unix: i64) -> String {
    // ±10,000 years keeps the civil-date arithmetic far from overflow.
    const LIMIT: i64 = 10_000 * 366 * 86_400;
    if !(-LIMIT..=LIMIT).contains(&unix) {
        return format!("{unix} (Unix seconds)");
    }
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
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
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A duration for people: `850 µs`, `12.3 ms`, `1.234 s`.
pub fn human_duration(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else {
        format!("{:.3} s", us as f64 / 1e6)
    }
}

#[cfg(test)]
pub(crate) mod tests;
