//! `junit.xml`, for CI systems.
//!
//! One `<testsuite>` per DUT role and interface (`smdp ES9+`), one `<testcase>` per case
//! (`classname` = `rspcheck.ROLE.INTERFACE[.GROUP]`, `name` = id, `time` in seconds).
//!
//! A testcase is a JUnit failure or error exactly when it makes the run's exit status
//! non-zero, so a CI dashboard and the exit status agree:
//! - pass → plain testcase;
//! - fail → `<failure type="fail">`; error → `<error type="error">`;
//! - inconclusive → `<failure type="inconclusive" message="inconclusive: …">`: the DUT's
//!   behaviour could not be judged, which is not a pass, and `<skipped>` would hide it;
//! - not-applicable → `<skipped message=REASON>`;
//! - expected-fail (any bad verdict listed in the expectations file) → passing testcase whose
//!   `<system-out>` says expected-fail, the verdict, and the expectation's reason;
//! - expected-fail-passed → `<failure type="expected-fail-passed">`: the expectations entry
//!   is out of date.
//!
//! The failure body lists the steps that did not pass (expected / observed) and the re-run
//! command.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{expectation_class, summary::key, utc_date};
use crate::journal::{CaseRecord, ExpectationMark, JournalContents};
use crate::verdict::{Outcome, Verdict};

/// Escapes `text` for XML 1.0 text and attribute values: `<>&"'` as entities, tab / newline /
/// carriage return as character references (attribute normalisation would eat them), and
/// every character XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF) as U+FFFD.
pub fn xml_escape(text: &str) -> String {
    escape(text, true)
}

/// [`xml_escape`] for element content, where tabs and newlines may stay as they are.
pub fn xml_escape_text(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' if !attribute => out.push(c),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Seconds with microsecond precision, as JUnit's `time` wants.
fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

#[derive(Default)]
struct Suite<'a> {
    cases: Vec<&'a CaseRecord>,
    failures: usize,
    errors: usize,
    skipped: usize,
    time_us: u64,
}

enum Kind {
    Pass,
    ExpectedFail,
    Failure(&'static str),
    Error,
    Skipped,
}

fn kind(case: &CaseRecord) -> Kind {
    match (expectation_class(case), &case.outcome) {
        (_, Outcome::NotApplicable { .. }) => Kind::Skipped,
        (Some("expected-fail"), Outcome::Verdict { verdict, .. }) if *verdict > Verdict::Pass => {
            Kind::ExpectedFail
        }
        (Some("expected-fail-passed"), _) => Kind::Failure("expected-fail-passed"),
        (_, Outcome::Verdict { verdict, .. }) => match verdict {
            Verdict::Pass => Kind::Pass,
            Verdict::Inconclusive => Kind::Failure("inconclusive"),
            Verdict::Fail => Kind::Failure("fail"),
            Verdict::Error => Kind::Error,
        },
    }
}

/// Renders the whole `junit.xml` document.
pub fn render(contents: &JournalContents) -> String {
    let mut suites: BTreeMap<(String, String), Suite> = BTreeMap::new();
    for c in &contents.cases {
        let s = suites
            .entry((key(&c.meta.dut), key(&c.meta.interface)))
            .or_default();
        match kind(c) {
            Kind::Failure(_) => s.failures += 1,
            Kind::Error => s.errors += 1,
            Kind::Skipped => s.skipped += 1,
            Kind::Pass | Kind::ExpectedFail => {}
        }
        s.time_us = s.time_us.saturating_add(c.duration_us);
        s.cases.push(c);
    }
    let sum = |f: fn(&Suite) -> usize| suites.values().map(f).sum::<usize>();
    let total_us = suites
        .values()
        .fold(0u64, |t, s| t.saturating_add(s.time_us));
    let timestamp = utc_date(contents.header.started_at)
        .trim_end_matches(" UTC")
        .replacen(' ', "T", 1);

    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"rspcheck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        contents.cases.len(),
        sum(|s| s.failures),
        sum(|s| s.errors),
        sum(|s| s.skipped),
        seconds(total_us),
    );
    for ((role, interface), s) in &suites {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">",
            xml_escape(&format!("{role} {interface}")),
            s.cases.len(),
            s.failures,
            s.errors,
            s.skipped,
            seconds(s.time_us),
            xml_escape(&timestamp),
        );
        let _ = writeln!(
            x,
            "    <properties><property name=\"seed\" value=\"{}\"/></properties>",
            contents.header.seed
        );
        for c in &s.cases {
            testcase(&mut x, role, interface, c);
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

fn testcase(x: &mut String, role: &str, interface: &str, c: &CaseRecord) {
    let mut classname = format!("rspcheck.{role}.{interface}");
    if !c.meta.group.is_empty() {
        classname.push('.');
        classname.push_str(&c.meta.group);
    }
    let _ = write!(
        x,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
        xml_escape(&classname),
        xml_escape(&c.id),
        seconds(c.duration_us)
    );
    let reason = c.outcome.reason().unwrap_or("");
    let verdict = c.outcome.name();
    match kind(c) {
        Kind::Pass => {
            x.push_str("/>\n");
            return;
        }
        Kind::Skipped => {
            let _ = writeln!(x, ">\n      <skipped message=\"{}\"/>", xml_escape(reason));
        }
        Kind::ExpectedFail => {
            let why = match &c.expectation {
                Some(ExpectationMark::ExpectedFail { reason, .. }) => reason.as_str(),
                _ => "",
            };
            let _ = writeln!(
                x,
                ">\n      <system-out>{}</system-out>",
                xml_escape_text(&format!(
                    "expected-fail ({verdict}: {reason}); listed because: {why}"
                ))
            );
        }
        Kind::Failure(ty) => {
            let message = match ty {
                "inconclusive" => format!("inconclusive: {reason}"),
                "expected-fail-passed" => {
                    let why = match &c.expectation {
                        Some(ExpectationMark::ExpectedFailPassed { reason, .. }) => reason.as_str(),
                        _ => "",
                    };
                    format!("listed as a known failure ({why}) but passed: update the expectations file")
                }
                _ => reason.to_owned(),
            };
            let _ = writeln!(
                x,
                ">\n      <failure type=\"{ty}\" message=\"{}\">{}</failure>",
                xml_escape(&message),
                xml_escape_text(&details(c))
            );
        }
        Kind::Error => {
            let _ = writeln!(
                x,
                ">\n      <error type=\"error\" message=\"{}\">{}</error>",
                xml_escape(reason),
                xml_escape_text(&details(c))
            );
        }
    }
    x.push_str("    </testcase>\n");
}

/// The failure body: steps that did not pass, then how to re-run the case.
fn details(c: &CaseRecord) -> String {
    let mut d = String::new();
    for s in c.steps.iter().filter(|s| s.verdict > Verdict::Pass) {
        let _ = writeln!(d, "step {}: {}", s.name, s.verdict.name());
        if let Some(e) = &s.expected {
            let _ = writeln!(d, "  expected: {e}");
        }
        if let Some(o) = &s.observed {
            let _ = writeln!(d, "  observed: {o}");
        }
    }
    if !c.rerun.is_empty() {
        let _ = writeln!(d, "re-run: {}", c.rerun);
    }
    d
}
