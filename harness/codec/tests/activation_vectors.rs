//! Checks every case of `vectors/activation-codes.toml` against `rsp_codec::activation`.
//!
//! Manifest semantics (every field given is checked; unknown fields are an error):
//!
//! * `input` (+ optional `repeat = { text, count }` appended, then optional `suffix`): the input.
//! * `expect`: outcome with [`ParseOptions::default`]:
//!   `"valid"` = parses and lints clean; `"lint"` = parses but [`lint`] reports findings;
//!   `"invalid"` = rejected (then `error` is mandatory).
//! * `strict`, `lenient_host_port`, `qr`: `"valid"`/`"invalid"` under strict options, under
//!   `ParseOptions::lab()` and with `parse_qr` (default options). Defaults: `strict` = valid for
//!   `expect = "valid"`, invalid otherwise; `lenient_host_port` = the default outcome; `qr` = the
//!   default outcome when the input starts with an `LPA:` prefix (any case), else invalid.
//! * `error`, `strict_error`, `lenient_error`, `qr_error`: expected [`ActivationCodeError::kind`];
//!   `reason`, `strict_reason`, `lenient_reason`: expected nested address/OID reason kind;
//!   `field`: expected 1-based field position of the default-mode error.
//! * `lint`: expected lint code names (compared as a sorted list; `[]` = clean).
//! * `smdp_address`, `matching_id`, `smdp_oid` (`""` = absent), `ccr`, `extra_fields`,
//!   `canonical` (Display), `redacted`: checked against the default parse, or the lenient one when
//!   only that succeeds.
//!
//! Invariants checked on every case: every successful parse round-trips through its canonical
//! form; strict parsing succeeds exactly when default parsing succeeds and lint is clean.

use std::collections::BTreeSet;

use rsp_codec::activation::{lint, ActivationCode, ActivationCodeError, LintCode, ParseOptions};
use serde::Deserialize;

const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../vectors/activation-codes.toml"
);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Valid,
    Invalid,
    Lint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Valid,
    Invalid,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Repeat {
    text: String,
    count: usize,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    input: String,
    repeat: Option<Repeat>,
    suffix: Option<String>,
    expect: Option<Expect>,
    strict: Option<Outcome>,
    lenient_host_port: Option<Outcome>,
    qr: Option<Outcome>,
    error: Option<String>,
    strict_error: Option<String>,
    lenient_error: Option<String>,
    qr_error: Option<String>,
    reason: Option<String>,
    strict_reason: Option<String>,
    lenient_reason: Option<String>,
    field: Option<usize>,
    lint: Option<Vec<String>>,
    smdp_address: Option<String>,
    matching_id: Option<String>,
    smdp_oid: Option<String>,
    ccr: Option<bool>,
    extra_fields: Option<Vec<String>>,
    canonical: Option<String>,
    redacted: Option<String>,
    note: Option<String>,
}

impl Case {
    fn full_input(&self) -> String {
        let mut s = self.input.clone();
        if let Some(r) = &self.repeat {
            s.push_str(&r.text.repeat(r.count));
        }
        if let Some(suffix) = &self.suffix {
            s.push_str(suffix);
        }
        s
    }

    fn label(&self) -> String {
        let mut input = self.full_input();
        if input.len() > 60 {
            let mut end = 60;
            while !input.is_char_boundary(end) {
                end -= 1;
            }
            input = format!("{}… ({} bytes)", &input[..end], self.full_input().len());
        }
        match &self.note {
            Some(n) => format!("{input:?} ({n})"),
            None => format!("{input:?}"),
        }
    }
}

fn load() -> Vec<Case> {
    let text =
        std::fs::read_to_string(MANIFEST).unwrap_or_else(|e| panic!("cannot read {MANIFEST}: {e}"));
    let manifest: Manifest =
        toml::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {MANIFEST}: {e}"));
    manifest.case
}

/// Compares one parse result with the expected outcome and error/reason kinds.
fn check_outcome(
    what: &str,
    result: &Result<ActivationCode, ActivationCodeError>,
    outcome: Outcome,
    error: Option<&str>,
    reason: Option<&str>,
    failures: &mut Vec<String>,
) {
    match (result, outcome) {
        (Ok(_), Outcome::Valid) => {
            if error.is_some() || reason.is_some() {
                failures.push(format!("{what}: error/reason given but outcome is valid"));
            }
        }
        (Ok(ac), Outcome::Invalid) => {
            failures.push(format!("{what}: expected invalid, parsed as {ac:?}"));
        }
        (Err(e), Outcome::Valid) => {
            failures.push(format!("{what}: expected valid, got {} ({e})", e.kind()));
        }
        (Err(e), Outcome::Invalid) => {
            if let Some(k) = error {
                if e.kind() != k {
                    failures.push(format!(
                        "{what}: expected error {k}, got {} ({e})",
                        e.kind()
                    ));
                }
            }
            if let Some(r) = reason {
                if e.reason_kind() != Some(r) {
                    failures.push(format!(
                        "{what}: expected reason {r}, got {:?} ({e})",
                        e.reason_kind()
                    ));
                }
            }
            if e.to_string().is_empty() {
                failures.push(format!("{what}: empty error message"));
            }
        }
    }
}

fn outcome_of(r: &Result<ActivationCode, ActivationCodeError>) -> Outcome {
    if r.is_ok() {
        Outcome::Valid
    } else {
        Outcome::Invalid
    }
}

/// All mismatches between a case and the implementation (empty = the case passes).
fn check_case(case: &Case) -> Vec<String> {
    let mut f = Vec::new();
    let input = case.full_input();
    let default = ActivationCode::parse(&input, &ParseOptions::default());
    let strict = ActivationCode::parse(&input, &ParseOptions::strict());
    let lenient = ActivationCode::parse(&input, &ParseOptions::lab());
    let qr = ActivationCode::parse_qr(&input, &ParseOptions::default());
    let findings = lint(&input);
    let mut names: Vec<&str> = findings.iter().map(|x| x.code.name()).collect();
    names.sort_unstable();

    let Some(expect) = case.expect else {
        return vec!["`expect` is missing".to_string()];
    };
    let default_outcome = match expect {
        Expect::Valid | Expect::Lint => Outcome::Valid,
        Expect::Invalid => Outcome::Invalid,
    };
    if expect == Expect::Invalid && case.error.is_none() {
        f.push("invalid case without `error`".to_string());
    }
    check_outcome(
        "default",
        &default,
        default_outcome,
        case.error.as_deref(),
        case.reason.as_deref(),
        &mut f,
    );
    if let (Some(pos), Err(e)) = (case.field, &default) {
        if e.field().map(|x| x.position()) != Some(pos) {
            f.push(format!(
                "default: expected field {pos}, error is about {:?}",
                e.field()
            ));
        }
    } else if case.field.is_some() {
        f.push("`field` given but the default parse succeeded".to_string());
    }
    match expect {
        Expect::Valid if !findings.is_empty() => {
            f.push(format!("expected lint-clean, lint reports {names:?}"));
        }
        Expect::Lint if findings.is_empty() => {
            f.push("expected lint findings, lint reports none".to_string());
        }
        _ => {}
    }
    if let Some(want) = &case.lint {
        let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
        want.sort_unstable();
        if want != names {
            f.push(format!("lint: expected {want:?}, got {names:?}"));
        }
    }
    for finding in &findings {
        if finding.message.is_empty() {
            f.push(format!("lint {}: empty message", finding.code));
        }
    }

    let strict_outcome = case.strict.unwrap_or(match expect {
        Expect::Valid => Outcome::Valid,
        _ => Outcome::Invalid,
    });
    check_outcome(
        "strict",
        &strict,
        strict_outcome,
        case.strict_error.as_deref(),
        case.strict_reason.as_deref(),
        &mut f,
    );
    check_outcome(
        "lenient_host_port",
        &lenient,
        case.lenient_host_port.unwrap_or(default_outcome),
        case.lenient_error.as_deref(),
        case.lenient_reason.as_deref(),
        &mut f,
    );
    let has_prefix = input
        .trim_start()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("LPA:"));
    let qr_default = if has_prefix {
        default_outcome
    } else {
        Outcome::Invalid
    };
    check_outcome(
        "qr",
        &qr,
        case.qr.unwrap_or(qr_default),
        case.qr_error.as_deref(),
        None,
        &mut f,
    );

    // Invariant: strict ⇔ default ∧ lint clean.
    if strict.is_ok() != (default.is_ok() && findings.is_empty()) {
        f.push(format!(
            "invariant broken: strict {:?}, default {:?}, lint {names:?}",
            outcome_of(&strict),
            outcome_of(&default)
        ));
    }

    // Round trips of every successful parse.
    for (what, opts, r) in [
        ("default", ParseOptions::default(), &default),
        ("strict", ParseOptions::strict(), &strict),
        ("lenient_host_port", ParseOptions::lab(), &lenient),
    ] {
        if let Ok(ac) = r {
            let again = ActivationCode::parse(&ac.to_string(), &opts);
            if again.as_ref() != Ok(ac) {
                f.push(format!(
                    "{what}: canonical form does not round-trip: {again:?}"
                ));
            }
            let again = ActivationCode::parse_qr(&ac.to_qr_payload(), &opts);
            if again.as_ref() != Ok(ac) {
                f.push(format!("{what}: QR payload does not round-trip: {again:?}"));
            }
            if !ac.matching_id.is_empty()
                && format!("{ac:?}").contains(&format!("{:?}", ac.matching_id))
            {
                f.push(format!("{what}: Debug output shows the matching ID"));
            }
        }
    }

    // Field expectations.
    let parsed = default.as_ref().or(lenient.as_ref()).ok();
    let wants_fields = case.smdp_address.is_some()
        || case.matching_id.is_some()
        || case.smdp_oid.is_some()
        || case.ccr.is_some()
        || case.extra_fields.is_some()
        || case.canonical.is_some()
        || case.redacted.is_some();
    match parsed {
        None if wants_fields => {
            f.push(
                "field expectations given but neither default nor lenient parse succeeded".into(),
            );
        }
        None => {}
        Some(ac) => {
            if let Some(want) = &case.smdp_address {
                if &ac.smdp_address != want {
                    f.push(format!(
                        "smdp_address: expected {want:?}, got {:?}",
                        ac.smdp_address
                    ));
                }
            }
            if let Some(want) = &case.matching_id {
                if &ac.matching_id != want {
                    f.push(format!(
                        "matching_id: expected {want:?}, got {:?}",
                        ac.matching_id
                    ));
                }
            }
            if let Some(want) = &case.smdp_oid {
                let want = (!want.is_empty()).then_some(want);
                if ac.smdp_oid.as_ref() != want {
                    f.push(format!(
                        "smdp_oid: expected {want:?}, got {:?}",
                        ac.smdp_oid
                    ));
                }
            }
            if let Some(want) = case.ccr {
                if ac.confirmation_code_required != want {
                    f.push(format!(
                        "ccr: expected {want}, got {}",
                        ac.confirmation_code_required
                    ));
                }
            }
            if let Some(want) = &case.extra_fields {
                if &ac.extra_fields != want {
                    f.push(format!(
                        "extra_fields: expected {want:?}, got {:?}",
                        ac.extra_fields
                    ));
                }
            }
            if let Some(want) = &case.canonical {
                if &ac.to_string() != want {
                    f.push(format!(
                        "canonical: expected {want:?}, got {:?}",
                        ac.to_string()
                    ));
                }
            }
            if let Some(want) = &case.redacted {
                if &ac.redacted() != want {
                    f.push(format!(
                        "redacted: expected {want:?}, got {:?}",
                        ac.redacted()
                    ));
                }
            }
        }
    }
    f
}

#[test]
fn every_vector_matches() {
    let cases = load();
    assert!(
        cases.len() >= 45,
        "only {} cases in {MANIFEST}",
        cases.len()
    );
    let mut report = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let failures = check_case(case);
        if !failures.is_empty() {
            report.push(format!(
                "case #{} {}:\n    {}",
                i + 1,
                case.label(),
                failures.join("\n    ")
            ));
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} cases failed:\n{}",
        report.len(),
        cases.len(),
        report.join("\n")
    );
}

#[test]
fn vectors_cover_every_error_kind_and_lint_code() {
    let cases = load();
    let errors: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| [&c.error, &c.strict_error, &c.lenient_error, &c.qr_error])
        .filter_map(|e| e.as_deref())
        .collect();
    let missing: Vec<&&str> = ActivationCodeError::KINDS
        .iter()
        .filter(|k| !errors.contains(**k))
        .collect();
    assert!(
        missing.is_empty(),
        "no vector expects error kinds {missing:?}"
    );
    for e in &errors {
        assert!(
            ActivationCodeError::KINDS.contains(e),
            "manifest names unknown error kind {e:?}"
        );
    }
    let lints: BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c.lint.as_ref())
        .flatten()
        .map(String::as_str)
        .collect();
    let missing: Vec<&str> = LintCode::ALL
        .iter()
        .map(|c| c.name())
        .filter(|n| !lints.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "no vector expects lint codes {missing:?}"
    );
}

/// The checker must be able to fail: wrong expectations are reported.
#[test]
fn wrong_expectations_are_caught() {
    let good = Case {
        input: "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815".into(),
        expect: Some(Expect::Valid),
        smdp_address: Some("SMDP.GSMA.COM".into()),
        ..Case::default()
    };
    assert_eq!(check_case(&good), Vec::<String>::new());
    let wrong = [
        Case {
            expect: Some(Expect::Invalid),
            error: Some("UnsupportedFormat".into()),
            ..good.clone()
        },
        Case {
            smdp_address: Some("SMDP.GSMA.ORG".into()),
            ..good.clone()
        },
        Case {
            matching_id: Some("04386".into()),
            ..good.clone()
        },
        Case {
            ccr: Some(true),
            ..good.clone()
        },
        Case {
            smdp_oid: Some("2.999.10".into()),
            ..good.clone()
        },
        Case {
            lint: Some(vec!["LowerCaseAddress".into()]),
            ..good.clone()
        },
        Case {
            strict: Some(Outcome::Invalid),
            ..good.clone()
        },
        Case {
            qr: Some(Outcome::Valid),
            ..good.clone()
        },
        Case {
            canonical: Some("LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815".into()),
            ..good.clone()
        },
        Case {
            input: "2$SMDP.GSMA.COM$X".into(),
            expect: Some(Expect::Invalid),
            error: Some("InvalidAddress".into()),
            ..Case::default()
        },
        Case {
            input: "1$SMDP.GSMA.COM:1$X".into(),
            expect: Some(Expect::Invalid),
            error: Some("InvalidAddress".into()),
            reason: Some("Path".into()),
            ..Case::default()
        },
        Case {
            input: "1$SMDP.GSMA.COM".into(),
            expect: Some(Expect::Invalid),
            ..Case::default()
        },
    ];
    for case in &wrong {
        assert!(
            !check_case(case).is_empty(),
            "a wrong expectation was not caught: {case:?}"
        );
    }
}
