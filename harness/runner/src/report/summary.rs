//! `results.json`: the run's summary in a stable, versioned schema.
//!
//! ```text
//! {
//!   "schema": 1,                      // journal::SCHEMA_VERSION; bumped on any incompatible change
//!   "run": {                          // the journal's run header, as journaled
//!     "schema": 1, "seed": u64, "dut": str, "selection": [str], "started_at": i64 (Unix s),
//!     "command": str, "duts": [{"role": str, "adapter": str, "identity": [[key, value]]}]
//!   },
//!   "started_at_utc": "YYYY-MM-DD HH:MM:SS UTC",
//!   "interrupted": bool,              // the journal ends in a line torn by a kill
//!   "secrets_revealed": bool,         // records may hold matching IDs, codes, keys
//!   "totals": Counts,                 // all cases
//!   "by_role": {role: Counts},        // keyed by case meta.dut ("unspecified" when empty)
//!   "by_interface": {interface: Counts},
//!   "expectations": {"expected_fail": n, "expected_fail_passed": n, "unexpected": n},
//!   "cases": [CaseRecord]             // every journal case line, in order, minus "kind"
//! }
//! Counts = {"total": n, "pass": n, "inconclusive": n, "fail": n, "error": n,
//!           "not-applicable": n}
//! ```
//!
//! `unexpected` counts cases with an inconclusive, fail or error verdict that are not an
//! expected failure (marked unexpected, or carrying no mark at all); `expected_fail_passed`
//! cases also make a run's exit status non-zero but are counted apart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{expectation_class, utc_date, ReportOptions};
use crate::journal::{CaseRecord, JournalContents, RunHeader, SCHEMA_VERSION};
use crate::verdict::{Outcome, Verdict};

/// Case counts by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    pub total: usize,
    pub pass: usize,
    pub inconclusive: usize,
    pub fail: usize,
    pub error: usize,
    #[serde(rename = "not-applicable")]
    pub not_applicable: usize,
}

impl OutcomeCounts {
    pub fn add(&mut self, outcome: &Outcome) {
        self.total += 1;
        *match outcome.verdict() {
            Some(Verdict::Pass) => &mut self.pass,
            Some(Verdict::Inconclusive) => &mut self.inconclusive,
            Some(Verdict::Fail) => &mut self.fail,
            Some(Verdict::Error) => &mut self.error,
            None => &mut self.not_applicable,
        } += 1;
    }

    /// The counts with their outcome names, in display order (best to worst, then n/a).
    pub fn named(&self) -> [(&'static str, usize); 5] {
        [
            ("pass", self.pass),
            ("inconclusive", self.inconclusive),
            ("fail", self.fail),
            ("error", self.error),
            ("not-applicable", self.not_applicable),
        ]
    }
}

/// Cases by how they stand against the expectations file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationCounts {
    pub expected_fail: usize,
    pub expected_fail_passed: usize,
    pub unexpected: usize,
}

/// The totals the index and `results.json` show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub totals: OutcomeCounts,
    pub by_role: BTreeMap<String, OutcomeCounts>,
    pub by_interface: BTreeMap<String, OutcomeCounts>,
    pub expectations: ExpectationCounts,
}

/// A role or interface name as a grouping key (never empty).
pub fn key(name: &str) -> String {
    if name.trim().is_empty() {
        "unspecified".to_owned()
    } else {
        name.to_owned()
    }
}

impl Totals {
    pub fn of(cases: &[CaseRecord]) -> Totals {
        let mut t = Totals::default();
        for c in cases {
            t.totals.add(&c.outcome);
            t.by_role
                .entry(key(&c.meta.dut))
                .or_default()
                .add(&c.outcome);
            t.by_interface
                .entry(key(&c.meta.interface))
                .or_default()
                .add(&c.outcome);
            match expectation_class(c) {
                Some("expected-fail") => t.expectations.expected_fail += 1,
                Some("expected-fail-passed") => t.expectations.expected_fail_passed += 1,
                Some("unexpected") => t.expectations.unexpected += 1,
                _ => {}
            }
        }
        t
    }
}

/// The document `results.json` holds (see the module doc for the schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Results {
    pub schema: u32,
    pub run: RunHeader,
    pub started_at_utc: String,
    pub interrupted: bool,
    pub secrets_revealed: bool,
    #[serde(flatten)]
    pub totals: Totals,
    pub cases: Vec<CaseRecord>,
}

impl Results {
    pub fn new(contents: &JournalContents, opts: &ReportOptions) -> Results {
        Results {
            schema: SCHEMA_VERSION,
            run: contents.header.clone(),
            started_at_utc: utc_date(contents.header.started_at),
            interrupted: contents.torn_bytes > 0,
            secrets_revealed: secrets_revealed(&contents.header, opts),
            totals: Totals::of(&contents.cases),
            cases: contents.cases.clone(),
        }
    }
}

/// Whether to warn that records hold secrets: asked for, or visible in the run's command line
/// (a re-render without the flag must not hide that the journal was written revealing them).
pub fn secrets_revealed(header: &RunHeader, opts: &ReportOptions) -> bool {
    opts.reveal_secrets
        || header
            .command
            .split_whitespace()
            .any(|w| matches!(w, "--reveal-secrets" | "--show-secrets"))
}
