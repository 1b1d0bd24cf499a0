//! Round-trip properties: the TLV tree is lossless, schema values survive encode/decode, and path
//! edits read back what they wrote.

use proptest::prelude::*;
use rsp_codec::der::BitString;
use rsp_codec::named::validate;
use rsp_codec::tlv::{Class, Tag, Tlv};
use rsp_codec::views::*;
use rsp_codec::{schema, FieldValue, Message};

/// A tree plus, per node, how many extra length octets to spend (BER long forms).
#[derive(Debug, Clone)]
enum Gen {
    Prim(Tag, Vec<u8>, u8),
    Cons(Tag, Vec<Gen>, u8),
}

fn tag_strategy(constructed: bool) -> impl Strategy<Value = Tag> {
    (0u8..4, prop_oneof![0u32..31, 31u32..200, 200u32..20000]).prop_map(move |(c, n)| {
        let class = [
            Class::Universal,
            Class::Application,
            Class::ContextSpecific,
            Class::Private,
        ][c as usize];
        Tag::new(class, constructed, n)
    })
}

fn gen_tree() -> impl Strategy<Value = Gen> {
    let leaf = (
        tag_strategy(false),
        proptest::collection::vec(any::<u8>(), 0..300),
        0u8..3,
    )
        .prop_map(|(t, v, f)| Gen::Prim(t, v, f));
    leaf.prop_recursive(5, 64, 6, |inner| {
        (
            tag_strategy(true),
            proptest::collection::vec(inner, 0..6),
            0u8..3,
        )
            .prop_map(|(t, c, f)| Gen::Cons(t, c, f))
    })
}

/// Encodes with `extra` additional length octets beyond DER's minimum.
fn write_len(out: &mut Vec<u8>, len: usize, extra: u8) {
    let min = if len < 0x80 {
        0
    } else {
        (usize::BITS - len.leading_zeros()).div_ceil(8) as u8
    };
    let n = if extra == 0 {
        min
    } else {
        (min.max(1) + extra - 1).min(4)
    };
    if n == 0 {
        out.push(len as u8);
    } else {
        out.push(0x80 | n);
        for i in (0..n).rev() {
            out.push((len >> (8 * i as usize)) as u8);
        }
    }
}

fn ber(g: &Gen, der: bool) -> Vec<u8> {
    let (tag, content, extra) = match g {
        Gen::Prim(t, v, f) => (*t, v.clone(), *f),
        Gen::Cons(t, c, f) => (*t, c.iter().flat_map(|x| ber(x, der)).collect(), *f),
    };
    let mut out = tag.to_bytes();
    write_len(&mut out, content.len(), if der { 0 } else { extra });
    out.extend(content);
    out
}

fn tree(g: &Gen) -> Tlv {
    match g {
        Gen::Prim(t, v, _) => Tlv::primitive(*t, v.clone()),
        Gen::Cons(t, c, _) => Tlv::constructed(*t, c.iter().map(tree).collect()),
    }
}

fn octets(n: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), n..=n)
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9 .\\-ÄÖé]{{0,{max}}}")).unwrap()
}

fn oid() -> impl Strategy<Value = String> {
    (
        0u64..3,
        0u64..40,
        proptest::collection::vec(0u64..1_000_000, 0..6),
    )
        .prop_map(|(a, b, r)| {
            let mut s = format!("{a}.{b}");
            for x in r {
                s.push_str(&format!(".{x}"));
            }
            s
        })
}

fn bits() -> impl Strategy<Value = BitString> {
    proptest::collection::btree_set(0usize..24, 0..5)
        .prop_map(|s| BitString::from_bits(&s.into_iter().collect::<Vec<_>>()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tlv_reencodes_identically_and_normalizes_to_der(g in gen_tree()) {
        let input = ber(&g, false);
        let parsed = Tlv::parse(&input).unwrap();
        prop_assert_eq!(parsed.encode(), input);
        let der = ber(&g, true);
        prop_assert_eq!(parsed.encode_der(), der.clone());
        prop_assert_eq!(tree(&g).encode(), der);
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(t) = Tlv::parse(&bytes) {
            prop_assert_eq!(t.encode(), bytes.clone());
        }
        for ty in schema::ALL_TYPES {
            if let Ok(m) = Message::parse(ty, &bytes) {
                let _ = m.validate();
                let _ = m.pretty();
            }
        }
    }

    #[test]
    fn server_signed1_round_trip(tx in proptest::collection::vec(any::<u8>(), 1..=16),
                                 ch in octets(16), addr in text(40), sc in octets(16)) {
        let v = ServerSigned1 {
            transaction_id: tx,
            euicc_challenge: ch.try_into().unwrap(),
            server_address: addr,
            server_challenge: sc.try_into().unwrap(),
            extensions: vec![],
        };
        let bytes = v.encode();
        prop_assert!(Message::decode(&schema::SERVER_SIGNED1, &bytes).is_ok());
        prop_assert_eq!(ServerSigned1::decode(&bytes).unwrap(), v);
    }

    /// `validate` skips building the named tree; it must still report exactly what `decode`
    /// reports, on valid messages and on every kind of damage.
    #[test]
    fn validate_reports_what_decode_reports(tx in proptest::collection::vec(any::<u8>(), 1..=16),
                                            addr in text(40), strategy in 0usize..16, seed: u64) {
        use rsp_codec::mutate::{mutate_der, DerStrategy, Rng};
        let bytes = ServerSigned1 {
            transaction_id: tx,
            euicc_challenge: [7; 16],
            server_address: addr,
            server_challenge: [9; 16],
            extensions: vec![],
        }
        .encode();
        let ty = &schema::SERVER_SIGNED1;
        let mutated = mutate_der(&bytes, Some(ty), DerStrategy::ALL[strategy], &mut Rng::new(seed))
            .map(|m| m.bytes)
            .unwrap_or(bytes);
        if let Ok(tlv) = Tlv::parse(&mutated) {
            prop_assert_eq!(validate(ty, &tlv), rsp_codec::named::decode(ty, &tlv).errors);
        }
    }

    #[test]
    fn signed2_round_trips(tx in proptest::collection::vec(any::<u8>(), 1..=16), cc: bool,
                           otpk in proptest::option::of(octets(65)), hash in proptest::option::of(octets(32))) {
        let s = SmdpSigned2 { transaction_id: tx.clone(), cc_required: cc, bpp_euicc_otpk: otpk.clone(), extensions: vec![] };
        prop_assert_eq!(SmdpSigned2::decode(&s.encode()).unwrap(), s);
        let e = EuiccSigned2 {
            transaction_id: tx,
            euicc_otpk: otpk.unwrap_or_else(|| vec![4; 65]),
            hash_cc: hash.map(|h| h.try_into().unwrap()),
            extensions: vec![],
        };
        prop_assert_eq!(EuiccSigned2::decode(&e.encode()).unwrap(), e);
    }

    #[test]
    fn metadata_and_pir_round_trip(seq in 0i64..100_000, ev in 0usize..4, addr in text(30),
                                   iccid in proptest::option::of(octets(10)), oid in oid(),
                                   ok: bool, cmd in 0i64..6, reason in 1i64..128,
                                   sima in proptest::collection::vec(any::<u8>(), 0..40)) {
        let md = NotificationMetadata {
            seq_number: seq,
            profile_management_operation: NotificationEvent::ALL[ev].to_bit_string(),
            notification_address: addr,
            iccid: iccid.map(|i| i.try_into().unwrap()),
            extensions: vec![],
        };
        prop_assert_eq!(NotificationMetadata::decode(&md.encode()).unwrap().event(), Some(NotificationEvent::ALL[ev]));
        let final_result = if ok {
            FinalResult::Success { aid: vec![0xA0, 0, 0, 5, 0x59, 0x10], sima_response: sima }
        } else {
            FinalResult::Error { bpp_command_id: cmd, error_reason: reason, sima_response: Some(sima) }
        };
        let pir = ProfileInstallationResultData {
            transaction_id: vec![1, 2, 3],
            notification_metadata: md,
            smdp_oid: oid,
            final_result,
            extensions: vec![],
        };
        let bytes = pir.encode();
        prop_assert!(validate(&schema::PROFILE_INSTALLATION_RESULT_DATA, &Tlv::parse(&bytes).unwrap()).is_empty());
        prop_assert_eq!(ProfileInstallationResultData::decode(&bytes).unwrap(), pir);
    }

    #[test]
    fn store_metadata_round_trip(iccid in octets(10), spn in text(32), name in text(64),
                                 class in proptest::option::of(0i64..3), ppr in proptest::option::of(bits()),
                                 icon in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64))) {
        let v = StoreMetadataRequest {
            iccid: iccid.try_into().unwrap(),
            service_provider_name: spn,
            profile_name: name,
            icon_type: icon.as_ref().map(|_| 1),
            icon,
            profile_class: class,
            notification_configuration_info: None,
            profile_owner: None,
            profile_policy_rules: ppr,
            service_specific_data_stored_in_euicc: None,
            service_specific_data_not_stored_in_euicc: None,
            extensions: vec![],
        };
        prop_assert_eq!(StoreMetadataRequest::decode(&v.encode()).unwrap(), v);
    }

    #[test]
    fn path_set_then_get(seq in any::<i64>(), addr in text(30), reason in 0i64..128, oid in oid()) {
        let md = NotificationMetadata {
            seq_number: 1,
            profile_management_operation: NotificationEvent::Install.to_bit_string(),
            notification_address: "a".into(),
            iccid: None,
            extensions: vec![],
        };
        let mut m = Message::from_tlv(&schema::NOTIFICATION_METADATA, md.to_tlv());
        m.set("seqNumber", FieldValue::Integer(seq)).unwrap();
        m.set("notificationAddress", FieldValue::Text(addr.clone())).unwrap();
        m.set("iccid", FieldValue::Bytes(vec![0x98; 10])).unwrap();
        let back = NotificationMetadata::decode(&m.encode()).unwrap();
        prop_assert_eq!(back.seq_number, seq);
        prop_assert_eq!(back.notification_address, addr);
        prop_assert_eq!(back.iccid, Some([0x98; 10]));

        let cs = EuiccCancelSessionSigned { transaction_id: vec![9], smdp_oid: "2.999.10".into(), reason: 0, extensions: vec![] };
        let mut m = Message::from_tlv(&schema::EUICC_CANCEL_SESSION_SIGNED, cs.to_tlv());
        m.set("EuiccCancelSessionSigned.reason", FieldValue::Integer(reason)).unwrap();
        m.set("smdpOid", FieldValue::Oid(oid.clone())).unwrap();
        let back = EuiccCancelSessionSigned::decode(&m.encode()).unwrap();
        prop_assert_eq!(back.reason, reason);
        prop_assert_eq!(back.smdp_oid, oid);
    }
}
