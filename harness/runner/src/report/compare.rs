//! Comparing two runs: what broke, what was fixed, what else changed.
//!
//! Cases are matched by id; a journal that repeats an id is compared by its first record
//! (the one whose page is `cases/<case_file_name(id)>`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{case_file_name, expectation_class, utc_date, write, ReportError};
use crate::journal::{CaseRecord, JournalContents};
use crate::verdict::Verdict;

pub const COMPARISON_HTML: &str = "comparison.html";
pub const COMPARISON_JSON: &str = "comparison.json";

/// One side of a comparison, to tell the runs apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub seed: u64,
    pub started_at: i64,
    pub started_at_utc: String,
    pub command: String,
    pub cases: usize,
}

/// One case whose standing differs between the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseChange {
    pub id: String,
    pub title: String,
    /// Status in the base run (`pass`, `fail (expected-fail)`, …); `None` when absent.
    pub before: Option<String>,
    /// Status in the other run; `None` when absent.
    pub after: Option<String>,
    /// The other run's reason (or the base's, for a removed case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What changed from `base` to `other`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub schema: u32,
    pub base: RunRef,
    pub other: RunRef,
    /// Now an unexpected inconclusive / fail / error; before: passing, not applicable, an
    /// expected failure, or absent (an added case that fails is also listed in `added`).
    pub new_failures: Vec<CaseChange>,
    /// Was inconclusive / fail / error, now passes.
    pub fixed: Vec<CaseChange>,
    /// Any other change of outcome or expectation standing of a case in both runs.
    pub changed: Vec<CaseChange>,
    /// In `other` only.
    pub added: Vec<CaseChange>,
    /// In `base` only.
    pub removed: Vec<CaseChange>,
}

/// A case's standing: outcome, plus its expectation mark when it has one that matters.
fn status(c: &CaseRecord) -> String {
    match expectation_class(c) {
        Some(x @ ("expected-fail" | "expected-fail-passed")) => {
            format!("{} ({x})", c.outcome.name())
        }
        _ => c.outcome.name().to_owned(),
    }
}

/// Counts against the run: a bad verdict that is not an expected failure.
fn is_unexpected_bad(c: &CaseRecord) -> bool {
    c.outcome.verdict() > Some(Verdict::Pass) && expectation_class(c) != Some("expected-fail")
}

fn run_ref(j: &JournalContents) -> RunRef {
    RunRef {
        seed: j.header.seed,
        started_at: j.header.started_at,
        started_at_utc: utc_date(j.header.started_at),
        command: j.header.command.clone(),
        cases: j.cases.len(),
    }
}

fn first_by_id(j: &JournalContents) -> HashMap<&str, &CaseRecord> {
    let mut m = HashMap::new();
    for c in &j.cases {
        m.entry(c.id.as_str()).or_insert(c);
    }
    m
}

/// Compares `other` (usually the newer run) against `base`.
pub fn compare(base: &JournalContents, other: &JournalContents) -> Comparison {
    let before = first_by_id(base);
    let after = first_by_id(other);
    let mut cmp = Comparison {
        schema: crate::journal::SCHEMA_VERSION,
        base: run_ref(base),
        other: run_ref(other),
        new_failures: vec![],
        fixed: vec![],
        changed: vec![],
        added: vec![],
        removed: vec![],
    };
    let change = |id: &str, b: Option<&CaseRecord>, a: Option<&CaseRecord>| CaseChange {
        id: id.to_owned(),
        title: a.or(b).map(|c| c.meta.title.clone()).unwrap_or_default(),
        before: b.map(status),
        after: a.map(status),
        reason: a.or(b).and_then(|c| c.outcome.reason()).map(str::to_owned),
    };
    // Ordered by id so the lists are stable whatever the journal order.
    let ids: BTreeMap<&str, ()> = before
        .keys()
        .chain(after.keys())
        .map(|&k| (k, ()))
        .collect();
    for &id in ids.keys() {
        let (b, a) = (before.get(id).copied(), after.get(id).copied());
        let ch = change(id, b, a);
        match (b, a) {
            (None, Some(a)) => {
                if is_unexpected_bad(a) {
                    cmp.new_failures.push(ch.clone());
                }
                cmp.added.push(ch);
            }
            (Some(_), None) => cmp.removed.push(ch),
            (Some(b), Some(a)) => {
                if is_unexpected_bad(a) && !is_unexpected_bad(b) {
                    cmp.new_failures.push(ch);
                } else if b.outcome.verdict() > Some(Verdict::Pass)
                    && a.outcome.verdict() == Some(Verdict::Pass)
                {
                    cmp.fixed.push(ch);
                } else if ch.before != ch.after {
                    cmp.changed.push(ch);
                }
            }
            (None, None) => {}
        }
    }
    cmp
}

impl Comparison {
    /// Whether anything got worse (for callers that gate on it; `rspcheck report` does not).
    pub fn has_new_failures(&self) -> bool {
        !self.new_failures.is_empty()
    }

    /// The lists as named sections, in display order.
    pub fn sections(&self) -> [(&'static str, &[CaseChange]); 5] {
        [
            ("new failures", &self.new_failures),
            ("fixed", &self.fixed),
            ("changed", &self.changed),
            ("added", &self.added),
            ("removed", &self.removed),
        ]
    }

    /// A plain-text summary for the terminal.
    pub fn render_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "comparing run of {} (seed {}, {} cases) -> run of {} (seed {}, {} cases)",
            self.base.started_at_utc,
            self.base.seed,
            self.base.cases,
            self.other.started_at_utc,
            self.other.seed,
            self.other.cases,
        );
        for (name, list) in self.sections() {
            let _ = writeln!(t, "{name}: {}", list.len());
            for c in list {
                let _ = write!(
                    t,
                    "  {}: {} -> {}",
                    printable(&c.id),
                    c.before.as_deref().unwrap_or("absent"),
                    c.after.as_deref().unwrap_or("absent"),
                );
                match &c.reason {
                    Some(r) => {
                        let _ = writeln!(t, " ({})", printable(r));
                    }
                    None => t.push('\n'),
                }
            }
        }
        t
    }
}

/// Untrusted text for a terminal: control characters (escape sequences) shown, not obeyed.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// What [`write_comparison`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparisonPaths {
    pub json: PathBuf,
    pub html: PathBuf,
}

/// Writes `comparison.json` and `comparison.html` into `run_dir` (the `other` run's). Call
/// before [`super::write_all`] so the index links the comparison.
pub fn write_comparison(run_dir: &Path, cmp: &Comparison) -> Result<ComparisonPaths, ReportError> {
    super::create_dir(run_dir)?;
    let json = run_dir.join(COMPARISON_JSON);
    let mut bytes = serde_json::to_vec_pretty(cmp).map_err(|source| ReportError::Json {
        what: COMPARISON_JSON,
        source,
    })?;
    bytes.push(b'\n');
    write(&json, &bytes)?;
    let html = run_dir.join(COMPARISON_HTML);
    write(&html, super::html::comparison_page(cmp)?.as_bytes())?;
    Ok(ComparisonPaths { json, html })
}

/// The page of a case of the `other` run, relative to the run directory (none if removed).
pub(crate) fn case_href(change: &CaseChange) -> Option<String> {
    change
        .after
        .as_ref()
        .map(|_| format!("cases/{}", case_file_name(&change.id)))
}
