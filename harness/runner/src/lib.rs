//! rspcheck scenario engine, ICS, DUT adapters, verdicts, mutation, live fuzzing, results, reports.
//!
//! - [`scenario`]: the TOML suites; [`engine`]: plans and runs cases against a DUT in a fresh
//!   [`world`] per case, with the [`actions`] library; [`selftest`]: the reference DUTs;
//! - [`randomness`]: the statistical check of server-issued identifiers, [`tls_probe`]: legacy
//!   TLS handshakes (security suite);
//! - [`verdict`]: TTCN-3 verdicts that only get worse within a case, and case outcomes;
//! - [`journal`]: the results journal (JSON lines, synced per case, resumable after a kill);
//! - [`expectations`]: known failures per DUT, with expected-fail-passed and stale entries;
//! - [`applies`]: `applies_if` expressions over ICS options;
//! - [`ics`]: the ICS file, its declared options and the per-role template;
//! - [`report`]: `results.json`, `junit.xml` and the HTML report rendered from a journal, and
//!   the comparison of two runs.

pub mod actions;
pub mod applies;
pub mod asn1_binding;
pub mod compat;
pub mod engine;
pub mod expectations;
pub mod fuzz;
pub mod ics;
pub mod journal;
pub mod lpa_command;
pub mod randomness;
pub mod report;
pub mod scenario;
pub mod selftest;
pub mod sgp26;
pub mod tls_probe;
pub mod verdict;
pub mod world;
