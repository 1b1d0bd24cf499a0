use super::Rng;
use super::*;
use crate::schema;
use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest};
use rstest::rstest;

/// The codec's message vectors.
fn vectors() -> Vec<toml::Value> {
    let text = include_str!("../../../../vectors/messages.toml");
    let doc: toml::Table = toml::from_str(text).expect("messages.toml");
    doc["vector"].as_array().expect("vectors").clone()
}

/// A valid AuthenticateServerRequest from the codec's vectors, and its type.
fn any_vector() -> (Vec<u8>, &'static TypeDef) {
    let v = vectors()
        .into_iter()
        .find(|v| {
            v["type"].as_str() == Some("AuthenticateServerRequest")
                && v["expect"].as_str() == Some("valid")
        })
        .expect("an AuthenticateServerRequest vector");
    let ty = schema::lookup(v["type"].as_str().expect("type")).expect("known type");
    (
        hex::decode(v["hex"].as_str().expect("hex")).expect("hex"),
        ty,
    )
}

#[test]
fn same_seed_same_mutation_other_seed_other_place() {
    let (der, ty) = any_vector();
    for s in DerStrategy::ALL {
        let a = mutate_der(&der, Some(ty), s, &mut Rng::new(7));
        let b = mutate_der(&der, Some(ty), s, &mut Rng::new(7));
        assert_eq!(a, b, "{}", s.name());
    }
    let places: std::collections::BTreeSet<String> = (0..32)
        .filter_map(|seed| {
            mutate_der(&der, Some(ty), DerStrategy::BitFlip, &mut Rng::new(seed)).ok()
        })
        .map(|m| m.path)
        .collect();
    assert!(places.len() > 4, "bit flips should spread: {places:?}");
}

#[rstest]
#[case(DerStrategy::LengthShort)]
#[case(DerStrategy::LengthLong)]
#[case(DerStrategy::LengthHuge)]
#[case(DerStrategy::Truncate)]
fn framing_strategies_break_the_tlv(#[case] s: DerStrategy) {
    let (der, ty) = any_vector();
    for seed in 0..16 {
        let m = mutate_der(&der, Some(ty), s, &mut Rng::new(seed)).expect("mutation");
        assert!(m.breaks_message);
        assert_ne!(m.bytes, der);
        // Either it no longer parses, or (a lie inside a node whose parent absorbed it) its
        // tree differs from the original.
        if let Ok(t) = Tlv::parse(&m.bytes) {
            assert_ne!(t.encode(), der, "{}: {}", s.name(), m.description);
        }
    }
}

#[test]
fn names_come_from_the_schema_and_mandatory_drops_are_marked() {
    let (der, ty) = any_vector();
    let mut seen_mandatory = false;
    for seed in 0..64 {
        let m = mutate_der(&der, Some(ty), DerStrategy::DropField, &mut Rng::new(seed)).unwrap();
        assert!(
            m.path.starts_with("AuthenticateServerRequest"),
            "{}",
            m.path
        );
        let decoded = crate::named::validate(ty, &Tlv::parse(&m.bytes).unwrap());
        if m.drops_mandatory {
            seen_mandatory = true;
            assert!(
                !decoded.is_empty(),
                "{} left a valid message",
                m.description
            );
        }
    }
    assert!(seen_mandatory);
}

#[test]
fn corrupt_signature_changes_only_a_signature() {
    let (der, ty) = any_vector();
    for seed in 0..16 {
        let m = mutate_der(
            &der,
            Some(ty),
            DerStrategy::CorruptSignature,
            &mut Rng::new(seed),
        )
        .unwrap();
        assert!(
            m.path.to_ascii_lowercase().contains("signature") || m.path.ends_with("/03"),
            "{}",
            m.path
        );
        assert_eq!(m.bytes.len(), der.len());
        let differing = m.bytes.iter().zip(&der).filter(|(a, b)| a != b).count();
        assert_eq!(differing, 1);
    }
}

#[test]
fn growth_and_nesting_stay_bounded() {
    let (der, ty) = any_vector();
    for s in [DerStrategy::OversizedString, DerStrategy::DeepNesting] {
        for seed in 0..16 {
            let m = mutate_der(&der, Some(ty), s, &mut Rng::new(seed)).unwrap();
            assert!(m.bytes.len() <= der.len() + MAX_GROWTH, "{}", m.description);
        }
    }
}

#[test]
fn a_strategy_without_a_target_says_so() {
    let leaf = [0x80, 0x00];
    let e = mutate_der(&leaf, None, DerStrategy::ReorderFields, &mut Rng::new(1)).unwrap_err();
    assert!(matches!(e, MutateError::NoTarget { .. }), "{e}");
    let e = mutate_der(&[0x30, 0x05], None, DerStrategy::BitFlip, &mut Rng::new(1)).unwrap_err();
    assert!(matches!(e, MutateError::NotTlv(_)), "{e}");
}

fn body() -> Value {
    serde_json::json!({
        "header": { "functionRequesterIdentifier": "lpa", "functionCallIdentifier": "1" },
        "transactionId": "0102030405060708090A0B0C0D0E0F10",
        "authenticateServerResponse": base64::engine::general_purpose::STANDARD.encode(any_vector().0),
    })
}

#[rstest]
#[case("missing-key")]
#[case("extra-key")]
#[case("type-confusion")]
#[case("base64-damage")]
#[case("oversized-string")]
#[case("empty-string")]
#[case("der-corrupt-signature")]
#[case("der-drop-field")]
fn json_strategies_change_the_body(#[case] name: &str) {
    let s = JsonStrategy::from_name(name).expect("known");
    assert_eq!(s.name(), name);
    let ty = |k: &str| (k == "authenticateServerResponse").then(|| any_vector().1);
    for seed in 0..8 {
        let m = mutate_json(&body(), s, &ty, &mut Rng::new(seed)).expect("mutation");
        assert_ne!(m.body, body(), "{}", m.description);
        assert!(m.description.starts_with(name), "{}", m.description);
        assert_eq!(m.der.is_some(), name.starts_with("der-"));
    }
}

#[test]
fn base64_damage_does_not_decode() {
    for seed in 0..16 {
        let m = mutate_json(
            &body(),
            JsonStrategy::Base64Damage,
            &|_| None,
            &mut Rng::new(seed),
        )
        .unwrap();
        let v = m.body.get(&m.key).and_then(Value::as_str).unwrap();
        assert!(
            base64::engine::general_purpose::STANDARD.decode(v).is_err(),
            "{}",
            m.description
        );
    }
}

#[test]
fn multibyte_activation_codes_keep_utf8_and_split_characters_at_byte_12() {
    let ac = "LPA:1$SMDP.EXAMPLE.COM$MATCHING-ID";
    let hits = (0..200)
        .map(|seed| mutate_activation_code(ac, AcStrategy::Multibyte, &mut Rng::new(seed)).0)
        .filter(|m| !m.is_char_boundary(12))
        .count();
    assert!(hits > 0, "some multibyte insertions straddle byte 12");
    for s in AcStrategy::ALL {
        let (m, what) = mutate_activation_code(ac, s, &mut Rng::new(3));
        assert_ne!(m, ac, "{}: {what}", s.name());
    }
}

proptest! {
    #[test]
    fn never_panics_on_any_input(bytes in proptest::collection::vec(any::<u8>(), 0..300), seed: u64) {
        for s in DerStrategy::ALL {
            let _ = mutate_der(&bytes, None, s, &mut Rng::new(seed));
        }
        for s in BytesStrategy::ALL {
            let (out, _) = mutate_bytes(&bytes, s, &mut Rng::new(seed));
            prop_assert!(out.len() <= bytes.len() + MAX_GROWTH);
        }
        let text = String::from_utf8_lossy(&bytes);
        for s in AcStrategy::ALL {
            let _ = mutate_activation_code(&text, s, &mut Rng::new(seed));
        }
    }

    #[test]
    fn every_der_mutation_of_a_vector_is_deterministic(seed: u64) {
        let (der, ty) = any_vector();
        for s in DerStrategy::ALL {
            let a = mutate_der(&der, Some(ty), s, &mut Rng::new(seed));
            prop_assert_eq!(a, mutate_der(&der, Some(ty), s, &mut Rng::new(seed)));
        }
    }
}
