//! Expectations files (DESIGN §5): the known failures of one DUT, so a run's exit status speaks
//! only of what is unexpected.
//!
//! ```toml
//! [[expect]]
//! case = "SMDP.ES9.AuthenticateClient.*"   # glob over case ids: * and ?
//! reason = "vendor ticket 1234: EID range not checked"
//! message = "8.1.3"                         # optional: only when the reason mentions this
//! link = "https://tracker.example/1234"     # optional
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::verdict::{Outcome, Verdict};

/// One known failure.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub case: String,
    pub reason: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    expect: Vec<Expectation>,
}

/// Why an expectations file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ExpectationsError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Syntax { path: String, detail: String },
}

/// A parsed expectations file.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    entries: Vec<Expectation>,
}

/// How a case's outcome stands against the expectations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Pass or not applicable, and not listed.
    AsRequired,
    /// Failed (or errored, or inconclusive) and not listed: the exit status turns non-zero.
    Unexpected,
    /// Failed as listed (index of the entry).
    ExpectedFail(usize),
    /// Listed, but passed: the entry is out of date.
    ExpectedFailPassed(usize),
}

impl Judgement {
    pub fn is_unexpected(&self) -> bool {
        matches!(
            self,
            Judgement::Unexpected | Judgement::ExpectedFailPassed(_)
        )
    }
}

impl Expectations {
    pub fn parse(text: &str, path: &str) -> Result<Expectations, ExpectationsError> {
        let f: File = toml::from_str(text).map_err(|e| ExpectationsError::Syntax {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        Ok(Expectations { entries: f.expect })
    }

    pub fn load(path: &Path) -> Result<Expectations, ExpectationsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExpectationsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Expectations::parse(&text, &path.display().to_string())
    }

    pub fn entries(&self) -> &[Expectation] {
        &self.entries
    }

    /// The first entry that lists case `id` (and whose `message`, if any, occurs in `reason`).
    fn matching(&self, id: &str, reason: Option<&str>) -> Option<usize> {
        self.entries.iter().position(|e| {
            glob_match(&e.case, id)
                && e.message
                    .as_deref()
                    .is_none_or(|m| reason.is_some_and(|r| r.contains(m)))
        })
    }

    /// Judges one case.
    pub fn judge(&self, id: &str, outcome: &Outcome) -> Judgement {
        let listed = self.matching(id, outcome.reason());
        match (outcome.verdict(), listed) {
            (None, _) => Judgement::AsRequired,
            (Some(Verdict::Pass), None) => Judgement::AsRequired,
            (Some(Verdict::Pass), Some(i)) => Judgement::ExpectedFailPassed(i),
            (Some(_), Some(i)) => Judgement::ExpectedFail(i),
            (Some(_), None) => Judgement::Unexpected,
        }
    }

    /// Entries that match no case id of the run: stale.
    pub fn stale<'a>(&self, ids: impl IntoIterator<Item = &'a str> + Clone) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| {
                !ids.clone()
                    .into_iter()
                    .any(|id| glob_match(&self.entries[i].case, id))
            })
            .collect()
    }
}

/// `*` matches any run of characters, `?` any one character; everything else literally.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with backtracking to the last star: linear in practice, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("SMDP.*", "SMDP.ES9.IA.01", true)]
    #[case("SMDP.ES9.IA.0?", "SMDP.ES9.IA.01", true)]
    #[case("SMDP.ES9.IA.0?", "SMDP.ES9.IA.10", false)]
    #[case("*.NIST.*", "SMDP.ES9.IA.NIST.03", true)]
    #[case("*", "", true)]
    #[case("a*b*c", "aXbYbZc", true)]
    #[case("a*b*c", "aXbYbZ", false)]
    #[case("EUICC", "EUICC.ES10", false)]
    fn globs(#[case] pattern: &str, #[case] text: &str, #[case] expected: bool) {
        assert_eq!(glob_match(pattern, text), expected);
    }

    fn fail(reason: &str) -> Outcome {
        Outcome::Verdict {
            verdict: Verdict::Fail,
            reason: Some(reason.into()),
        }
    }

    #[test]
    fn failures_are_judged_against_the_list_and_stale_entries_found() {
        let e = Expectations::parse(
            r#"
            [[expect]]
            case = "SMDP.ES9.AC.*"
            reason = "EID range not checked"
            message = "8.1.3"
            [[expect]]
            case = "SMDS.*"
            reason = "no SM-DS in this lab"
            "#,
            "x.toml",
        )
        .unwrap();
        assert_eq!(
            e.judge("SMDP.ES9.AC.05", &fail("expected 8.1.3/6.1")),
            Judgement::ExpectedFail(0)
        );
        assert_eq!(
            e.judge("SMDP.ES9.AC.05", &fail("expected 8.2/1.2")),
            Judgement::Unexpected
        );
        let pass = Outcome::Verdict {
            verdict: Verdict::Pass,
            reason: None,
        };
        assert_eq!(
            e.judge("SMDP.ES9.AC.05", &pass),
            Judgement::AsRequired,
            "a message-qualified entry needs the message"
        );
        assert_eq!(
            e.judge("SMDS.ES11.01", &pass),
            Judgement::ExpectedFailPassed(1)
        );
        assert!(e.judge("SMDS.ES11.01", &pass).is_unexpected());
        assert_eq!(e.stale(["SMDP.ES9.AC.05"]), vec![1]);
    }

    #[test]
    fn unknown_keys_are_refused_with_the_file_name() {
        let err = Expectations::parse("[[expect]]\ncase = \"x\"\nreson = \"typo\"\n", "dut.toml")
            .unwrap_err();
        assert!(err.to_string().starts_with("dut.toml: "), "{err}");
    }
}
