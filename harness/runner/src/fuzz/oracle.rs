//! The oracle: what the DUT's reaction to one mutated message means.
//!
//! - a defined error (an ES10 error alternative or status word, an SGP.22 Failed status, a PIR
//!   error, an LPA refusing): fine;
//! - the mutated message accepted: fine unless the receiver had to refuse it (its framing is
//!   broken, a mandatory part is gone, or a signed or MACed part changed) — then a
//!   security-relevant finding;
//! - a crash, reset or dropped connection, an HTTP 5xx, an LPA dying of a panic or a signal:
//!   finding;
//! - no end within the iteration's time: finding;
//! - an answer that does not decode as the protocol says: finding.

use serde::{Deserialize, Serialize};

use super::mutation::{Answer, FuzzApplied};
use super::targets::{Target, TargetKind};
use crate::actions::Observation;
use crate::ics::Role;

/// A reaction, with what showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", content = "detail", rename_all = "kebab-case")]
pub enum Reaction {
    /// A session without mutation ended as it should.
    Nominal,
    Refused(String),
    Accepted(String),
    AcceptedInvalid(String),
    Crash(String),
    Hang(String),
    ProtocolViolation(String),
    /// The strategy found nothing to change in this message (not a finding).
    NotApplied(String),
    /// rspcheck itself failed (not a finding about the DUT).
    HarnessError(String),
    /// The DUT failed several nominal sessions in a row.
    Unhealthy(String),
}

impl Reaction {
    pub fn class(&self) -> &'static str {
        match self {
            Reaction::Nominal => "nominal",
            Reaction::Refused(_) => "refused",
            Reaction::Accepted(_) => "accepted",
            Reaction::AcceptedInvalid(_) => "accepted-invalid",
            Reaction::Crash(_) => "crash",
            Reaction::Hang(_) => "hang",
            Reaction::ProtocolViolation(_) => "protocol-violation",
            Reaction::NotApplied(_) => "not-applied",
            Reaction::HarnessError(_) => "harness-error",
            Reaction::Unhealthy(_) => "unhealthy",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Reaction::Nominal => "",
            Reaction::Refused(d)
            | Reaction::Accepted(d)
            | Reaction::AcceptedInvalid(d)
            | Reaction::Crash(d)
            | Reaction::Hang(d)
            | Reaction::ProtocolViolation(d)
            | Reaction::NotApplied(d)
            | Reaction::HarnessError(d)
            | Reaction::Unhealthy(d) => d,
        }
    }

    pub fn is_finding(&self) -> bool {
        matches!(
            self,
            Reaction::AcceptedInvalid(_)
                | Reaction::Crash(_)
                | Reaction::Hang(_)
                | Reaction::ProtocolViolation(_)
                | Reaction::Unhealthy(_)
        )
    }

    pub fn describe(&self) -> String {
        match self.detail() {
            "" => self.class().to_owned(),
            d => format!("{}: {d}", self.class()),
        }
    }
}

/// Whether the receiver had to refuse the mutated message.
pub fn must_reject(target: &Target, strategy: &str, applied: &FuzzApplied) -> bool {
    if strategy == "patch" {
        // A patch replays a crash or a hang; acceptance is not judged for it.
        return false;
    }
    match target.kind {
        TargetKind::Es10 { protected, .. } => {
            applied.breaks_message
                || applied.drops_mandatory
                || protected.iter().any(|p| applied.path.starts_with(p))
        }
        TargetKind::BppPieces => true,
        TargetKind::Remote {
            mandatory,
            protected,
            ..
        } => {
            let Some(key) = applied.json_key.as_deref() else {
                return false;
            };
            if key.starts_with("header.") || !mandatory.contains(&key) {
                return false;
            }
            let name = strategy.split_once(':').map_or(strategy, |(_, n)| n);
            match name.strip_prefix("der-") {
                // A change inside the DER of a mandatory field: refused when it breaks the
                // DER or touches what the eUICC signed.
                Some(_) => {
                    let der_path = applied.path.split_once(": ").map_or("", |(_, p)| p);
                    applied.breaks_message
                        || applied.drops_mandatory
                        || protected
                            .iter()
                            .filter(|(k, _)| *k == key)
                            .any(|(_, prefixes)| prefixes.iter().any(|p| der_path.starts_with(p)))
                }
                None => name != "extra-key",
            }
        }
        TargetKind::ProfilePackage | TargetKind::ActivationCode | TargetKind::Es9Answers => false,
    }
}

/// Classifies one iteration; `strategy` is `none` for a nominal session.
pub fn classify(
    target: &Target,
    strategy: &str,
    obs: &Observation,
    applied: Option<&FuzzApplied>,
) -> Reaction {
    if let Some(r) = anomaly(target, obs) {
        return r;
    }
    if strategy == "none" {
        return if nominal_end(target, obs) {
            Reaction::Nominal
        } else {
            Reaction::Refused(format!(
                "the nominal session did not end as it should: {}",
                obs.summary()
            ))
        };
    }
    let Some(applied) = applied else {
        return Reaction::NotApplied(
            obs.harness_error
                .clone()
                .unwrap_or_else(|| "no message of the session was changed".into()),
        );
    };
    let accepted = applied.answer == Some(Answer::Accepted)
        // A BPP that installed was accepted whatever answered its pieces.
        || (matches!(target.kind, TargetKind::BppPieces) && obs.outcome.as_deref() == Some("installed"));
    if accepted && must_reject(target, strategy, applied) {
        return Reaction::AcceptedInvalid(format!("{} was accepted", applied.description));
    }
    if accepted {
        Reaction::Accepted(applied.description.clone())
    } else {
        let why = match &applied.answer {
            Some(Answer::Refused(r)) => r.clone(),
            _ => obs.summary(),
        };
        Reaction::Refused(why)
    }
}

/// Crashes, hangs and protocol violations, whatever was mutated.
fn anomaly(target: &Target, obs: &Observation) -> Option<Reaction> {
    if let Some(code) = obs
        .facts
        .get("exit_code")
        .and_then(|c| c.parse::<i64>().ok())
    {
        // 101: a Rust panic; 128 + n or a negative code: killed by signal n.
        if code == 101 || !(0..128).contains(&code) {
            let first_line = obs
                .notes
                .iter()
                .find_map(|n| n.strip_prefix("stderr: "))
                .and_then(|e| {
                    e.lines()
                        .find(|l| l.contains("panicked") || l.contains("Segmentation"))
                })
                .unwrap_or("");
            return Some(Reaction::Crash(
                format!("the LPA exited with {code} {first_line}")
                    .trim()
                    .to_owned(),
            ));
        }
    }
    if obs.outcome.as_deref() == Some("timeout") {
        return Some(Reaction::Hang("the LPA did not end in time".into()));
    }
    if let Some(status) = obs.http_status.filter(|s| *s >= 500) {
        return Some(Reaction::Crash(format!("HTTP {status}")));
    }
    if let Some(sw) = obs.sw.filter(|sw| sw >> 8 == 0x6F) {
        return Some(Reaction::Crash(format!(
            "SW {sw:04X} (no precise diagnosis)"
        )));
    }
    let dut_error = obs.dut_error.as_deref().unwrap_or_default();
    if obs.no_response {
        let lower = dut_error.to_ascii_lowercase();
        return Some(
            if lower.contains("timed out") || lower.contains("timeout") || dut_error.is_empty() {
                Reaction::Hang(if dut_error.is_empty() {
                    "no answer in time".into()
                } else {
                    dut_error.into()
                })
            } else {
                Reaction::Crash(format!("connection lost: {dut_error}"))
            },
        );
    }
    if !dut_error.is_empty() && obs.sw.is_none() && obs.http_status.is_none() {
        let lower = dut_error.to_ascii_lowercase();
        if target.role == Role::Euicc
            && (lower.contains("transport") || lower.contains("reset") || lower.contains("mute"))
        {
            return Some(Reaction::Crash(format!("card: {dut_error}")));
        }
        return Some(Reaction::ProtocolViolation(dut_error.into()));
    }
    None
}

/// How the target's nominal session ends.
fn nominal_end(target: &Target, obs: &Observation) -> bool {
    match target.kind {
        TargetKind::Remote { es11: true, .. } => {
            matches!(obs.status, Some(crate::actions::ObservedStatus::Success))
                && obs.facts.get("events").is_some_and(|n| n != "0")
        }
        _ => obs.outcome.as_deref() == Some("installed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::targets::Target;

    fn applied(path: &str, answer: Option<Answer>) -> FuzzApplied {
        FuzzApplied {
            function: "AuthenticateServer".into(),
            description: "bit-flip".into(),
            path: path.into(),
            breaks_message: false,
            drops_mandatory: false,
            json_key: None,
            original: String::new(),
            mutated: String::new(),
            patch_base: None,
            answer,
        }
    }

    #[test]
    fn a_signed_change_accepted_is_a_finding_an_unsigned_one_is_not() {
        let t = Target::by_name("authenticate-server").unwrap();
        let obs = Observation::default();
        let signed = applied(
            "AuthenticateServerRequest.serverSigned1.transactionId",
            Some(Answer::Accepted),
        );
        assert_eq!(
            classify(t, "der:bit-flip", &obs, Some(&signed)).class(),
            "accepted-invalid"
        );
        let unsigned = applied(
            "AuthenticateServerRequest.ctxParams1.ctxParamsForCommonAuthentication",
            Some(Answer::Accepted),
        );
        assert_eq!(
            classify(t, "der:bit-flip", &obs, Some(&unsigned)).class(),
            "accepted"
        );
        let refused = applied(
            "AuthenticateServerRequest.serverSigned1",
            Some(Answer::Refused("invalidSignature (2)".into())),
        );
        assert_eq!(
            classify(t, "der:bit-flip", &obs, Some(&refused)).class(),
            "refused"
        );
    }

    #[test]
    fn crashes_hangs_and_violations_are_findings_whatever_the_mutation() {
        let t = Target::by_name("es9-authenticate-client").unwrap();
        let a = applied("transactionId", None);
        let mut obs = Observation {
            http_status: Some(500),
            ..Observation::default()
        };
        assert_eq!(
            classify(t, "json:extra-key", &obs, Some(&a)),
            Reaction::Crash("HTTP 500".into())
        );
        obs = Observation {
            no_response: true,
            dut_error: Some("AuthenticateClient: connection reset by peer".into()),
            ..Observation::default()
        };
        assert_eq!(
            classify(t, "json:extra-key", &obs, Some(&a)).class(),
            "crash"
        );
        obs = Observation {
            no_response: true,
            ..Observation::default()
        };
        assert_eq!(
            classify(t, "json:extra-key", &obs, Some(&a)).class(),
            "hang"
        );
        obs = Observation {
            dut_error: Some("AuthenticateClient: malformed answer: no header".into()),
            ..Observation::default()
        };
        assert_eq!(
            classify(t, "json:extra-key", &obs, Some(&a)).class(),
            "protocol-violation"
        );
        let lpa = Target::by_name("activation-code").unwrap();
        let mut obs = Observation::default();
        obs.facts.insert("exit_code".into(), "101".into());
        assert_eq!(
            classify(lpa, "ac:multibyte", &obs, Some(&a)).class(),
            "crash"
        );
        obs.facts.insert("exit_code".into(), "1".into());
        assert_ne!(
            classify(lpa, "ac:multibyte", &obs, Some(&a)).class(),
            "crash"
        );
    }

    #[test]
    fn json_rules_follow_mandatory_keys_and_signed_parts() {
        let t = Target::by_name("es9-authenticate-client").unwrap();
        let mut a = applied("transactionId", Some(Answer::Accepted));
        a.json_key = Some("transactionId".into());
        assert!(must_reject(t, "json:missing-key", &a));
        assert!(!must_reject(t, "json:extra-key", &a));
        a.json_key = Some("header.functionCallIdentifier".into());
        assert!(!must_reject(t, "json:type-confusion", &a));
        a.json_key = Some("authenticateServerResponse".into());
        a.path = "authenticateServerResponse: AuthenticateServerResponse.authenticateResponseOk.euiccSigned1.transactionId".into();
        assert!(must_reject(t, "json:der-bit-flip", &a));
        a.path = "authenticateServerResponse: AuthenticateServerResponse".into();
        assert!(!must_reject(t, "json:der-unknown-extension", &a));
        assert!(!must_reject(t, "patch", &a));
    }

    #[test]
    fn nominal_sessions_must_install() {
        let t = Target::by_name("bpp-segments").unwrap();
        let mut obs = Observation {
            outcome: Some("installed".into()),
            ..Observation::default()
        };
        assert_eq!(classify(t, "none", &obs, None), Reaction::Nominal);
        obs.outcome = Some("failed".into());
        assert_eq!(classify(t, "none", &obs, None).class(), "refused");
    }
}
