use super::junit::xml_escape;
use super::*;
use crate::journal::{CaseMeta, DutIdentity, MessageRecord, RunHeader, StepRecord, SCHEMA_VERSION};
use crate::verdict::Outcome;

pub(crate) fn header() -> RunHeader {
    RunHeader {
        schema: SCHEMA_VERSION,
        seed: 42,
        dut: "reference smdp".into(),
        selection: vec!["SMDP.*".into(), "EUICC.ES10b.*".into()],
        started_at: 1_767_225_600,
        command: "rspcheck run --dut smdp --seed 42".into(),
        duts: vec![DutIdentity {
            role: "smdp".into(),
            adapter: "reference (in process)".into(),
            identity: vec![("server".into(), "rsp-smdp 0.1.0".into())],
        }],
    }
}

fn meta(dut: &str, interface: &str, group: &str, title: &str) -> CaseMeta {
    CaseMeta {
        title: title.into(),
        dut: dut.into(),
        interface: interface.into(),
        group: group.into(),
        sgp23: Some("4.3.14.2.1".into()),
        risk: None,
        refs: vec!["SGP.22 5.6.1".into()],
        tags: vec!["nist".into()],
        applies_if: None,
        source: "suites/x.toml:1".into(),
    }
}

fn verdict(v: Verdict, reason: Option<&str>) -> Outcome {
    Outcome::Verdict {
        verdict: v,
        reason: reason.map(Into::into),
    }
}

pub(crate) fn case(id: &str, meta: CaseMeta, outcome: Outcome) -> CaseRecord {
    let v = outcome.verdict().unwrap_or(Verdict::Pass);
    CaseRecord {
        id: id.into(),
        meta,
        outcome,
        expectation: None,
        rerun: format!("rspcheck run --dut smdp --seed 42 --case {id}"),
        seed: 7,
        duration_us: 12_345,
        steps: vec![StepRecord {
            name: "es9.initiate_authentication".into(),
            verdict: v,
            expected: Some("Executed-Success".into()),
            observed: Some(if v == Verdict::Pass {
                "Executed-Success".into()
            } else {
                "Failed 8.8.1/3.8".into()
            }),
            duration_us: 9_000,
            notes: vec!["transaction id 0102".into()],
            messages: vec![MessageRecord {
                direction: "sent".into(),
                interface: "ES9+".into(),
                function: "InitiateAuthentication".into(),
                tree: Some("InitiateAuthenticationRequest\n  euiccChallenge = 00…".into()),
                hex: Some("bf3922800100".into()),
                json: Some(serde_json::json!({"smdpAddress": "smdp.example"})),
            }],
        }],
    }
}

/// The fixed 5-case journal of the snapshots: one of each outcome, one expected failure.
pub(crate) fn five() -> JournalContents {
    let mut expected = case(
        "EUICC.ES10b.GetEUICCInfo.02",
        meta("euicc", "ES10b", "GetEUICCInfo", "EUICCInfo2 lists the SVN"),
        verdict(Verdict::Inconclusive, Some("no answer within 5 s")),
    );
    expected.expectation = Some(ExpectationMark::ExpectedFail {
        reason: "lab card firmware 1.2 is slow".into(),
        link: Some("https://tracker.example/12".into()),
    });
    let mut fail = case(
        "SMDP.ES9.AuthenticateClient.05",
        meta(
            "smdp",
            "ES9+",
            "AuthenticateClient",
            "EID outside the EUM's range",
        ),
        verdict(Verdict::Fail, Some("expected 8.1.3/6.1, got success")),
    );
    fail.expectation = Some(ExpectationMark::Unexpected);
    JournalContents {
        header: header(),
        cases: vec![
            case(
                "SMDP.ES9.InitiateAuthentication.01",
                meta(
                    "smdp",
                    "ES9+",
                    "InitiateAuthentication",
                    "Nominal authentication",
                ),
                verdict(Verdict::Pass, None),
            ),
            fail,
            case(
                "SMDP.ES2.DownloadOrder.01",
                meta("smdp", "ES2+", "DownloadOrder", "Order with EID"),
                verdict(Verdict::Error, Some("DUT connection refused")),
            ),
            expected,
            case(
                "EUICC.ES10b.GetEUICCInfo.07",
                meta("euicc", "ES10b", "GetEUICCInfo", "brainpool curve listed"),
                Outcome::NotApplicable {
                    reason: "ICS: curve.brp is false".into(),
                },
            ),
        ],
        torn_bytes: 0,
        complete_len: 0,
    }
}

const XSS: &str = "<script>alert(1)</script>";

/// A minimal XML well-formedness check: tags balance, attributes are quoted, no raw `<`/`&`
/// in text, no control characters. Returns the element names in document order.
fn xml_elements(doc: &str) -> Vec<String> {
    assert!(
        !doc.chars()
            .any(|c| (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r')),
        "control character in XML"
    );
    let body = doc
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    let mut stack: Vec<String> = vec![];
    let mut names = vec![];
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("unterminated tag") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        // name="value" pairs, values without raw < or ".
        while !attrs.trim().is_empty() {
            let (k, v) = attrs.trim_start().split_once("=\"").expect("attribute");
            assert!(!k.contains(' '), "attribute name {k:?}");
            let end = v.find('"').expect("closing quote");
            check_text(&v[..end]);
            attrs = &v[end + 1..];
        }
        names.push(name.to_owned());
        if !self_closing {
            stack.push(name.to_owned());
        }
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed {stack:?}");
    names
}

fn check_text(t: &str) {
    assert!(!t.contains('<') && !t.contains('>'), "raw bracket in {t:?}");
    for (i, _) in t.match_indices('&') {
        let ent = &t[i..];
        assert!(
            ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&#"]
                .iter()
                .any(|e| ent.starts_with(e)),
            "bare & in {t:?}"
        );
    }
}

#[test]
fn xml_escape_handles_markup_and_forbidden_characters() {
    assert_eq!(
        xml_escape("<a href=\"x\">&'"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
    );
    assert_eq!(xml_escape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
    assert_eq!(
        super::junit::xml_escape_text("a\tb\nc\rd<\x01"),
        "a\tb\nc&#13;d&lt;\u{FFFD}"
    );
    assert_eq!(
        xml_escape("nul\0bel\x07esc\x1b\u{FFFE}\u{FFFF}ok é"),
        "nul\u{FFFD}bel\u{FFFD}esc\u{FFFD}\u{FFFD}\u{FFFD}ok é"
    );
}

#[test]
fn case_file_names_stay_inside_cases_and_stay_distinct() {
    assert_eq!(
        case_file_name("SMDP.ES9.AuthenticateClient.05"),
        "SMDP.ES9.AuthenticateClient.05.html"
    );
    let long = "A".repeat(5000);
    let nasty = [
        "../../etc/passwd",
        "..",
        ".hidden",
        "a/b",
        "a\\b",
        "nul\0byte",
        "",
        "é",
        long.as_str(),
        "a_b",
        "a/b ",
    ];
    let mut seen = HashSet::new();
    for id in nasty {
        let name = case_file_name(id);
        assert!(name.ends_with(".html"), "{name}");
        assert!(
            !name.contains(['/', '\\', '\0']) && !name.starts_with('.'),
            "{id:?} -> {name}"
        );
        assert!(name.len() <= MAX_NAME_STEM + 14, "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
            "{name}"
        );
        assert!(seen.insert(name.clone()), "{id:?} collides: {name}");
    }
    // `a/b` and `a_b` sanitise alike; the hash keeps them apart.
    assert_ne!(case_file_name("a/b"), case_file_name("a_b"));
    assert_eq!(case_file_name("a/b"), case_file_name("a/b"), "stable");

    let dup = five().cases[0].clone();
    let names = case_file_names(&[dup.clone(), dup]);
    assert_eq!(
        names,
        [
            "SMDP.ES9.InitiateAuthentication.01.html",
            "SMDP.ES9.InitiateAuthentication.01-2.html"
        ]
    );
}

#[test]
fn totals_count_outcomes_roles_interfaces_and_expectations() {
    let mut j = five();
    let mut efp = j.cases[0].clone();
    efp.id = "SMDP.ES9.InitiateAuthentication.02".into();
    efp.expectation = Some(ExpectationMark::ExpectedFailPassed {
        reason: "old ticket".into(),
        link: None,
    });
    j.cases.push(efp);
    let t = Totals::of(&j.cases);
    assert_eq!(
        t.totals,
        OutcomeCounts {
            total: 6,
            pass: 2,
            inconclusive: 1,
            fail: 1,
            error: 1,
            not_applicable: 1
        }
    );
    assert_eq!(t.by_role["smdp"].total, 4);
    assert_eq!(t.by_role["euicc"].not_applicable, 1);
    assert_eq!(t.by_interface["ES9+"].pass, 2);
    assert_eq!(t.by_interface["ES2+"].error, 1);
    assert_eq!(
        t.expectations,
        ExpectationCounts {
            expected_fail: 1,
            expected_fail_passed: 1,
            // The marked fail and the unmarked error.
            unexpected: 2,
        }
    );
}

#[test]
fn junit_is_well_formed_with_one_suite_per_role_and_interface() {
    let mut j = five();
    j.cases[1].id = format!("{XSS}\u{1}&'\"");
    let xml = junit::render(&j);
    let names = xml_elements(&xml);
    assert_eq!(names.iter().filter(|n| *n == "testsuite").count(), 3);
    assert_eq!(names.iter().filter(|n| *n == "testcase").count(), 5);
    assert_eq!(names.iter().filter(|n| *n == "failure").count(), 1);
    assert_eq!(names.iter().filter(|n| *n == "error").count(), 1);
    assert_eq!(names.iter().filter(|n| *n == "skipped").count(), 1);
    assert!(xml.contains("<testsuite name=\"smdp ES9+\" tests=\"2\" failures=\"1\""));
    assert!(xml.contains("name=\"&lt;script&gt;alert(1)&lt;/script&gt;\u{FFFD}&amp;&apos;&quot;\""));
    assert!(!xml.contains(XSS));
}

#[test]
fn snapshot_junit_xml() {
    insta::assert_snapshot!("junit.xml", junit::render(&five()));
}

#[test]
fn snapshot_results_json() {
    let r = Results::new(&five(), &ReportOptions::default());
    insta::assert_snapshot!("results.json", serde_json::to_string_pretty(&r).unwrap());
}

#[test]
fn results_json_round_trips_and_flags_revealed_secrets() {
    let j = five();
    let r = Results::new(&j, &ReportOptions::default());
    assert!(!r.secrets_revealed);
    let text = serde_json::to_string(&r).unwrap();
    let back: Results = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], SCHEMA_VERSION);
    assert_eq!(v["totals"]["not-applicable"], 1);
    assert_eq!(v["expectations"]["expected_fail"], 1);
    assert_eq!(v["cases"][4]["outcome"], "not-applicable");

    assert!(
        Results::new(
            &j,
            &ReportOptions {
                reveal_secrets: true
            }
        )
        .secrets_revealed
    );
    let mut shown = j.clone();
    shown.header.command.push_str(" --reveal-secrets");
    assert!(Results::new(&shown, &ReportOptions::default()).secrets_revealed);
}

#[test]
fn untrusted_text_is_escaped_in_index_and_case_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = five();
    let c = &mut j.cases[1];
    c.id = format!("X{XSS}");
    c.meta.title = XSS.into();
    c.outcome = verdict(Verdict::Fail, Some(XSS));
    c.rerun = format!("rspcheck run --case '{XSS}'");
    c.steps[0].notes = vec![XSS.into()];
    c.steps[0].messages[0].tree = Some(XSS.into());
    c.steps[0].messages[0].json = Some(serde_json::json!({ "x": XSS }));
    c.expectation = Some(ExpectationMark::ExpectedFail {
        reason: XSS.into(),
        link: Some("javascript:alert(1)".into()),
    });
    j.header.duts[0].identity.push(("k".into(), XSS.into()));
    j.header.command = XSS.into();
    let paths = write_all(dir.path(), &j, &ReportOptions::default()).unwrap();

    let index = std::fs::read_to_string(&paths.index_html).unwrap();
    let page = std::fs::read_to_string(&paths.cases[1]).unwrap();
    for (name, html) in [("index", &index), ("case page", &page)] {
        assert!(!html.contains("<script>"), "{name} has a raw script tag");
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{name}"
        );
        assert!(!html.contains("href=\"javascript"), "{name}");
    }
    assert!(paths.cases[1].starts_with(dir.path().join("cases")));
    assert!(!index.contains("secrets revealed"));
}

#[test]
fn the_index_has_the_banner_totals_grid_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_all(
        dir.path(),
        &five(),
        &ReportOptions {
            reveal_secrets: true,
        },
    )
    .unwrap();
    let index = std::fs::read_to_string(&paths.index_html).unwrap();
    assert!(index.contains("secrets revealed"));
    assert!(index.contains("2026-01-01 00:00:00 UTC"));
    assert!(index.contains("rsp-smdp 0.1.0"));
    assert_eq!(index.matches("<a class=\"cell ").count(), 5);
    assert!(index.contains("class=\"cell o-inconclusive x-expected-fail\""));
    assert_eq!(index.matches("<tr data-outcome=").count(), 5);
    assert!(index.contains("href=\"cases/SMDP.ES9.AuthenticateClient.05.html\""));
    assert!(!index.contains("comparison.html"));
    assert_eq!(paths.cases.len(), 5);
    let page = std::fs::read_to_string(&paths.cases[3]).unwrap();
    assert!(page.contains("href=\"https://tracker.example/12\""));
    assert!(page.contains("bf 39 22 80 01 00"));
    assert!(page.contains("&#34;smdpAddress&#34;") || page.contains("&quot;smdpAddress&quot;"));
    assert!(page.contains("rspcheck run --dut smdp --seed 42 --case EUICC.ES10b.GetEUICCInfo.02"));
}

#[test]
fn comparison_finds_new_failures_fixed_changed_added_removed() {
    let base = five();
    let mut other = five();
    // pass -> fail: new failure.
    other.cases[0].outcome = verdict(Verdict::Fail, Some("now broken"));
    // fail -> pass: fixed.
    other.cases[1].outcome = verdict(Verdict::Pass, None);
    other.cases[1].expectation = None;
    // error -> fail: changed (still failing).
    other.cases[2].outcome = verdict(Verdict::Fail, Some("500"));
    // expected inconclusive -> unexpected: new failure.
    other.cases[3].expectation = Some(ExpectationMark::Unexpected);
    // not-applicable removed, one added (failing).
    other.cases.pop();
    other.cases.push(case(
        "LPA.ES11.01",
        meta("lpa", "ES11", "Discovery", "t"),
        verdict(Verdict::Error, Some("x")),
    ));
    let c = compare(&base, &other);
    let ids = |l: &[CaseChange]| l.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&c.new_failures),
        [
            "EUICC.ES10b.GetEUICCInfo.02",
            "LPA.ES11.01",
            "SMDP.ES9.InitiateAuthentication.01"
        ]
    );
    assert_eq!(ids(&c.fixed), ["SMDP.ES9.AuthenticateClient.05"]);
    assert_eq!(ids(&c.changed), ["SMDP.ES2.DownloadOrder.01"]);
    assert_eq!(ids(&c.added), ["LPA.ES11.01"]);
    assert_eq!(ids(&c.removed), ["EUICC.ES10b.GetEUICCInfo.07"]);
    assert_eq!(
        c.new_failures[0].before.as_deref(),
        Some("inconclusive (expected-fail)")
    );
    assert!(c.has_new_failures());
    let text = c.render_text();
    assert!(text.contains("new failures: 3\n"), "{text}");
    assert!(
        text.contains("  SMDP.ES9.InitiateAuthentication.01: pass -> fail (now broken)"),
        "{text}"
    );
    assert!(text.contains("removed: 1\n  EUICC.ES10b.GetEUICCInfo.07: not-applicable -> absent"));

    let same = compare(&base, &base);
    assert!(same.sections().iter().all(|(_, l)| l.is_empty()));

    let dir = tempfile::tempdir().unwrap();
    let written = write_comparison(dir.path(), &c).unwrap();
    let html = std::fs::read_to_string(&written.html).unwrap();
    assert!(html.contains("href=\"cases/LPA.ES11.01.html\""));
    let back: Comparison = serde_json::from_slice(&std::fs::read(&written.json).unwrap()).unwrap();
    assert_eq!(back, c);
    let paths = write_all(dir.path(), &other, &ReportOptions::default()).unwrap();
    let index = std::fs::read_to_string(paths.index_html).unwrap();
    assert!(index.contains("href=\"comparison.html\""));
}

#[test]
fn terminal_text_shows_control_characters_instead_of_obeying_them() {
    let base = five();
    let mut other = five();
    other.cases[0].outcome = verdict(Verdict::Fail, Some("\x1b[2Jgone"));
    let text = compare(&base, &other).render_text();
    assert!(!text.contains('\x1b'));
    assert!(text.contains("\\u{1b}[2Jgone"));
}

#[test]
fn odd_records_render_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = five();
    j.header.started_at = i64::MIN;
    j.header.duts.clear();
    j.torn_bytes = 17;
    let c = &mut j.cases[0];
    c.meta = CaseMeta::default();
    c.id = "\0".repeat(3000);
    c.duration_us = u64::MAX;
    c.steps[0].messages[0].hex = Some("abc".into());
    c.steps[0].messages[0].json = Some(serde_json::Value::Null);
    j.cases.push(j.cases[0].clone());
    let paths = write_all(dir.path(), &j, &ReportOptions::default()).unwrap();
    assert_eq!(paths.cases.len(), 6);
    assert_ne!(paths.cases[0], paths.cases[5]);
    let index = std::fs::read_to_string(&paths.index_html).unwrap();
    assert!(index.contains("cut off mid-write (17 bytes)"));
    assert!(index.contains("(Unix seconds)"));
    assert!(index.contains("unspecified"));
    xml_elements(&std::fs::read_to_string(&paths.junit_xml).unwrap());
}

#[test]
fn dates_durations_and_hex_format_for_people() {
    assert_eq!(utc_date(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(utc_date(951_782_400), "2000-02-29 00:00:00 UTC");
    assert_eq!(utc_date(-1), "1969-12-31 23:59:59 UTC");
    assert_eq!(human_duration(850), "850 µs");
    assert_eq!(human_duration(12_345), "12.3 ms");
    assert_eq!(human_duration(1_234_567), "1.235 s");
    let hex = "00".repeat(33);
    let wrapped = html::wrap_hex(&hex);
    assert_eq!(wrapped.lines().count(), 2);
    assert_eq!(wrapped.lines().next().unwrap().len(), 32 * 3 - 1);
    assert_eq!(html::wrap_hex("a b c"), "ab c");
}
