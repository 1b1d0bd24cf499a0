//! rspcheck scenario engine, ICS, DUT adapters, verdicts, mutation, live fuzzing, results, reports.
//!
//! Built so far (issue 8 in progress): the pieces of the engine that do not depend on the
//! scenario format —
//! - [`verdict`]: TTCN-3 verdicts that only get worse within a case, and case outcomes;
//! - [`journal`]: the results journal (JSON lines, synced per case, resumable after a kill);
//! - [`expectations`]: known failures per DUT, with expected-fail-passed and stale entries;
//! - [`applies`]: `applies_if` expressions over ICS options;
//! - [`ics`]: the ICS file, its declared options and the per-role template;
//! - [`report`]: `results.json`, `junit.xml` and the HTML report rendered from a journal, and
//!   the comparison of two runs.

pub mod actions;
pub mod applies;
pub mod engine;
pub mod expectations;
pub mod ics;
pub mod journal;
pub mod lpa_command;
pub mod report;
pub mod scenario;
pub mod selftest;
pub mod sgp26;
pub mod verdict;
pub mod world;
