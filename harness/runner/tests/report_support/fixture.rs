//! A realistic run journal for the report: every outcome and expectation mark, messages with
//! trees, hex and JSON. Shared by `tests/report.rs` and `examples/report_fixture.rs` (through
//! `#[path]`: `tests/common` needs the reference roles, which this does not).

use std::path::Path;

use rsp_runner::journal::{
    CaseMeta, CaseRecord, DutIdentity, ExpectationMark, Journal, JournalError, MessageRecord,
    RunHeader, StepRecord, SCHEMA_VERSION,
};
use rsp_runner::verdict::{Outcome, Verdict};

pub fn header() -> RunHeader {
    RunHeader {
        schema: SCHEMA_VERSION,
        seed: 20_260_101,
        dut: "self-test (reference roles)".into(),
        selection: vec!["*".into()],
        started_at: 1_767_225_600,
        command: "rspcheck run --self-test --seed 20260101".into(),
        duts: vec![
            DutIdentity {
                role: "smdp".into(),
                adapter: "reference (in process)".into(),
                identity: vec![
                    ("server".into(), "rsp-smdp 0.1.0".into()),
                    ("address".into(), "smdp.rspcheck.test".into()),
                ],
            },
            DutIdentity {
                role: "euicc".into(),
                adapter: "reference (in process)".into(),
                identity: vec![
                    ("EID".into(), "89049032123451234512345678901235".into()),
                    ("SVN".into(), "2.3.0".into()),
                    ("profileVersion".into(), "2.3.1".into()),
                ],
            },
            DutIdentity {
                role: "lpa".into(),
                adapter: "command: rspcheck lpa".into(),
                identity: vec![],
            },
        ],
    }
}

fn meta(dut: &str, interface: &str, group: &str, title: &str, line: u32) -> CaseMeta {
    CaseMeta {
        title: title.into(),
        dut: dut.into(),
        interface: interface.into(),
        group: group.into(),
        sgp23: Some(format!("4.{line}.1")),
        risk: None,
        refs: vec!["SGP.22 3.1.3".into(), "SGP.22 5.6.1".into()],
        tags: vec!["nominal".into(), "nist".into()],
        applies_if: line.is_multiple_of(3).then(|| "curve.brp && !lpae".into()),
        source: format!("suites/{dut}/{}.toml:{line}", group.to_lowercase()),
    }
}

fn messages(function: &str) -> Vec<MessageRecord> {
    let hex: String = (0u32..90)
        .map(|i| format!("{:02X}", (i * 37) % 256))
        .collect();
    vec![
        MessageRecord {
            direction: "sent".into(),
            interface: "ES9+".into(),
            function: function.into(),
            tree: Some(format!(
                "{function}Request\n  transactionId [80] = 0102030405060708\n  euiccChallenge [81] = <16 bytes>\n  matchingId [80] = <redacted, 6 bytes>"
            )),
            hex: Some(format!("BF3981{:02X}{hex}", hex.len() / 2)),
            json: Some(serde_json::json!({
                "transactionId": "0102030405060708",
                "smdpAddress": "smdp.rspcheck.test",
                "matchingId": "<redacted>",
            })),
        },
        MessageRecord {
            direction: "received".into(),
            interface: "ES9+".into(),
            function: function.into(),
            tree: Some(format!(
                "{function}Response\n  header\n    functionExecutionStatus\n      status = Executed-Success"
            )),
            hex: None,
            json: Some(serde_json::json!({
                "header": {"functionExecutionStatus": {"status": "Executed-Success"}}
            })),
        },
    ]
}

fn case(
    id: &str,
    meta: CaseMeta,
    outcome: Outcome,
    expectation: Option<ExpectationMark>,
) -> CaseRecord {
    let verdict = outcome.verdict();
    let function = meta.group.clone();
    let steps = match verdict {
        None => vec![],
        Some(v) => vec![
            StepRecord {
                name: "es9.initiate_authentication".into(),
                verdict: Verdict::Pass,
                expected: Some("Executed-Success".into()),
                observed: Some("Executed-Success".into()),
                duration_us: 4_200,
                notes: vec!["serverChallenge is fresh".into()],
                messages: messages("InitiateAuthentication"),
            },
            StepRecord {
                name: format!("es9.{}", function.to_lowercase()),
                verdict: v,
                expected: Some("Failed 8.1.3/6.1 (EID not allowed)".into()),
                observed: Some(match v {
                    Verdict::Pass => "Failed 8.1.3/6.1 (EID not allowed)".into(),
                    Verdict::Error => "connection refused".into(),
                    _ => "Executed-Success".into(),
                }),
                duration_us: 11_500,
                notes: vec![],
                messages: messages(&function),
            },
        ],
    };
    CaseRecord {
        id: id.into(),
        rerun: format!("rspcheck run --self-test --seed 20260101 --case '{id}'"),
        meta,
        outcome,
        expectation,
        seed: 1_000 + id.len() as u64,
        duration_us: 15_700 + id.len() as u64 * 100,
        steps,
    }
}

fn v(verdict: Verdict, reason: Option<&str>) -> Outcome {
    Outcome::Verdict {
        verdict,
        reason: reason.map(Into::into),
    }
}

/// Twelve cases over three roles: every outcome, both expectation marks, an unsafe id.
pub fn cases() -> Vec<CaseRecord> {
    use Verdict::*;
    let link = Some("https://tracker.example/RSP-1234".to_owned());
    vec![
        case(
            "SMDP.ES9.InitiateAuthentication.01",
            meta("smdp", "ES9+", "InitiateAuthentication", "Nominal: NIST", 1),
            v(Pass, None),
            None,
        ),
        case(
            "SMDP.ES9.InitiateAuthentication.02",
            meta(
                "smdp",
                "ES9+",
                "InitiateAuthentication",
                "Unknown SM-DP+ address",
                2,
            ),
            v(Pass, None),
            None,
        ),
        case(
            "SMDP.ES9.AuthenticateClient.05",
            meta(
                "smdp",
                "ES9+",
                "AuthenticateClient",
                "EID outside the EUM's range",
                3,
            ),
            v(Fail, Some("expected 8.1.3/6.1, got Executed-Success")),
            Some(ExpectationMark::Unexpected),
        ),
        case(
            "SMDP.ES9.AuthenticateClient.06",
            meta(
                "smdp",
                "ES9+",
                "AuthenticateClient",
                "Expired eUICC certificate",
                4,
            ),
            v(Fail, Some("expected 8.1.3/6.1, got Executed-Success")),
            Some(ExpectationMark::ExpectedFail {
                reason: "vendor ticket 1234: expiry not checked".into(),
                link: link.clone(),
            }),
        ),
        case(
            "SMDP.ES9.GetBoundProfilePackage.01",
            meta("smdp", "ES9+", "GetBoundProfilePackage", "Nominal BPP", 5),
            v(Pass, None),
            Some(ExpectationMark::ExpectedFailPassed {
                reason: "vendor ticket 1200".into(),
                link: None,
            }),
        ),
        case(
            "SMDP.ES2.DownloadOrder.01",
            meta("smdp", "ES2+", "DownloadOrder", "Order with EID", 6),
            v(Error, Some("DUT connection refused (127.0.0.1:8443)")),
            None,
        ),
        case(
            "SMDP.ES2.ConfirmOrder.03",
            meta(
                "smdp",
                "ES2+",
                "ConfirmOrder",
                "Confirmation code required",
                7,
            ),
            Outcome::NotApplicable {
                reason: "ICS: confirmation_code is false".into(),
            },
            None,
        ),
        case(
            "EUICC.ES10b.GetEUICCInfo.01",
            meta("euicc", "ES10b", "GetEUICCInfo", "EUICCInfo2 fields", 8),
            v(Pass, None),
            None,
        ),
        case(
            "EUICC.ES10b.GetEUICCInfo.07",
            meta(
                "euicc",
                "ES10b",
                "GetEUICCInfo",
                "brainpool curve listed",
                9,
            ),
            Outcome::NotApplicable {
                reason: "ICS: curve.brp is false".into(),
            },
            None,
        ),
        case(
            "EUICC.ES10b.LoadBoundProfilePackage.02",
            meta(
                "euicc",
                "ES10b",
                "LoadBoundProfilePackage",
                "Segment out of order",
                10,
            ),
            v(Inconclusive, Some("the card reset during the segment")),
            None,
        ),
        case(
            "LPA.ES11.AuthenticateClient.01",
            meta("lpa", "ES11", "AuthenticateClient", "Event retrieval", 11),
            v(Inconclusive, Some("no SM-DS configured")),
            Some(ExpectationMark::ExpectedFail {
                reason: "lab has no SM-DS".into(),
                link: None,
            }),
        ),
        case(
            "LPA.UI/../odd <id> & \"quotes\"",
            meta(
                "lpa",
                "LUI",
                "Nickname",
                "An id that needs sanitising <b>bold?</b>",
                12,
            ),
            v(Pass, None),
            None,
        ),
    ]
}

/// Writes the journal into `dir` (which must not have one) through the real journal API.
pub fn write_journal(dir: &Path) -> Result<(), JournalError> {
    let mut j = Journal::create(dir, &header())?;
    for c in cases() {
        j.append(&c)?;
    }
    Ok(())
}
