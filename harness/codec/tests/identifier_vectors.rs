//! Checks every entry of `vectors/identifiers.toml` against `rsp_codec::eid` and
//! `rsp_codec::iccid`. The manifest header documents the fields; every field given is checked
//! and unknown fields are an error.
//!
//! `[[eid]]`: `input` → [`Eid::parse`], `bcd` → [`Eid::from_bcd`]; `expect`, `error`
//! ([`EidError::kind`]), `check_digits` (what the first 30 digits call for: checked with
//! [`compute_check_digits`], [`Eid::expected_check_digits`] and, for a `CheckDigits` error, the
//! error's `expected`), `digits` (what `bcd` decodes to).
//!
//! `[[iccid]]`: `input` → [`Iccid::parse`], `bcd` → [`Iccid::from_bcd`] (EF.ICCID coding),
//! `plain_bcd` → [`Iccid::from_plain_bcd`]; `expect`, `error` ([`IccidError::kind`]), `digits`,
//! `luhn` ([`Iccid::luhn_valid`], and [`Iccid::parse_strict`] succeeds exactly when true),
//! `luhn_digit` ([`luhn_check_digit`] of all digits but the last).
//!
//! A wrong expectation fails the test; [`mutated_expectations_are_caught`] makes sure of that by
//! corrupting each entry's expectations and checking that the checker objects.

use std::collections::BTreeSet;

use rsp_codec::eid::{compute_check_digits, Eid, EidError};
use rsp_codec::iccid::{luhn_check_digit, Iccid, IccidError};
use serde::Deserialize;

const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../vectors/identifiers.toml"
);

const EID_KINDS: &[&str] = &[
    "WrongLength",
    "NonDigit",
    "WrongByteLength",
    "BadNibble",
    "CheckDigits",
];
const ICCID_KINDS: &[&str] = &[
    "WrongLength",
    "NonDigit",
    "UnexpectedPadding",
    "WrongByteLength",
    "BadNibble",
    "PaddingNotAtEnd",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    eid: Vec<EidCase>,
    iccid: Vec<IccidCase>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Valid,
    Invalid,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EidCase {
    input: Option<String>,
    bcd: Option<String>,
    expect: Expect,
    error: Option<String>,
    check_digits: Option<String>,
    digits: Option<String>,
    note: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IccidCase {
    input: Option<String>,
    bcd: Option<String>,
    plain_bcd: Option<String>,
    expect: Expect,
    error: Option<String>,
    digits: Option<String>,
    luhn: Option<bool>,
    luhn_digit: Option<u8>,
    note: String,
}

fn load() -> Manifest {
    let text = std::fs::read_to_string(MANIFEST).expect("read vectors/identifiers.toml");
    toml::from_str(&text).expect("parse vectors/identifiers.toml")
}

fn unhex(field: &str, s: &str) -> Result<Vec<u8>, String> {
    hex::decode(s).map_err(|e| format!("manifest: {field} {s:?} is not hex: {e}"))
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

// ---------------------------------------------------------------------------------------------
// EID

/// The two check digits as a number, from a two-character manifest string.
fn two_digits(s: &str) -> Result<u8, String> {
    ensure!(
        s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()),
        "manifest: check_digits {s:?} must be two digits"
    );
    s.parse().map_err(|e| format!("{e}"))
}

fn check_eid(c: &EidCase) -> Result<(), String> {
    let mut results: Vec<(&str, Result<Eid, EidError>)> = Vec::new();
    if let Some(input) = &c.input {
        results.push(("input", Eid::parse(input)));
    }
    let bcd = match &c.bcd {
        Some(h) => {
            let bytes = unhex("bcd", h)?;
            results.push(("bcd", Eid::from_bcd(&bytes)));
            Some(bytes)
        }
        None => None,
    };
    ensure!(!results.is_empty(), "manifest: give input and/or bcd");
    let check = c.check_digits.as_deref().map(two_digits).transpose()?;

    match c.expect {
        Expect::Valid => {
            ensure!(c.error.is_none(), "manifest: error on a valid entry");
            let mut eids = Vec::new();
            for (form, r) in &results {
                match r {
                    Ok(eid) => eids.push(*eid),
                    Err(e) => return Err(format!("{form}: expected valid, got {e:?} ({e})")),
                }
            }
            let eid = eids[0];
            ensure!(
                eids.iter().all(|e| *e == eid),
                "forms decode differently: {eids:?}"
            );
            let digits = eid.to_digits();
            if let Some(input) = &c.input {
                ensure!(digits == *input, "to_digits {digits} != input {input}");
            }
            if let Some(bytes) = &bcd {
                ensure!(
                    eid.as_bytes()[..] == bytes[..],
                    "as_bytes {} != bcd",
                    hex::encode_upper(eid.as_bytes())
                );
            }
            if let Some(d) = &c.digits {
                ensure!(digits == *d, "digits {digits} != manifest {d}");
            }
            ensure!(eid.check_digits_valid(), "check_digits_valid() is false");
            ensure!(
                eid.to_string().parse::<Eid>() == Ok(eid),
                "Display/FromStr round trip"
            );
            if let Some(n) = check {
                check_expected_digits(&digits, n)?;
                ensure!(
                    eid.expected_check_digits() == n && eid.check_digits() == n,
                    "expected_check_digits {} / check_digits {} != {n}",
                    eid.expected_check_digits(),
                    eid.check_digits()
                );
            }
        }
        Expect::Invalid => {
            let kind = c
                .error
                .as_deref()
                .ok_or("manifest: invalid entry without error")?;
            ensure!(
                EID_KINDS.contains(&kind),
                "manifest: unknown EidError kind {kind:?}"
            );
            ensure!(
                results.len() == 1,
                "manifest: an invalid entry gives one form"
            );
            let (form, r) = &results[0];
            let err = match r {
                Ok(eid) => return Err(format!("{form}: expected {kind}, got valid {eid:?}")),
                Err(e) => e.clone(),
            };
            ensure!(
                err.kind() == kind,
                "{form}: expected {kind}, got {err:?} ({err})"
            );
            // What the unverified constructors make of it.
            let unverified = match (&c.input, &bcd) {
                (Some(input), _) => Eid::parse_unverified(input),
                (None, Some(bytes)) => Eid::from_bcd_unverified(bytes),
                (None, None) => unreachable!(),
            };
            if kind == "CheckDigits" {
                let eid = unverified.map_err(|e| format!("unverified decode failed: {e:?}"))?;
                ensure!(!eid.check_digits_valid(), "check_digits_valid() is true");
                let digits = eid.to_digits();
                if let Some(d) = &c.digits {
                    ensure!(digits == *d, "unverified digits {digits} != manifest {d}");
                }
                let found = two_digits(&digits[30..])?;
                let n = check.ok_or("manifest: CheckDigits entry without check_digits")?;
                check_expected_digits(&digits, n)?;
                ensure!(
                    err == EidError::CheckDigits { expected: n, found },
                    "{err:?} != CheckDigits {{ expected: {n}, found: {found} }}"
                );
            } else {
                ensure!(
                    c.digits.is_none() && check.is_none(),
                    "manifest: digits/check_digits on a {kind} entry"
                );
                ensure!(
                    unverified.as_ref().map_err(EidError::kind) == Err(kind),
                    "unverified constructor gives {unverified:?}, expected {kind}"
                );
            }
        }
    }
    Ok(())
}

/// `compute_check_digits` of the first 30 digits is `n`.
fn check_expected_digits(digits: &str, n: u8) -> Result<(), String> {
    let want = [b'0' + n / 10, b'0' + n % 10];
    let got = compute_check_digits(&digits[..30]);
    ensure!(
        got == Ok(want),
        "compute_check_digits({}) = {got:?}, manifest says {n:02}",
        &digits[..30]
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ICCID

fn check_iccid(c: &IccidCase) -> Result<(), String> {
    let mut results: Vec<(&str, Result<Iccid, IccidError>)> = Vec::new();
    if let Some(input) = &c.input {
        results.push(("input", Iccid::parse(input)));
    }
    let bcd = c.bcd.as_deref().map(|h| unhex("bcd", h)).transpose()?;
    if let Some(bytes) = &bcd {
        results.push(("bcd", Iccid::from_bcd(bytes)));
    }
    let plain = c
        .plain_bcd
        .as_deref()
        .map(|h| unhex("plain_bcd", h))
        .transpose()?;
    if let Some(bytes) = &plain {
        results.push(("plain_bcd", Iccid::from_plain_bcd(bytes)));
    }
    ensure!(
        !results.is_empty(),
        "manifest: give input, bcd and/or plain_bcd"
    );

    match c.expect {
        Expect::Valid => {
            ensure!(c.error.is_none(), "manifest: error on a valid entry");
            let mut iccids = Vec::new();
            for (form, r) in &results {
                match r {
                    Ok(i) => iccids.push(i.clone()),
                    Err(e) => return Err(format!("{form}: expected valid, got {e:?} ({e})")),
                }
            }
            let iccid = iccids[0].clone();
            ensure!(
                iccids.iter().all(|i| *i == iccid),
                "forms decode differently: {iccids:?}"
            );
            let digits = iccid.as_str();
            ensure!(
                iccid.to_string() == digits && iccid.len() == digits.len(),
                "Display/len"
            );
            if let Some(d) = &c.digits {
                ensure!(digits == d, "digits {digits} != manifest {d}");
            }
            if let Some(bytes) = &bcd {
                ensure!(
                    iccid.to_bcd()[..] == bytes[..],
                    "to_bcd {} != bcd",
                    hex::encode_upper(iccid.to_bcd())
                );
            }
            if let Some(bytes) = &plain {
                ensure!(
                    iccid.to_plain_bcd()[..] == bytes[..],
                    "to_plain_bcd {} != plain_bcd",
                    hex::encode_upper(iccid.to_plain_bcd())
                );
            }
            let (payload, last) = digits.split_at(digits.len() - 1);
            let last: u8 = last.parse().map_err(|e| format!("{e}"))?;
            if let Some(n) = c.luhn_digit {
                let got = luhn_check_digit(payload);
                ensure!(
                    got == Ok(n),
                    "luhn_check_digit({payload}) = {got:?}, manifest {n}"
                );
            }
            if let Some(luhn) = c.luhn {
                ensure!(
                    iccid.luhn_valid() == luhn,
                    "luhn_valid() = {}",
                    iccid.luhn_valid()
                );
                let mut strict_inputs = vec![digits.to_string()];
                strict_inputs.extend(c.input.clone());
                for s in strict_inputs {
                    let strict = Iccid::parse_strict(&s);
                    if luhn {
                        ensure!(
                            strict.as_ref() == Ok(&iccid),
                            "parse_strict({s:?}) = {strict:?}"
                        );
                    } else {
                        match strict {
                            Err(IccidError::LuhnMismatch { expected, found }) => {
                                ensure!(found == last, "LuhnMismatch found {found} != {last}");
                                if let Some(n) = c.luhn_digit {
                                    ensure!(
                                        expected == n,
                                        "LuhnMismatch expected {expected} != {n}"
                                    );
                                }
                            }
                            other => {
                                return Err(format!(
                                    "parse_strict({s:?}) = {other:?}, expected LuhnMismatch"
                                ))
                            }
                        }
                    }
                }
            }
        }
        Expect::Invalid => {
            let kind = c
                .error
                .as_deref()
                .ok_or("manifest: invalid entry without error")?;
            ensure!(
                ICCID_KINDS.contains(&kind),
                "manifest: unknown IccidError kind {kind:?}"
            );
            ensure!(
                results.len() == 1,
                "manifest: an invalid entry gives one form"
            );
            ensure!(
                c.digits.is_none() && c.luhn.is_none() && c.luhn_digit.is_none(),
                "manifest: digits/luhn/luhn_digit on an invalid entry"
            );
            let (form, r) = &results[0];
            match r {
                Ok(i) => return Err(format!("{form}: expected {kind}, got valid {i:?}")),
                Err(e) => ensure!(e.kind() == kind, "{form}: expected {kind}, got {e:?} ({e})"),
            }
            if let Some(input) = &c.input {
                let strict = Iccid::parse_strict(input);
                ensure!(
                    strict.as_ref().map_err(IccidError::kind) == Err(kind),
                    "parse_strict gives {strict:?}, expected {kind}"
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

fn run_all(m: &Manifest) -> Vec<String> {
    let mut failures = Vec::new();
    for (i, c) in m.eid.iter().enumerate() {
        if let Err(e) = check_eid(c) {
            failures.push(format!("eid #{} ({}): {e}", i + 1, c.note));
        }
    }
    for (i, c) in m.iccid.iter().enumerate() {
        if let Err(e) = check_iccid(c) {
            failures.push(format!("iccid #{} ({}): {e}", i + 1, c.note));
        }
    }
    failures
}

#[test]
fn identifier_vectors() {
    let m = load();
    let failures = run_all(&m);
    assert!(
        failures.is_empty(),
        "{} failing entries:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn manifest_coverage() {
    let m = load();
    assert!(m.eid.len() >= 15, "{} EID entries", m.eid.len());
    assert!(m.iccid.len() >= 15, "{} ICCID entries", m.iccid.len());

    let eid_kinds: BTreeSet<&str> = m.eid.iter().filter_map(|c| c.error.as_deref()).collect();
    assert_eq!(eid_kinds, EID_KINDS.iter().copied().collect());
    let iccid_kinds: BTreeSet<&str> = m.iccid.iter().filter_map(|c| c.error.as_deref()).collect();
    assert_eq!(iccid_kinds, ICCID_KINDS.iter().copied().collect());
    // LuhnMismatch is reached through parse_strict on `luhn = false` entries.
    assert!(m.iccid.iter().any(|c| c.luhn == Some(false)));
    assert!(m.iccid.iter().any(|c| c.luhn == Some(true)));

    let valid_eids = m.eid.iter().filter(|c| c.expect == Expect::Valid).count();
    assert!(valid_eids >= 5 && m.eid.len() - valid_eids >= 5);
    // Both text and binary forms, and every ICCID length.
    assert!(m.eid.iter().any(|c| c.bcd.is_some() && c.input.is_none()));
    assert!(m.iccid.iter().any(|c| c.plain_bcd.is_some()));
    let lengths: BTreeSet<usize> = m
        .iccid
        .iter()
        .filter_map(|c| c.digits.as_ref().map(String::len))
        .collect();
    assert_eq!(lengths, [18, 19, 20].into_iter().collect());

    // No accidental duplicates.
    let mut seen = BTreeSet::new();
    for c in &m.eid {
        assert!(
            seen.insert(("eid", c.input.clone(), c.bcd.clone(), None)),
            "duplicate {c:?}"
        );
    }
    for c in &m.iccid {
        assert!(
            seen.insert(("iccid", c.input.clone(), c.bcd.clone(), c.plain_bcd.clone())),
            "duplicate {c:?}"
        );
    }
}

/// `d` with its last digit incremented (mod 10).
fn bump_last_digit(d: &str) -> String {
    let (head, last) = d.split_at(d.len() - 1);
    let last: u8 = last.parse().unwrap();
    format!("{head}{}", (last + 1) % 10)
}

/// The checker must object when an expectation is wrong: corrupt each entry in every way that
/// applies and check that it then fails.
#[test]
fn mutated_expectations_are_caught() {
    let m = load();
    let mut missed = Vec::new();
    let other_kind = |kinds: &[&str], k: &str| {
        kinds
            .iter()
            .find(|x| **x != k)
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    for c in &m.eid {
        let mut muts: Vec<(&str, EidCase)> = Vec::new();
        let mut flipped = c.clone();
        match c.expect {
            Expect::Valid => {
                flipped.expect = Expect::Invalid;
                flipped.error = Some("CheckDigits".into());
                if c.input.is_some() {
                    flipped.bcd = None;
                }
            }
            Expect::Invalid => {
                flipped.expect = Expect::Valid;
                flipped.error = None;
            }
        }
        muts.push(("flip expect", flipped));
        if let Some(k) = &c.error {
            let mut m = c.clone();
            m.error = Some(other_kind(EID_KINDS, k));
            muts.push(("other error", m));
        }
        if let Some(d) = &c.check_digits {
            let mut m = c.clone();
            m.check_digits = Some(if d == "50" { "51" } else { "50" }.into());
            muts.push(("other check_digits", m));
        }
        if let Some(d) = &c.digits {
            let mut m = c.clone();
            m.digits = Some(bump_last_digit(d));
            muts.push(("other digits", m));
        }
        for (what, m) in muts {
            if check_eid(&m).is_ok() {
                missed.push(format!("eid {:?}: {what} not caught", c.note));
            }
        }
    }
    for c in &m.iccid {
        let mut muts: Vec<(&str, IccidCase)> = Vec::new();
        let mut flipped = c.clone();
        match c.expect {
            Expect::Valid => {
                flipped.expect = Expect::Invalid;
                flipped.error = Some("WrongLength".into());
                flipped.digits = None;
                flipped.luhn = None;
                flipped.luhn_digit = None;
                if flipped.input.is_some() {
                    flipped.bcd = None;
                    flipped.plain_bcd = None;
                } else if flipped.bcd.is_some() {
                    flipped.plain_bcd = None;
                }
            }
            Expect::Invalid => {
                flipped.expect = Expect::Valid;
                flipped.error = None;
            }
        }
        muts.push(("flip expect", flipped));
        if let Some(k) = &c.error {
            let mut m = c.clone();
            m.error = Some(other_kind(ICCID_KINDS, k));
            muts.push(("other error", m));
        }
        if let Some(d) = &c.digits {
            let mut m = c.clone();
            m.digits = Some(bump_last_digit(d));
            muts.push(("other digits", m));
        }
        if let Some(l) = c.luhn {
            let mut m = c.clone();
            m.luhn = Some(!l);
            muts.push(("flip luhn", m));
        }
        if let Some(n) = c.luhn_digit {
            let mut m = c.clone();
            m.luhn_digit = Some((n + 1) % 10);
            muts.push(("other luhn_digit", m));
        }
        for (what, m) in muts {
            if check_iccid(&m).is_ok() {
                missed.push(format!("iccid {:?}: {what} not caught", c.note));
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}
