//! rspcheck scenario engine, ICS, DUT adapters, verdicts, mutation, live fuzzing, results, reports.
//!
//! Not built yet: this crate is a placeholder in the workspace layout of DESIGN.md §2.
