//! `open_bpp` on hostile input, with fixed keys. The first byte picks the mode:
//!
//! - even: the rest is a BPP as is;
//! - odd: the rest is a list of 4-byte byte-level mutations `[op, pos_hi, pos_lo, value]`
//!   (op % 4: XOR, truncate, insert, delete) applied to a valid BPP built once, or, when bit 1
//!   of the first byte is set, tree-level mutations `[op, part, index, value]` (drop, duplicate,
//!   swap with the next, XOR the value into the first content byte of a segment; re-encoded
//!   with consistent lengths).
//!
//! Never a panic. And whatever opens must be authentic: ConfigureISDP and StoreMetadata equal
//! the originals and the profile is a prefix of the original profile (SCP03t cannot detect
//! trailing 86 segments being dropped, nothing else). BF23 is not checked here (fixed keys).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rsp_codec::tlv::Tlv;
use rsp_crypto::bpp::{
    bind, build_bpp_with, open_bpp, BindParams, BppContent, ReplaceSessionKeys, SegmentLayout,
};
use rsp_crypto::kdf::SessionKeys;
use rsp_crypto::{Curve, PrivateKey, RandomSource, SeededRandom};

struct Base {
    keys: SessionKeys,
    /// Without and with ReplaceSessionKeys.
    bpp: [Vec<u8>; 2],
    isdp: Tlv,
    meta: Tlv,
    profile: Vec<u8>,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut rng = SeededRandom::new(0xB99);
        let dppb = PrivateKey::generate(Curve::NistP256, &mut rng);
        let euicc_ot = PrivateKey::generate(Curve::NistP256, &mut rng);
        let otpk = euicc_ot.public_key().to_uncompressed();
        let eid = [0x89, 4, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23, 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35];
        let b = bind(
            &dppb,
            &BindParams {
                transaction_id: &[1, 2, 3, 4, 5, 6, 7, 8],
                host_id: b"fuzz",
                eid: &eid,
                euicc_otpk: &otpk,
            },
            &mut rng,
        )
        .expect("bind");
        let isdp = Tlv::parse(&[0xBF, 0x24, 0x00]).expect("BF24");
        let meta_hex = "bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c45950100";
        let meta_bytes: Vec<u8> = (0..meta_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&meta_hex[i..i + 2], 16).expect("hex"))
            .collect();
        let meta = Tlv::parse(&meta_bytes).expect("BF25");
        let mut profile = vec![0u8; 1500];
        rng.fill(&mut profile);
        let rsk = ReplaceSessionKeys::generate(&mut rng);
        // Small segments: many of them, so tree mutations have something to work with.
        let layout = SegmentLayout { chunk_87: 1007, chunk_88: 20, chunk_86: 200 };
        let build = |rsk: Option<&ReplaceSessionKeys>| {
            build_bpp_with(
                &BppContent {
                    isc: &b.isc,
                    configure_isdp: &isdp,
                    store_metadata: &meta,
                    replace_session_keys: rsk,
                    profile: &profile,
                },
                &b.keys,
                &layout,
            )
            .expect("build")
            .encode()
        };
        let bpp = [build(None), build(Some(&rsk))];
        Base { keys: b.keys, bpp, isdp, meta, profile }
    })
}

fn byte_mutations(mut v: Vec<u8>, ops: &[u8]) -> Vec<u8> {
    for op in ops.chunks_exact(4) {
        let pos = u16::from_be_bytes([op[1], op[2]]) as usize;
        match op[0] % 4 {
            0 if !v.is_empty() => {
                let i = pos % v.len();
                v[i] ^= op[3];
            }
            1 => v.truncate(pos % (v.len() + 1)),
            2 => v.insert(pos % (v.len() + 1), op[3]),
            3 if !v.is_empty() => {
                v.remove(pos % v.len());
            }
            _ => {}
        }
    }
    v
}

fn tree_mutations(bytes: &[u8], ops: &[u8]) -> Vec<u8> {
    let Ok(mut t) = Tlv::parse(bytes) else {
        return bytes.to_vec();
    };
    for op in ops.chunks_exact(4) {
        let parts = t.children_mut();
        if parts.is_empty() {
            break;
        }
        let p = op[1] as usize % parts.len();
        let segs = parts[p].children_mut();
        match op[0] % 4 {
            0 if !segs.is_empty() => {
                segs.remove(op[2] as usize % segs.len());
            }
            1 if !segs.is_empty() => {
                let s = segs[op[2] as usize % segs.len()].clone();
                segs.insert(op[2] as usize % segs.len(), s);
            }
            2 if segs.len() > 1 => {
                let i = op[2] as usize % (segs.len() - 1);
                segs.swap(i, i + 1);
            }
            3 if !segs.is_empty() => {
                let i = op[2] as usize % segs.len();
                let mut c = segs[i].content().unwrap_or_default().to_vec();
                if let Some(b) = c.first_mut() {
                    *b ^= op[3];
                }
                segs[i].set_content(c);
            }
            _ => {}
        }
    }
    t.encode()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let b = base();
    let input = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let original = &b.bpp[(mode >> 2) as usize & 1];
        if mode & 2 == 0 {
            byte_mutations(original.clone(), rest)
        } else {
            tree_mutations(original, rest)
        }
    };
    let opened = open_bpp(&input, &b.keys);
    if let Err(e) = &opened {
        let _ = (e.to_string(), e.pir_code());
    }
    if let Ok(o) = opened {
        assert_eq!(o.configure_isdp, b.isdp);
        assert_eq!(o.store_metadata, b.meta);
        assert!(b.profile.starts_with(&o.profile), "forged profile accepted");
    }
});
