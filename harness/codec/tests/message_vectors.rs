//! Every vector of `vectors/messages.toml` decodes (or fails) exactly as the manifest says, and
//! the named-tree renderings are pinned as reviewed snapshots.

use std::collections::{BTreeMap, HashSet};

use rsp_codec::named::PrettyOptions;
use rsp_codec::{schema, CodecError, Message};
use serde::Deserialize;

#[derive(Deserialize)]
struct Manifest {
    vector: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    id: String,
    #[serde(rename = "type")]
    ty: String,
    hex: String,
    expect: String,
    error: Option<String>,
    path: Option<String>,
    note: Option<String>,
}

fn manifest() -> Vec<Vector> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/messages.toml");
    let text = std::fs::read_to_string(path).expect("vectors/messages.toml is part of the repo");
    toml::from_str::<Manifest>(&text)
        .expect("manifest parses")
        .vector
}

fn bytes(v: &Vector) -> Vec<u8> {
    hex::decode(&v.hex).unwrap_or_else(|e| panic!("{}: bad hex: {e}", v.id))
}

/// All error messages of a failed decode, with their paths.
fn failures(ty: &'static schema::TypeDef, input: &[u8]) -> Vec<(Option<String>, String)> {
    match Message::parse(ty, input) {
        Err(CodecError::Tlv { source, .. }) => vec![(None, source.to_string())],
        Err(other) => vec![(None, other.to_string())],
        Ok(m) => m
            .validate()
            .into_iter()
            .map(|e| (Some(e.path.clone()), e.to_string()))
            .collect(),
    }
}

#[test]
fn manifest_is_well_formed() {
    let vectors = manifest();
    assert!(vectors.len() >= 130, "only {} vectors", vectors.len());
    let mut ids = HashSet::new();
    for v in &vectors {
        assert!(ids.insert(v.id.as_str()), "duplicate id {}", v.id);
        assert!(
            schema::lookup(&v.ty).is_some(),
            "{}: type {} is not in the schema",
            v.id,
            v.ty
        );
        assert!(matches!(v.expect.as_str(), "valid" | "invalid"), "{}", v.id);
        if v.expect == "invalid" {
            assert!(v.error.is_some(), "{}: invalid vector without error", v.id);
        }
        assert!(v.note.is_some(), "{}: every vector says what it is", v.id);
    }
}

#[test]
fn valid_vectors_decode_and_reencode_identically() {
    let mut problems = Vec::new();
    for v in manifest().iter().filter(|v| v.expect == "valid") {
        let ty = schema::lookup(&v.ty).unwrap();
        let input = bytes(v);
        match Message::parse(ty, &input) {
            Err(e) => problems.push(format!("{}: {e}", v.id)),
            Ok(m) => {
                let errors = m.validate();
                if !errors.is_empty() {
                    problems.push(format!(
                        "{}: {:?}",
                        v.id,
                        errors.iter().map(ToString::to_string).collect::<Vec<_>>()
                    ));
                }
                if m.encode() != input || m.encode_der() != input {
                    problems.push(format!("{}: re-encoding differs", v.id));
                }
                let unknown = m.named().root.unknown_paths();
                if !unknown.is_empty() {
                    problems.push(format!("{}: unknown fields {unknown:?}", v.id));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn invalid_vectors_fail_with_the_expected_error() {
    let mut problems = Vec::new();
    for v in manifest().iter().filter(|v| v.expect == "invalid") {
        let ty = schema::lookup(&v.ty).unwrap();
        let found = failures(ty, &bytes(v));
        if found.is_empty() {
            problems.push(format!("{}: accepted", v.id));
            continue;
        }
        let want = v.error.as_deref().unwrap_or_default();
        let hit = found.iter().any(|(path, msg)| {
            msg.contains(want)
                && match (&v.path, path) {
                    (Some(p), Some(found_path)) => found_path == p,
                    _ => true,
                }
        });
        if !hit {
            problems.push(format!(
                "{}: wanted {want:?} at {:?}, got {found:?}",
                v.id, v.path
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn damaged_vectors_never_panic() {
    for v in manifest() {
        let ty = schema::lookup(&v.ty).unwrap();
        let input = bytes(&v);
        for cut in 0..input.len() {
            let _ = failures(ty, &input[..cut]);
        }
        for i in 0..input.len() {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut d = input.clone();
                d[i] ^= flip;
                if let Ok(m) = Message::parse(ty, &d) {
                    let _ = m.pretty();
                }
            }
        }
    }
}

/// One snapshot per interface group; each entry is the redacted named rendering (valid vectors)
/// or the error list (invalid vectors).
#[test]
fn named_tree_snapshots() {
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    for v in manifest() {
        let ty = schema::lookup(&v.ty).unwrap();
        let group = v.id.split('.').next().unwrap_or("other").to_owned();
        let out = groups.entry(group).or_default();
        out.push_str(&format!("## {} ({})\n", v.id, v.ty));
        match Message::parse(ty, &bytes(&v)) {
            Err(e) => out.push_str(&format!("error: {e}\n")),
            Ok(m) => {
                for e in m.validate() {
                    out.push_str(&format!("error: {e}\n"));
                }
                out.push_str(&m.pretty_with(&PrettyOptions::default()));
            }
        }
        out.push('\n');
    }
    for (group, text) in groups {
        insta::assert_snapshot!(format!("messages_{group}"), text);
    }
}
