//! Verdicts (DESIGN §5): TTCN-3 style, they only ever get worse within a case.

use serde::{Deserialize, Serialize};

/// The verdict of a case or step. Ordered from best to worst, so `max` combines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    /// The DUT's behaviour could not be judged (e.g. a precondition the DUT did not meet).
    Inconclusive,
    /// The DUT did not do what the specification requires.
    Fail,
    /// The harness or the environment failed, not the DUT.
    Error,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Pass,
        Verdict::Inconclusive,
        Verdict::Fail,
        Verdict::Error,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

/// A case's verdict as it accumulates: [`Tracker::set`] never makes it better.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracker {
    verdict: Verdict,
    /// Why the verdict is what it is: the reason given with the worst verdict so far.
    reason: Option<String>,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            verdict: Verdict::Pass,
            reason: None,
        }
    }
}

impl Tracker {
    /// Records `verdict`; the case's verdict becomes the worse of the two. The first reason
    /// given with the worst verdict is kept.
    pub fn set(&mut self, verdict: Verdict, reason: impl Into<String>) {
        if verdict > self.verdict || (verdict == self.verdict && self.reason.is_none()) {
            if verdict > Verdict::Pass || self.reason.is_none() {
                self.reason = Some(reason.into());
            }
            self.verdict = verdict;
        }
    }

    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

/// What a case came to: a verdict, or not applicable under the ICS (with why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    Verdict {
        verdict: Verdict,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    NotApplicable {
        reason: String,
    },
}

impl Outcome {
    pub fn of(tracker: &Tracker) -> Outcome {
        Outcome::Verdict {
            verdict: tracker.verdict(),
            reason: tracker.reason().map(str::to_owned),
        }
    }

    pub fn verdict(&self) -> Option<Verdict> {
        match self {
            Outcome::Verdict { verdict, .. } => Some(*verdict),
            Outcome::NotApplicable { .. } => None,
        }
    }

    /// `pass`, `fail`, …, or `not-applicable`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Verdict { verdict, .. } => verdict.name(),
            Outcome::NotApplicable { .. } => "not-applicable",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Verdict { reason, .. } => reason.as_deref(),
            Outcome::NotApplicable { reason } => Some(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_verdict_never_improves_and_keeps_the_first_reason_of_the_worst() {
        let mut t = Tracker::default();
        t.set(Verdict::Pass, "step 1 ok");
        t.set(Verdict::Fail, "status 8.1/6.1 expected, got success");
        t.set(Verdict::Pass, "step 3 ok");
        t.set(Verdict::Inconclusive, "no answer");
        t.set(Verdict::Fail, "second failure");
        assert_eq!(t.verdict(), Verdict::Fail);
        assert_eq!(t.reason(), Some("status 8.1/6.1 expected, got success"));
        t.set(Verdict::Error, "DUT connection refused");
        assert_eq!(t.verdict(), Verdict::Error);
    }

    #[test]
    fn outcomes_serialise_with_kebab_case_names() {
        let o = Outcome::NotApplicable {
            reason: "ICS: curve.brp is false".into(),
        };
        let text = serde_json::to_string(&o).unwrap();
        assert_eq!(
            text,
            r#"{"outcome":"not-applicable","reason":"ICS: curve.brp is false"}"#
        );
        assert_eq!(serde_json::from_str::<Outcome>(&text).unwrap(), o);
    }

    proptest! {
        #[test]
        fn the_tracked_verdict_is_the_worst_seen(seq in proptest::collection::vec(0usize..4, 0..20)) {
            let mut t = Tracker::default();
            for &i in &seq {
                t.set(Verdict::ALL[i], format!("{i}"));
            }
            let worst = seq.iter().map(|&i| Verdict::ALL[i]).max().unwrap_or(Verdict::Pass);
            prop_assert_eq!(t.verdict(), worst);
        }
    }
}
