//! The profile-package linter: every rule on a crafted bad profile, plus the four TS.48 v7
//! profiles (which must lint without Errors).
//!
//! Crafted profiles are built from scratch with `rsp_codec` TLV builders. The TS.48 profiles are
//! read from the shared vector store (never copied into the repo): missing vectors fail under
//! `CI=true` and skip loudly otherwise.

use rsp_codec::der;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_profile::lint::{lint, max_severity, to_json, Finding, RuleId, Severity};
use rsp_profile::schema::{PROFILE_ELEMENT, SERVICES_LIST};
use rsp_profile::{ProfileElement, ProfilePackage};
use rstest::rstest;

// ------------------------------------------------------------------ builders

fn p(tag: u32, content: &[u8]) -> Tlv {
    Tlv::primitive(Tag::of(tag), content.to_vec())
}

fn c(tag: u32, children: Vec<Tlv>) -> Tlv {
    Tlv::constructed(Tag::of(tag), children)
}

fn int(v: i64) -> Vec<u8> {
    der::encode_integer(v)
}

fn oid(text: &str) -> Vec<u8> {
    der::encode_oid(text).unwrap()
}

fn pe_header(id: u16, mandated: bool) -> Tlv {
    let mut ch = Vec::new();
    if mandated {
        ch.push(p(0x80, &[]));
    }
    ch.push(p(0x81, &int(id.into())));
    c(0xA0, ch)
}

fn alt_tag(kind: &str) -> u32 {
    PROFILE_ELEMENT
        .field(kind)
        .and_then(|f| f.wire_tag())
        .unwrap()
        .to_u32()
}

/// A template file PE: header, templateID, the given Files by component name, and an empty
/// File for every other mandatory component.
fn file_pe(kind: &str, id: u16, template: &str, files: Vec<(&str, Vec<Tlv>)>) -> ProfileElement {
    let ty = PROFILE_ELEMENT.field(kind).unwrap().ty;
    let mut ch = vec![pe_header(id, true), p(0x81, &oid(template))];
    for f in &ty.fields()[2..] {
        let tag = f.wire_tag().unwrap().to_u32();
        match files.iter().find(|(n, _)| *n == f.name) {
            Some((_, items)) => ch.push(c(tag, items.clone())),
            None if !f.optional => ch.push(c(tag, vec![])),
            None => {}
        }
    }
    for (n, _) in &files {
        assert!(ty.field(n).is_some(), "{kind} has no component {n}");
    }
    ProfileElement::from_tlv(c(alt_tag(kind), ch))
}

/// `File` item: fileDescriptor Fcp.
fn fcp(items: Vec<Tlv>) -> Tlv {
    c(0xA1, items)
}

fn fill(content: &[u8]) -> Tlv {
    p(0x83, content)
}

const ICCID_PLAIN: &str = "89000123456789012341";
const ICCID_SWAPPED: &str = "98001032547698103214";

fn header(services: &[&str], iccid_hex: &str, gfste: &[&str]) -> ProfileElement {
    let mut svc: Vec<Tlv> = services
        .iter()
        .map(|s| {
            let f = SERVICES_LIST
                .field(s)
                .unwrap_or_else(|| panic!("service {s}"));
            Tlv::primitive(f.wire_tag().unwrap(), Vec::new())
        })
        .collect();
    svc.sort_by_key(|t| t.tag().to_u32());
    let ch = vec![
        p(0x80, &int(2)),
        p(0x81, &int(3)),
        p(0x83, &hex::decode(iccid_hex).unwrap()),
        c(0xA5, svc),
        c(0xA6, gfste.iter().map(|o| p(0x06, &oid(o))).collect()),
    ];
    ProfileElement::from_tlv(c(0xA0, ch))
}

fn mf(id: u16, ef_iccid_hex: &str) -> ProfileElement {
    file_pe(
        "mf",
        id,
        "2.23.143.1.2.1",
        vec![
            (
                "mf",
                vec![fcp(vec![p(0x82, &[0x78, 0x21]), p(0x83, &[0x3F, 0x00])])],
            ),
            (
                "ef-iccid",
                vec![
                    fcp(vec![p(0x82, &[0x41, 0x21]), p(0x83, &[0x2F, 0xE2])]),
                    fill(&hex::decode(ef_iccid_hex).unwrap()),
                ],
            ),
        ],
    )
}

fn usim_files() -> Vec<(&'static str, Vec<Tlv>)> {
    vec![
        (
            "adf-usim",
            vec![fcp(vec![
                p(0x82, &[0x78, 0x21]),
                p(
                    0x84,
                    &hex::decode("A0000000871002FF33FF018900000100").unwrap(),
                ),
            ])],
        ),
        (
            "ef-imsi",
            vec![fill(&hex::decode("082943019000000010").unwrap())],
        ),
    ]
}

fn usim(id: u16) -> ProfileElement {
    file_pe("usim", id, "2.23.143.1.2.4", usim_files())
}

/// akaParameter with algoParameter (algorithm id, options, key length); DEFAULT parameters
/// (Milenage constants, SQN parameters) spelled out unless `omit_defaults`.
fn aka(
    id: u16,
    algorithm: i64,
    options: u8,
    key_len: usize,
    omit_defaults: bool,
) -> ProfileElement {
    let mut params = vec![
        p(0x80, &int(algorithm)),
        p(0x81, &[options]),
        p(0x82, &vec![0x11; key_len]),
        // TUAK's TOPc is 32 bytes whatever K's length.
        p(0x83, &vec![0x22; if algorithm == 2 { 32 } else { 16 }]),
    ];
    if !omit_defaults {
        params.push(p(0x84, &[0x40, 0x00, 0x20, 0x40, 0x60]));
        params.push(p(0x85, &rsp_profile::schema::XORING_CONSTANTS_DEFAULT));
    }
    let mut ch = vec![pe_header(id, true), c(0xA1, vec![c(0xA1, params)])];
    if !omit_defaults {
        ch.push(p(0x82, &[0x02]));
        ch.push(p(0x83, &[0, 0, 0x10, 0, 0, 0]));
        ch.push(p(0x84, &[0, 0, 0x10, 0, 0, 0]));
    }
    ProfileElement::from_tlv(c(alt_tag("akaParameter"), ch))
}

fn end(id: u16) -> ProfileElement {
    ProfileElement::from_tlv(c(alt_tag("end"), vec![pe_header(id, true)]))
}

/// header, mf, usim, akaParameter (Milenage), end — lints without Errors or Warnings.
fn base() -> Vec<ProfileElement> {
    vec![
        header(
            &["usim", "milenage"],
            ICCID_PLAIN,
            &["2.23.143.1.2.1", "2.23.143.1.2.4"],
        ),
        mf(1, ICCID_SWAPPED),
        usim(2),
        aka(3, 1, 0x00, 16, false),
        end(4),
    ]
}

fn run(pes: Vec<ProfileElement>) -> Vec<Finding> {
    lint(&ProfilePackage::from_pes(pes))
}

fn of(findings: &[Finding], rule: RuleId) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

/// Asserts `rule` fired (with its severity) and returns its first finding.
#[track_caller]
fn expect(findings: &[Finding], rule: RuleId) -> Finding {
    let hits = of(findings, rule);
    assert!(
        !hits.is_empty(),
        "expected {rule}, got:\n{}",
        findings
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(hits[0].severity, rule.severity(), "{}", hits[0]);
    hits[0].clone()
}

#[track_caller]
fn expect_not(findings: &[Finding], rule: RuleId) {
    let hits = of(findings, rule);
    assert!(hits.is_empty(), "unexpected {rule}: {}", hits[0]);
}

// ------------------------------------------------------------------ base profile

#[test]
fn base_profile_is_schema_valid_and_clean() {
    let pkg = ProfilePackage::from_pes(base());
    assert!(pkg.validate().is_empty(), "{:?}", pkg.validate());
    let findings = lint(&pkg);
    assert!(
        max_severity(&findings) <= Some(Severity::Info),
        "{findings:#?}"
    );
    let ic = expect(&findings, RuleId::IccidCoding);
    assert!(ic.message.contains("plain digit order"), "{}", ic.message);
    // Besides the ICCID coding note, only what MF and USIM leave to default creation.
    let creation = of(&findings, RuleId::ReliesOnDefaultCreation);
    assert_eq!(creation.len(), 2, "{findings:#?}");
    assert!(
        creation[0].message.contains("EF.PL, EF.UMPC"),
        "{}",
        creation[0]
    );
    assert_eq!(findings.len(), 3, "{findings:#?}");
}

/// SAIP-SVC-008: a mandated application PE needs javacard or multos listed; a PE that is not
/// mandated needs nothing.
#[rstest]
#[case::mandated_unlisted(true, &["usim", "milenage"], true)]
#[case::mandated_javacard(true, &["usim", "milenage", "javacard"], false)]
#[case::mandated_multos(true, &["usim", "milenage", "multos"], false)]
#[case::optional(false, &["usim", "milenage"], false)]
fn mandated_application_needs_its_service(
    #[case] mandated: bool,
    #[case] services: &[&str],
    #[case] flagged: bool,
) {
    let mut pes = base();
    pes[0] = header(services, ICCID_PLAIN, &["2.23.143.1.2.1", "2.23.143.1.2.4"]);
    let app = c(
        alt_tag("application"),
        vec![pe_header(9, mandated), c(0xA2, vec![])],
    );
    let end = pes.pop().unwrap();
    pes.push(ProfileElement::from_tlv(app));
    pes.push(end);
    let f = run(pes);
    if flagged {
        let hit = expect(&f, RuleId::FeatureWithoutService);
        assert!(hit.message.contains("javacard or multos"), "{hit}");
        assert_eq!(hit.pe_kind.as_deref(), Some("application"));
    } else {
        expect_not(&f, RuleId::FeatureWithoutService);
    }
}

/// SAIP-HDR-003: a mandated template PE whose OID the GFSTE list omits.
#[rstest]
#[case::listed(&["2.23.143.1.2.1", "2.23.143.1.2.4"], None)]
#[case::usim_missing(&["2.23.143.1.2.1"], Some("usim"))]
#[case::mf_missing(&["2.23.143.1.2.4"], Some("mf"))]
fn mandated_template_in_the_gfste_list(#[case] gfste: &[&str], #[case] flagged: Option<&str>) {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage"], ICCID_PLAIN, gfste);
    let f = run(pes);
    let hits = of(&f, RuleId::TemplateNotListed);
    match flagged {
        Some(kind) => {
            assert_eq!(hits.len(), 1, "{f:#?}");
            assert_eq!(
                hits[0].path.as_deref(),
                Some(format!("{kind}.templateID").as_str())
            );
        }
        None => assert!(hits.is_empty(), "{f:#?}"),
    }
}

/// SAIP-COMPAT-009: a created-by-default template's files the PE leaves out, counted with those
/// needing content; listing a file (even empty) or marking it doNotCreate takes it off the list.
#[test]
fn files_left_to_default_creation() {
    let f = run(base());
    let mf = of(&f, RuleId::ReliesOnDefaultCreation)
        .into_iter()
        .find(|x| x.pe_kind.as_deref() == Some("mf"))
        .expect("mf finding")
        .clone();
    assert_eq!(mf.path.as_deref(), Some("mf"));
    assert!(mf.message.starts_with("2 of MF template"), "{mf}");

    // ef-pl marked doNotCreate, ef-umpc listed empty (template defaults only).
    let mut pes = base();
    pes[1] = file_pe(
        "mf",
        1,
        "2.23.143.1.2.1",
        vec![
            (
                "mf",
                vec![fcp(vec![p(0x82, &[0x78, 0x21]), p(0x83, &[0x3F, 0x00])])],
            ),
            ("ef-pl", vec![p(0x80, &[])]),
            (
                "ef-iccid",
                vec![
                    fcp(vec![p(0x82, &[0x41, 0x21]), p(0x83, &[0x2F, 0xE2])]),
                    fill(&hex::decode(ICCID_SWAPPED).unwrap()),
                ],
            ),
            ("ef-umpc", vec![]),
        ],
    );
    assert!(ProfilePackage::from_pes(pes.clone()).validate().is_empty());
    let f = run(pes);
    assert!(
        of(&f, RuleId::ReliesOnDefaultCreation)
            .iter()
            .all(|x| x.pe_kind.as_deref() != Some("mf")),
        "{f:#?}"
    );
}

/// SAIP-COMPAT-010: a listed file with neither content nor a pattern, whose template has a
/// default (EF.PL: `FF…FF`), takes the default; stating content or a pattern clears it.
#[rstest]
#[case::empty(vec![], true)]
#[case::content(vec![fill(&[0x65, 0x6E])], false)]
#[case::pattern(vec![fcp(vec![c(0xA5, vec![p(0xC1, &[0xFF])])])], false)]
fn content_left_to_the_template(#[case] items: Vec<Tlv>, #[case] flagged: bool) {
    let mut pes = base();
    let mut ch = pes[1].tlv().children().to_vec();
    let ty = PROFILE_ELEMENT.field("mf").unwrap().ty;
    let tag = ty.field("ef-pl").unwrap().wire_tag().unwrap();
    // ef-pl comes right after the mf component (header, templateID, mf, ef-pl, …).
    ch.insert(3, c(tag.to_u32(), items));
    pes[1] = ProfileElement::from_tlv(c(alt_tag("mf"), ch));
    assert!(ProfilePackage::from_pes(pes.clone()).validate().is_empty());
    let f = run(pes);
    let hits = of(&f, RuleId::ReliesOnTemplateContent);
    if flagged {
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert!(hits[0].message.contains("EF.PL"), "{}", hits[0]);
    } else {
        assert!(hits.is_empty(), "{f:#?}");
    }
}

// ------------------------------------------------------------------ structure

#[test]
fn header_not_first() {
    let mut pes = base();
    pes.swap(0, 1);
    let f = run(pes);
    let h = expect(&f, RuleId::HeaderFirst);
    assert_eq!(h.pe_index, Some(0));
    assert!(h.message.contains("pe[1]"));
}

#[test]
fn no_header_at_all() {
    let mut pes = base();
    pes.remove(0);
    let f = run(pes);
    let h = expect(&f, RuleId::HeaderFirst);
    assert!(h.message.contains("no ProfileHeader"));
}

#[test]
fn empty_package() {
    let f = run(vec![]);
    expect(&f, RuleId::HeaderFirst);
}

#[test]
fn end_not_last() {
    let mut pes = base();
    let e = pes.remove(4);
    pes.insert(3, e);
    expect(&run(pes), RuleId::EndLast);
    let mut pes = base();
    pes.pop();
    let f = run(pes);
    assert!(expect(&f, RuleId::EndLast).message.contains("no PE-End"));
}

#[test]
fn mf_not_second() {
    let mut pes = base();
    pes.swap(1, 2);
    let f = run(pes);
    let m = expect(&f, RuleId::MfSecond);
    assert_eq!(m.pe_index, Some(1));
    assert_eq!(m.pe_kind.as_deref(), Some("usim"));
}

#[test]
fn duplicate_identification() {
    let mut pes = base();
    pes[3] = aka(2, 1, 0, 16, false);
    let f = run(pes);
    let d = expect(&f, RuleId::DuplicateIdentification);
    assert_eq!(d.pe_index, Some(3));
    assert_eq!(d.identification, Some(2));
}

#[rstest]
#[case::usim("usim")]
#[case::end("end")]
#[case::mf("mf")]
fn multiple_occurrence(#[case] kind: &str) {
    let mut pes = base();
    let extra = match kind {
        "usim" => usim(9),
        "end" => end(9),
        _ => mf(9, ICCID_SWAPPED),
    };
    pes.insert(3, extra);
    let f = run(pes);
    let m = expect(&f, RuleId::MultipleOccurrence);
    assert!(m.message.contains(kind), "{m}");
}

#[rstest]
#[case::opt_usim_before("opt-usim", "2.23.143.1.2.5", true)]
#[case::gsm_access_without("gsm-access", "2.23.143.1.2.7", false)]
#[case::df_5gs_without("df-5gs", "2.23.143.1.2.13", false)]
#[case::df_saip_before("df-saip", "2.23.143.1.2.14", true)]
#[case::phonebook_before("phonebook", "2.23.143.1.2.6", true)]
fn order_dependency(#[case] kind: &str, #[case] template: &str, #[case] keep_usim: bool) {
    let mut pes = base();
    if !keep_usim {
        pes.remove(2);
        pes[0] = header(&["milenage"], ICCID_PLAIN, &[]);
    }
    // Directly after MF, i.e. before any USIM.
    pes.insert(2, file_pe(kind, 20, template, vec![]));
    let f = run(pes);
    let o = expect(&f, RuleId::OrderDependency);
    assert_eq!(o.pe_kind.as_deref(), Some(kind));
}

#[test]
fn opt_isim_and_opt_csim_need_their_base() {
    let mut pes = base();
    pes.insert(3, file_pe("opt-isim", 20, "2.23.143.1.2.9", vec![]));
    pes.insert(3, file_pe("opt-csim", 21, "2.23.143.1.2.11", vec![]));
    let f = run(pes);
    assert_eq!(of(&f, RuleId::OrderDependency).len(), 2);
}

#[test]
fn dependent_pe_after_its_base_is_fine() {
    let mut pes = base();
    pes.insert(3, file_pe("opt-usim", 20, "2.23.143.1.2.5", vec![]));
    expect_not(&run(pes), RuleId::OrderDependency);
}

// ------------------------------------------------------------------ schema, unknown PEs

#[test]
fn schema_violation_is_reported_with_path() {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage"], "890001234567890123", &[]);
    let f = run(pes);
    let s = expect(&f, RuleId::SchemaViolation);
    assert_eq!(s.pe_index, Some(0));
    assert!(s.path.as_deref().unwrap().contains("iccid"), "{s}");
}

#[test]
fn unknown_field_is_info() {
    let mut pes = base();
    let mut t = pes[4].tlv().clone();
    t.children_mut().push(p(0x9F7F, &[1]));
    pes[4] = ProfileElement::from_tlv(t);
    let f = run(pes);
    let u = expect(&f, RuleId::UnknownField);
    assert_eq!(u.pe_kind.as_deref(), Some("end"));
}

#[rstest]
#[case::not_mandated(false, RuleId::UnknownPe)]
#[case::mandated(true, RuleId::UnknownMandatedPe)]
fn unknown_pe(#[case] mandated: bool, #[case] rule: RuleId) {
    let mut pes = base();
    pes.insert(
        4,
        ProfileElement::from_tlv(c(0xBF30, vec![pe_header(30, mandated)])),
    );
    let f = run(pes);
    let u = expect(&f, rule);
    assert_eq!(u.pe_index, Some(4));
    assert_eq!(u.identification, Some(30));
    // Not doubled as a schema violation.
    assert!(of(&f, RuleId::SchemaViolation).is_empty(), "{f:#?}");
}

#[rstest]
#[case::do_not_create_with_content(vec![p(0x80, &[]), fill(&[1])], "doNotCreate")]
#[case::two_descriptors(vec![fcp(vec![]), fcp(vec![])], "more than one")]
#[case::descriptor_not_first(vec![fill(&[1]), fcp(vec![])], "first")]
fn file_structure(#[case] items: Vec<Tlv>, #[case] needle: &str) {
    let mut pes = base();
    let mut files = usim_files();
    files.push(("ef-spn", items));
    pes[2] = file_pe("usim", 2, "2.23.143.1.2.4", files);
    let f = run(pes);
    let e = expect(&f, RuleId::FileStructure);
    assert_eq!(e.path.as_deref(), Some("usim.ef-spn"));
    assert!(e.message.contains(needle), "{e}");
}

// ------------------------------------------------------------------ services

#[rstest]
#[case::isim("isim")]
#[case::csim("csim")]
#[case::usim("usim")]
fn service_without_pe(#[case] app: &str) {
    let mut pes = base();
    let mut services = vec!["usim", "milenage"];
    if app == "usim" {
        pes.remove(2);
    } else {
        services.push(app);
    }
    pes[0] = header(&services, ICCID_PLAIN, &[]);
    let f = run(pes);
    let s = expect(&f, RuleId::ServiceWithoutPe);
    assert!(s.message.contains(app));
}

#[test]
fn pe_without_service() {
    let mut pes = base();
    pes[0] = header(&["milenage"], ICCID_PLAIN, &[]);
    let f = run(pes);
    let s = expect(&f, RuleId::PeWithoutService);
    assert_eq!(s.pe_kind.as_deref(), Some("usim"));
}

#[rstest]
#[case::tuak128(2, 16, "tuak128")]
#[case::tuak256(2, 32, "tuak256")]
#[case::test_algorithm(3, 16, "usim-test-algorithm")]
fn algorithm_not_listed_and_listed_unused(
    #[case] algorithm: i64,
    #[case] key_len: usize,
    #[case] svc: &str,
) {
    let mut pes = base();
    pes[3] = aka(3, algorithm, 0x02, key_len, false);
    let f = run(pes);
    let a = expect(&f, RuleId::AlgorithmNotListed);
    assert!(a.message.contains(svc), "{a}");
    let u = expect(&f, RuleId::AlgorithmListedUnused);
    assert!(u.message.contains("milenage"), "{u}");
}

#[test]
fn ber_tlv_file_without_service() {
    let mut pes = base();
    let mut files = usim_files();
    files.push((
        "ef-spn",
        vec![fcp(vec![p(0x82, &[0x79, 0x21]), p(0x83, &[0x6F, 0x46])])],
    ));
    pes[2] = file_pe("usim", 2, "2.23.143.1.2.4", files);
    let f = run(pes.clone());
    let b = expect(&f, RuleId::BerTlvNotListed);
    assert_eq!(b.path.as_deref(), Some("usim.ef-spn[0].fileDescriptor"));
    // Listing ber-tlv clears it.
    pes[0] = header(&["usim", "milenage", "ber-tlv"], ICCID_PLAIN, &[]);
    let f = run(pes);
    expect_not(&f, RuleId::BerTlvNotListed);
    expect_not(&f, RuleId::BerTlvListedUnused);
}

#[test]
fn ber_tlv_listed_without_files() {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage", "ber-tlv"], ICCID_PLAIN, &[]);
    expect(&run(pes), RuleId::BerTlvListedUnused);
}

#[rstest]
#[case::gba_isim("gba-isim", "isim")]
#[case::multiple_csim("multiple-csim", "csim")]
fn service_dependency(#[case] svc: &str, #[case] needs: &str) {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage", svc], ICCID_PLAIN, &[]);
    let f = run(pes);
    let d = expect(&f, RuleId::ServiceDependency);
    assert!(d.message.contains(svc) && d.message.contains(needs), "{d}");
}

#[test]
fn get_identity_with_usim_is_fine() {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage", "get-identity"], ICCID_PLAIN, &[]);
    expect_not(&run(pes), RuleId::ServiceDependency);
}

// ------------------------------------------------------------------ ICCID

#[test]
fn header_iccid_in_ef_coding_is_reported() {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage"], ICCID_SWAPPED, &[]);
    let f = run(pes);
    let i = expect(&f, RuleId::IccidCoding);
    assert!(i.message.contains("nibble-swapped"), "{i}");
    expect_not(&f, RuleId::IccidMismatch);
}

#[test]
fn header_iccid_mismatch() {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage"], "89000123456789012349", &[]);
    let f = run(pes);
    let m = expect(&f, RuleId::IccidMismatch);
    assert_eq!(m.path.as_deref(), Some("header.iccid"));
    assert!(m.message.contains("mf.ef-iccid[1].fillFileContent"), "{m}");
}

#[test]
fn nineteen_digit_iccid() {
    let mut pes = base();
    pes[0] = header(&["usim", "milenage"], "8900012345678901234F", &[]);
    pes[1] = mf(1, "980010325476981032F4");
    let f = run(pes);
    expect_not(&f, RuleId::IccidMismatch);
    let n = expect(&f, RuleId::Iccid19Digits);
    assert!(n.message.contains("8900012345678901234 "), "{n}");
}

// ------------------------------------------------------------------ compatibility

#[test]
fn ef_file_size_one_octet() {
    let mut pes = base();
    let mut files = usim_files();
    files.push((
        "ef-spn",
        vec![fcp(vec![p(0x82, &[0x41, 0x21]), p(0x80, &[0x11])])],
    ));
    files.push((
        "ef-ecc",
        vec![fcp(vec![
            p(0x82, &[0x42, 0x21, 0x00, 0x04]),
            p(0x80, &[0x00, 0x14]),
        ])],
    ));
    pes[2] = file_pe("usim", 2, "2.23.143.1.2.4", files);
    let f = run(pes);
    let e = expect(&f, RuleId::EfFileSizeOneOctet);
    assert_eq!(
        e.path.as_deref(),
        Some("usim.ef-spn[0].fileDescriptor.efFileSize")
    );
    assert_eq!(of(&f, RuleId::EfFileSizeOneOctet).len(), 1);
    assert!(e.message.starts_with("1 efFileSize"), "{e}");
}

#[test]
fn proprietary_info_without_pattern_on_template_ef() {
    let mut pes = base();
    let mut files = usim_files();
    files.push(("ef-ad", vec![fcp(vec![c(0xA5, vec![p(0xC0, &[0x40])])])]));
    // Restated pattern: fine.
    files.push((
        "ef-keys",
        vec![fcp(vec![c(
            0xA5,
            vec![p(0xC0, &[0x40]), p(0xC1, &[0x07, 0xFF])],
        )])],
    ));
    pes[2] = file_pe("usim", 2, "2.23.143.1.2.4", files);
    let f = run(pes);
    let w = of(&f, RuleId::ProprietaryInfoWithoutPattern);
    assert_eq!(w.len(), 1, "{f:#?}");
    assert_eq!(
        w[0].path.as_deref(),
        Some("usim.ef-ad[0].fileDescriptor.proprietaryEFInfo")
    );
}

#[rstest]
#[case::open_perso(0xA4, "openPersoData")]
#[case::cat_tp(0xA5, "catTpParameters")]
fn sd_v22_fields(#[case] tag: u32, #[case] name: &str) {
    let mut pes = base();
    let sd = c(
        alt_tag("securityDomain"),
        vec![
            pe_header(5, true),
            c(0xA1, vec![]),
            c(tag, vec![p(0x80, &int(100)), p(0x81, &int(100))]),
        ],
    );
    pes.insert(4, ProfileElement::from_tlv(sd));
    let f = run(pes);
    let s = expect(&f, RuleId::SdV22Fields);
    assert_eq!(s.path, Some(format!("securityDomain.{name}")));
}

/// An akaParameter PE with explicit K and OPc lengths.
fn aka_sized(algorithm: i64, key_len: usize, opc_len: usize) -> ProfileElement {
    let params = vec![
        p(0x80, &int(algorithm)),
        p(0x81, &[0x02]),
        p(0x82, &vec![0x11; key_len]),
        p(0x83, &vec![0x22; opc_len]),
    ];
    let ch = vec![pe_header(3, true), c(0xA1, vec![c(0xA1, params)])];
    ProfileElement::from_tlv(c(alt_tag("akaParameter"), ch))
}

#[rstest]
#[case::milenage_ok(1, 16, 16, None)]
#[case::milenage_long_key(1, 32, 16, Some("key"))]
#[case::milenage_short_opc(1, 16, 8, Some("opc"))]
#[case::tuak128_ok(2, 16, 32, None)]
#[case::tuak256_ok(2, 32, 32, None)]
#[case::tuak_16_byte_topc(2, 16, 16, Some("opc"))]
#[case::tuak_24_byte_key(2, 24, 32, Some("key"))]
#[case::test_algorithm_any_opc(3, 16, 5, None)]
#[case::test_algorithm_long_key(3, 32, 16, Some("key"))]
fn aka_key_lengths(
    #[case] algorithm: i64,
    #[case] key_len: usize,
    #[case] opc_len: usize,
    #[case] flagged: Option<&str>,
) {
    let mut pes = base();
    pes[3] = aka_sized(algorithm, key_len, opc_len);
    let f = run(pes);
    match flagged {
        Some(field) => {
            let finding = expect(&f, RuleId::AkaKeyLength);
            assert_eq!(
                finding.path.as_deref(),
                Some(format!("akaParameter.algoConfiguration.algoParameter.{field}").as_str())
            );
            assert_eq!(finding.severity, Severity::Error);
        }
        None => expect_not(&f, RuleId::AkaKeyLength),
    }
}

#[rstest]
#[case::res32(0x00, true)]
#[case::res64(0x01, true)]
#[case::res128(0x02, false)]
fn test_algorithm_res_size(#[case] options: u8, #[case] flagged: bool) {
    let mut pes = base();
    pes[0] = header(&["usim", "usim-test-algorithm"], ICCID_PLAIN, &[]);
    pes[3] = aka(3, 3, options, 16, false);
    let f = run(pes);
    if flagged {
        expect(&f, RuleId::TestAlgorithmShortRes);
    } else {
        expect_not(&f, RuleId::TestAlgorithmShortRes);
    }
    expect_not(&f, RuleId::AlgorithmNotListed);
    expect_not(&f, RuleId::AlgorithmListedUnused);
}

/// `header` with another declared PE version.
fn header_version(major: i64, minor: i64) -> ProfileElement {
    let h = header(
        &["usim", "milenage"],
        ICCID_PLAIN,
        &["2.23.143.1.2.1", "2.23.143.1.2.4"],
    );
    let mut ch = h.tlv().children().to_vec();
    ch[0] = p(0x80, &int(major));
    ch[1] = p(0x81, &int(minor));
    ProfileElement::from_tlv(c(0xA0, ch))
}

#[test]
fn versioned_template_oid() {
    let mut pes = base();
    pes[0] = header_version(3, 1);
    pes[2] = file_pe("usim", 2, "2.23.143.1.2.4.2", usim_files());
    let f = run(pes);
    // Declared 3.1 = the version that introduced .4.2: still worth an Info.
    let v = expect(&f, RuleId::VersionedTemplate);
    assert_eq!(v.path.as_deref(), Some("usim.templateID"));
    assert!(v.message.contains("2.23.143.1.2.4.2") && v.message.contains("3.1"));
    assert!(v.message.contains("since PE v3.1"), "{}", v.message);
}

/// SAIP-COMPAT-008: a base template newer than the declared PE version (DF.5GS came with v2.3).
#[rstest]
#[case::df5gs_in_2_1(2, 1, true)]
#[case::df5gs_in_2_3(2, 3, false)]
#[case::df5gs_in_3_3(3, 3, false)]
fn base_template_newer_than_header(#[case] major: i64, #[case] minor: i64, #[case] flagged: bool) {
    let mut pes = base();
    pes[0] = header_version(major, minor);
    let end = pes.pop().unwrap();
    pes.push(file_pe("df-5gs", 9, "2.23.143.1.2.13", vec![]));
    pes.push(end);
    let f = run(pes);
    if flagged {
        let hit = expect(&f, RuleId::TemplateNewerThanHeader);
        assert_eq!(hit.path.as_deref(), Some("df-5gs.templateID"));
        assert!(hit.message.contains("PE v2.3"), "{hit}");
    } else {
        expect_not(&f, RuleId::TemplateNewerThanHeader);
    }
    expect_not(&f, RuleId::VersionedTemplate);
}

/// SAIP-COMPAT-006 compares the template's introducing version with the header's.
#[rstest]
#[case::v4_2_in_2_3("2.23.143.1.2.4.2", 2, 3, Some(Severity::Warning))]
#[case::v4_2_in_3_1("2.23.143.1.2.4.2", 3, 1, Some(Severity::Info))]
#[case::v4_2_in_3_3("2.23.143.1.2.4.2", 3, 3, Some(Severity::Info))]
#[case::v4_2_in_4_0("2.23.143.1.2.4.2", 4, 0, Some(Severity::Info))]
#[case::base_in_2_3("2.23.143.1.2.4", 2, 3, None)]
fn versioned_template_against_header_version(
    #[case] template: &str,
    #[case] major: i64,
    #[case] minor: i64,
    #[case] want: Option<Severity>,
) {
    let mut pes = base();
    pes[0] = header_version(major, minor);
    pes[2] = file_pe("usim", 2, template, usim_files());
    let f = run(pes);
    let hits = of(&f, RuleId::VersionedTemplate);
    assert_eq!(hits.first().map(|h| h.severity), want, "{f:#?}");
    if want == Some(Severity::Warning) {
        assert!(
            hits[0].message.contains("older than the template"),
            "{}",
            hits[0]
        );
    }
}

#[test]
fn versioned_template_newer_than_header_on_an_optional_pe() {
    // opt-usim .5.3 (PE v3.3) in a profile declaring 3.1: warning; in one declaring 3.3: info.
    for (minor, want) in [(1, Severity::Warning), (3, Severity::Info)] {
        let mut pes = base();
        pes[0] = header_version(3, minor);
        pes.insert(3, file_pe("opt-usim", 5, "2.23.143.1.2.5.3", vec![]));
        let f = run(pes);
        let v = of(&f, RuleId::VersionedTemplate);
        assert_eq!(v.len(), 1, "{f:#?}");
        assert_eq!(v[0].severity, want, "{}", v[0]);
        assert_eq!(v[0].path.as_deref(), Some("opt-usim.templateID"));
        assert!(v[0].message.contains("since PE v3.3"), "{}", v[0]);
    }
}

#[test]
fn omitted_defaults_are_info() {
    let mut pes = base();
    pes[3] = aka(3, 1, 0, 16, true);
    let f = run(pes);
    expect(&f, RuleId::OmittedDefault);
    let o = of(&f, RuleId::OmittedDefault);
    assert_eq!(o.len(), 2, "{f:#?}");
    assert!(o.iter().any(|o| o.message.contains("sqnOptions")));
    assert!(o.iter().any(|o| o.message.contains("xoringConstants")));
    assert!(max_severity(&f) <= Some(Severity::Info));
}

#[test]
fn omitted_pin_defaults_are_info() {
    let mut pes = base();
    let pin = c(
        alt_tag("pinCodes"),
        vec![
            pe_header(6, true),
            c(
                0xA1,
                vec![c(
                    0xA0,
                    vec![c(0x30, vec![p(0x80, &[0x01]), p(0x81, &[0x31; 8])])],
                )],
            ),
        ],
    );
    pes.insert(2, ProfileElement::from_tlv(pin));
    let f = run(pes);
    let o = expect(&f, RuleId::OmittedDefault);
    assert!(o.message.contains("maxNumOfAttemps-retryNumLeft"), "{o}");
}

// ------------------------------------------------------------------ output

#[test]
fn display_is_one_line_and_json_round_trips() {
    let mut pes = base();
    pes.swap(1, 2);
    let f = run(pes);
    for x in &f {
        let s = x.to_string();
        assert!(!s.contains('\n'), "{s}");
        assert!(s.starts_with(&format!("{} {}", x.severity, x.rule)));
    }
    let m = expect(&f, RuleId::MfSecond);
    assert_eq!(
        m.to_string(),
        format!("warning SAIP-STRUCT-003 pe[1] usim(id 2): {}", m.message)
    );
    let json: serde_json::Value = serde_json::from_str(&to_json(&f)).unwrap();
    let arr = json.as_array().unwrap();
    assert_eq!(arr.len(), f.len());
    let j = arr.iter().find(|j| j["rule"] == "SAIP-STRUCT-003").unwrap();
    assert_eq!(j["severity"], "warning");
    assert_eq!(j["pe_index"], 1);
    assert_eq!(j["pe_kind"], "usim");
    assert_eq!(j["identification"], 2);
    assert!(j["explanation"].as_str().unwrap().len() > 20);
}

#[test]
fn every_rule_has_id_title_and_unique_id() {
    let mut ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RuleId::ALL.len());
    for r in RuleId::ALL {
        assert!(!r.title().is_empty());
        assert_eq!(RuleId::from_id(r.id()), Some(*r));
    }
}

// ------------------------------------------------------------------ TS.48

mod common;
use common::load_ts48 as load;

#[rstest]
#[case("BERTLV_SUCI.der")]
#[case("BERTLV_SUCI_NoRAMRFM.der")]
#[case("NoBERTLV.der")]
#[case("NoBERTLV_NoRAMRFM.der")]
fn ts48_profiles_lint_without_errors(#[case] name: &str) {
    let Some(bytes) = load(name) else { return };
    let pkg = ProfilePackage::parse(&bytes).unwrap();
    let f = lint(&pkg);
    let errors: Vec<String> = f
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
    let rules: std::collections::BTreeSet<&str> = f.iter().map(|x| x.rule.id()).collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        [
            "SAIP-COMPAT-001",
            "SAIP-COMPAT-002",
            "SAIP-COMPAT-007",
            "SAIP-COMPAT-010",
            "SAIP-HDR-001",
            // Their cdmaParameter is mandated but cave is not a mandatory service.
            "SAIP-SVC-008"
        ],
        "{name}: {f:#?}"
    );
    let ic = expect(&f, RuleId::IccidCoding);
    assert!(ic.message.contains("plain digit order"), "{ic}");
}

#[test]
fn ts48_crafted_edits_trip_rules() {
    let Some(bytes) = load("BERTLV_SUCI.der") else {
        return;
    };
    let pkg = ProfilePackage::parse(&bytes).unwrap();
    // Drop ber-tlv from the header: the GFM-created BER-TLV files are now unlisted.
    let mut pes = pkg.pes().to_vec();
    let mut hdr = pes[0].tlv().clone();
    for ch in hdr.children_mut() {
        if ch.tag() == Tag::of(0xA5) {
            ch.children_mut().retain(|s| s.tag() != Tag::of(0x92));
        }
    }
    pes[0] = ProfileElement::from_tlv(hdr);
    let f = lint(&ProfilePackage::from_pes(pes));
    let b = expect(&f, RuleId::BerTlvNotListed);
    assert_eq!(b.pe_kind.as_deref(), Some("genericFileManagement"));
}
