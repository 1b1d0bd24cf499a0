//! SCP03t / BSP: protection of one BPP segment (SGP.22 §2.6.4.x, digest §4.3).
//!
//! A segment is `tag ‖ BER-length(Lc) ‖ payload ‖ MAC[0..8]` with `Lc = len(payload) + 8`:
//!
//! - tags `87` and `86`: payload = AES-128-CBC(S-ENC, ICV, plaintext ‖ `80 00…`), padded to a
//!   multiple of 16 (a full block when already aligned), ICV = AES-ECB(S-ENC, counter as a
//!   16-byte big-endian integer);
//! - tag `88`: payload = plaintext (MAC only), but the segment still consumes a counter value;
//! - MAC = AES-CMAC(S-MAC, MCV ‖ tag ‖ BER-length(Lc) ‖ payload); the next MCV is the full
//!   16-byte CMAC.
//!
//! The counter starts at 1 and increments per segment; [`BspSession::replace_session_keys`]
//! switches to the PPKs, sets the MCV to initialMacChainingValue and restarts it at 1. A segment
//! is at most [`MAX_SEGMENT_LEN`] = 1020 bytes on the wire, tag, length and MAC included.
//!
//! [`BspSession`] serves both directions. Unprotecting never panics and allocates only in
//! proportion to bytes actually present; structural checks (tag, size, truncation, block
//! alignment) come before the MAC check, which comes before decryption and the padding check.
//! A failed unprotect leaves the session unchanged.

use std::fmt;

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::Aes128;
use cmac::{Cmac, Mac};
use rsp_codec::tlv::{der_length_len, write_der_length, Tag, Tlv, TlvError};

use crate::kdf::SessionKeys;

/// Largest segment on the wire: tag, length field, payload and MAC.
pub const MAX_SEGMENT_LEN: usize = 1020;
/// Bytes of the truncated CMAC at the end of each segment.
pub const MAC_LEN: usize = 8;
/// Largest payload (ciphertext or MAC-only plaintext): 1020 − tag (1) − length (`82 xx xx`, 3)
/// − MAC (8).
pub const MAX_PAYLOAD_LEN: usize = MAX_SEGMENT_LEN - 1 - 3 - MAC_LEN;
/// Largest plaintext of an encrypted segment (at least one padding byte is added).
pub const MAX_ENCRYPTED_PLAINTEXT_LEN: usize = MAX_PAYLOAD_LEN - 1;
/// Largest plaintext of a MAC-only segment.
pub const MAX_MAC_ONLY_PLAINTEXT_LEN: usize = MAX_PAYLOAD_LEN;

const BLOCK: usize = 16;

/// The three segment kinds of a BPP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentTag {
    /// `87`: encrypted + MACed (ConfigureISDP, ReplaceSessionKeys).
    Tag87,
    /// `88`: MAC only (StoreMetadata).
    Tag88,
    /// `86`: encrypted + MACed (profile elements).
    Tag86,
}

impl SegmentTag {
    pub const ALL: [SegmentTag; 3] = [SegmentTag::Tag87, SegmentTag::Tag88, SegmentTag::Tag86];

    pub const fn byte(self) -> u8 {
        match self {
            SegmentTag::Tag87 => 0x87,
            SegmentTag::Tag88 => 0x88,
            SegmentTag::Tag86 => 0x86,
        }
    }

    pub const fn tag(self) -> Tag {
        Tag::of(self.byte() as u32)
    }

    pub fn from_tag(tag: Tag) -> Option<SegmentTag> {
        SegmentTag::ALL.into_iter().find(|s| s.tag() == tag)
    }

    pub const fn is_encrypted(self) -> bool {
        !matches!(self, SegmentTag::Tag88)
    }

    /// Largest plaintext one segment of this kind carries.
    pub const fn max_plaintext_len(self) -> usize {
        if self.is_encrypted() {
            MAX_ENCRYPTED_PLAINTEXT_LEN
        } else {
            MAX_MAC_ONLY_PLAINTEXT_LEN
        }
    }
}

impl fmt::Display for SegmentTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X}", self.byte())
    }
}

/// Why a segment could not be protected or unprotected. `segment` is the 0-based index of the
/// segment within the session (counting every segment since [`BspSession::new`], across key
/// replacement); `counter` the block-counter value it was processed with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BspError {
    #[error("MAC mismatch (counter {counter}, session segment {segment})")]
    MacMismatch { segment: usize, counter: u64 },
    #[error(
        "bad padding after decryption: no 80 00.. in the last block (session segment {segment})"
    )]
    BadPadding { segment: usize },
    #[error("tag {found} where {expected} was expected (session segment {segment})")]
    WrongTag {
        segment: usize,
        expected: &'static str,
        found: Tag,
    },
    #[error("segment of {len} bytes on the wire exceeds the maximum of {MAX_SEGMENT_LEN} (session segment {segment})")]
    SegmentTooLong { segment: usize, len: usize },
    #[error("truncated: {len} content bytes cannot hold a payload and the 8-byte MAC (session segment {segment})")]
    Truncated { segment: usize, len: usize },
    #[error(
        "ciphertext of {len} bytes is not a positive multiple of 16 (session segment {segment})"
    )]
    CiphertextLength { segment: usize, len: usize },
    #[error("not a TLV: {source} (session segment {segment})")]
    Malformed {
        segment: usize,
        #[source]
        source: TlvError,
    },
    #[error(
        "constructed encoding where a primitive segment was expected (session segment {segment})"
    )]
    NotPrimitive { segment: usize },
    #[error("length of the segment TLV not in DER form (session segment {segment})")]
    NonDerLength { segment: usize },
    #[error("block counter exhausted (session segment {segment})")]
    CounterOverflow { segment: usize },
    #[error("plaintext of {len} bytes exceeds {max} for one {tag} segment")]
    PlaintextTooLong {
        tag: SegmentTag,
        len: usize,
        max: usize,
    },
}

impl BspError {
    /// MAC or padding failures (PIR `scp03tSecurityError`); everything else is a structure
    /// problem (`scp03tStructureError`).
    pub fn is_security_error(&self) -> bool {
        matches!(
            self,
            BspError::MacMismatch { .. } | BspError::BadPadding { .. }
        )
    }
}

/// One direction-agnostic SCP03t session: keys, block counter and MAC chaining value.
#[derive(Clone)]
pub struct BspSession {
    enc: Aes128,
    mac: Cmac<Aes128>,
    mcv: [u8; 16],
    counter: u64,
    segments: usize,
    /// PLANTED BUG, tests only: the session segment whose C-MAC is not checked.
    blind_mac_segment: Option<usize>,
}

impl fmt::Debug for BspSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BspSession")
            .field("keys", &"<redacted>")
            .field("counter", &self.counter)
            .field("segments", &self.segments)
            .field("blind_mac_segment", &self.blind_mac_segment)
            .finish()
    }
}

impl BspSession {
    /// A session on the KDF output: S-ENC, S-MAC, MCV = initial MCV, counter 1.
    pub fn new(keys: &SessionKeys) -> BspSession {
        BspSession {
            enc: Aes128::new(&keys.s_enc.into()),
            mac: <Cmac<Aes128> as KeyInit>::new(&keys.s_mac.into()),
            mcv: keys.initial_mcv,
            counter: 1,
            segments: 0,
            blind_mac_segment: None,
        }
    }

    /// Starts the counter at `counter` instead of 1 (fault injection and tests).
    pub fn with_counter(mut self, counter: u64) -> BspSession {
        self.counter = counter;
        self
    }

    /// **Deliberately planted bug, for the live fuzzer's self-test only**: unprotecting skips
    /// the C-MAC check of session segment `segment` (0-based, as in [`BspError`]). The MCV is
    /// still the CMAC of what arrived, so later segments verify, and the payload decrypts as
    /// usual: a segment whose MAC alone is damaged is accepted. Never set by a conforming role.
    pub fn with_blind_mac_segment(mut self, segment: usize) -> BspSession {
        self.blind_mac_segment = Some(segment);
        self
    }

    /// Switches to the profile protection keys (ReplaceSessionKeys): MCV := initial MCV,
    /// counter := 1. The segment index keeps counting.
    pub fn replace_session_keys(
        &mut self,
        ppk_enc: &[u8; 16],
        ppk_mac: &[u8; 16],
        initial_mcv: &[u8; 16],
    ) {
        self.enc = Aes128::new(&(*ppk_enc).into());
        self.mac = <Cmac<Aes128> as KeyInit>::new(&(*ppk_mac).into());
        self.mcv = *initial_mcv;
        self.counter = 1;
    }

    /// The counter value the next segment uses.
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// The current MAC chaining value.
    pub fn mcv(&self) -> [u8; 16] {
        self.mcv
    }

    /// Number of segments processed so far.
    pub fn segments(&self) -> usize {
        self.segments
    }

    /// Protects one segment and returns it as a TLV (content = payload ‖ MAC).
    pub fn protect_tlv(&mut self, tag: SegmentTag, plaintext: &[u8]) -> Result<Tlv, BspError> {
        Ok(Tlv::primitive(
            tag.tag(),
            self.protect_content(tag, plaintext)?,
        ))
    }

    /// Protects one segment and returns its wire bytes (`tag ‖ length ‖ payload ‖ MAC`).
    pub fn protect(&mut self, tag: SegmentTag, plaintext: &[u8]) -> Result<Vec<u8>, BspError> {
        let content = self.protect_content(tag, plaintext)?;
        let mut seg = Vec::with_capacity(1 + der_length_len(content.len()) + content.len());
        seg.push(tag.byte());
        write_der_length(&mut seg, content.len());
        seg.extend_from_slice(&content);
        Ok(seg)
    }

    /// Protects one segment and returns its content octets (`payload ‖ MAC`).
    pub fn protect_content(
        &mut self,
        tag: SegmentTag,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, BspError> {
        let max = tag.max_plaintext_len();
        if plaintext.len() > max {
            return Err(BspError::PlaintextTooLong {
                tag,
                len: plaintext.len(),
                max,
            });
        }
        let next = self.next_counter()?;
        let mut content = if tag.is_encrypted() {
            let mut buf = Vec::with_capacity((plaintext.len() / BLOCK + 1) * BLOCK + MAC_LEN);
            buf.extend_from_slice(plaintext);
            buf.push(0x80);
            buf.resize(buf.len().div_ceil(BLOCK) * BLOCK, 0);
            self.cbc_encrypt(&mut buf);
            buf
        } else {
            let mut buf = Vec::with_capacity(plaintext.len() + MAC_LEN);
            buf.extend_from_slice(plaintext);
            buf
        };
        let lc = content.len() + MAC_LEN;
        let mut header = Vec::with_capacity(4);
        header.push(tag.byte());
        write_der_length(&mut header, lc);
        let full = self.cmac_parts(&header, &content);
        content.extend_from_slice(&full[..MAC_LEN]);
        self.mcv = full;
        self.counter = next;
        self.segments += 1;
        Ok(content)
    }

    /// Unprotects one segment given as wire bytes (any of the three tags).
    pub fn unprotect(&mut self, segment: &[u8]) -> Result<(SegmentTag, Vec<u8>), BspError> {
        let tlv = Tlv::parse(segment).map_err(|source| BspError::Malformed {
            segment: self.segments,
            source,
        })?;
        let tag = SegmentTag::from_tag(tlv.tag()).ok_or(BspError::WrongTag {
            segment: self.segments,
            expected: "86, 87 or 88",
            found: tlv.tag(),
        })?;
        self.unprotect_tlv(tag, &tlv).map(|p| (tag, p))
    }

    /// Unprotects one parsed segment that must carry `expected`'s tag.
    pub fn unprotect_tlv(&mut self, expected: SegmentTag, tlv: &Tlv) -> Result<Vec<u8>, BspError> {
        let segment = self.segments;
        if tlv.tag() != expected.tag() {
            return Err(BspError::WrongTag {
                segment,
                expected: match expected {
                    SegmentTag::Tag87 => "87",
                    SegmentTag::Tag88 => "88",
                    SegmentTag::Tag86 => "86",
                },
                found: tlv.tag(),
            });
        }
        let Some(content) = tlv.content() else {
            return Err(BspError::NotPrimitive { segment });
        };
        let wire_len = tlv.encoded_len();
        if wire_len > MAX_SEGMENT_LEN {
            return Err(BspError::SegmentTooLong {
                segment,
                len: wire_len,
            });
        }
        if !tlv.has_der_length() {
            return Err(BspError::NonDerLength { segment });
        }
        self.unprotect_content(expected, content)
    }

    /// Unprotects a segment given by its tag and content octets (payload ‖ MAC). The MAC is
    /// computed over the DER length of the content. The 1020-byte limit is checked on that
    /// DER encoding.
    pub fn unprotect_content(
        &mut self,
        tag: SegmentTag,
        content: &[u8],
    ) -> Result<Vec<u8>, BspError> {
        let segment = self.segments;
        let len = content.len();
        let wire_len = 1 + der_length_len(len) + len;
        if wire_len > MAX_SEGMENT_LEN {
            return Err(BspError::SegmentTooLong {
                segment,
                len: wire_len,
            });
        }
        if len < MAC_LEN {
            return Err(BspError::Truncated { segment, len });
        }
        let (payload, mac) = content.split_at(len - MAC_LEN);
        if tag.is_encrypted() && (payload.is_empty() || payload.len() % BLOCK != 0) {
            return Err(BspError::CiphertextLength {
                segment,
                len: payload.len(),
            });
        }
        let next = self.next_counter()?;
        let mut header = Vec::with_capacity(4);
        header.push(tag.byte());
        write_der_length(&mut header, len);
        let full = self.cmac_parts(&header, payload);
        if !ct_eq(&full[..MAC_LEN], mac) && self.blind_mac_segment != Some(segment) {
            return Err(BspError::MacMismatch {
                segment,
                counter: self.counter,
            });
        }
        let plaintext = if tag.is_encrypted() {
            let mut buf = payload.to_vec();
            self.cbc_decrypt(&mut buf);
            let Some(unpadded) = strip_padding(&buf) else {
                return Err(BspError::BadPadding { segment });
            };
            buf.truncate(unpadded);
            buf
        } else {
            payload.to_vec()
        };
        self.mcv = full;
        self.counter = next;
        self.segments += 1;
        Ok(plaintext)
    }

    fn next_counter(&self) -> Result<u64, BspError> {
        self.counter
            .checked_add(1)
            .ok_or(BspError::CounterOverflow {
                segment: self.segments,
            })
    }

    fn icv(&self) -> [u8; 16] {
        let mut block = [0u8; 16];
        block[8..].copy_from_slice(&self.counter.to_be_bytes());
        let mut b = block.into();
        self.enc.encrypt_block(&mut b);
        b.into()
    }

    fn cbc_encrypt(&self, buf: &mut [u8]) {
        let mut prev = self.icv();
        for chunk in buf.chunks_exact_mut(BLOCK) {
            for (c, p) in chunk.iter_mut().zip(prev.iter()) {
                *c ^= p;
            }
            let mut b: [u8; 16] = chunk.try_into().expect("16-byte chunk");
            let mut arr = b.into();
            self.enc.encrypt_block(&mut arr);
            b = arr.into();
            chunk.copy_from_slice(&b);
            prev = b;
        }
    }

    fn cbc_decrypt(&self, buf: &mut [u8]) {
        let mut prev = self.icv();
        for chunk in buf.chunks_exact_mut(BLOCK) {
            let ct: [u8; 16] = chunk.try_into().expect("16-byte chunk");
            let mut arr = ct.into();
            self.enc.decrypt_block(&mut arr);
            let pt: [u8; 16] = arr.into();
            for ((c, p), v) in chunk.iter_mut().zip(prev.iter()).zip(pt.iter()) {
                *c = v ^ p;
            }
            prev = ct;
        }
    }

    #[cfg(test)]
    fn cmac(&self, data: &[u8]) -> [u8; 16] {
        self.cmac_parts(data, &[])
    }

    fn cmac_parts(&self, a: &[u8], b: &[u8]) -> [u8; 16] {
        let mut m = self.mac.clone();
        m.update(&self.mcv);
        m.update(a);
        m.update(b);
        m.finalize().into_bytes().into()
    }
}

/// Length of the plaintext before `80 00…` padding that lies within the last block, or `None`.
fn strip_padding(buf: &[u8]) -> Option<usize> {
    let last_nonzero = buf.iter().rposition(|b| *b != 0)?;
    (buf[last_nonzero] == 0x80 && buf.len() - last_nonzero <= BLOCK).then_some(last_nonzero)
}

/// Comparison whose time does not depend on where the bytes differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }
    fn a16(s: &str) -> [u8; 16] {
        h(s).try_into().unwrap()
    }

    /// Digest §4.3 KDF vector 1.
    fn digest_keys() -> SessionKeys {
        SessionKeys {
            initial_mcv: a16("406d507b448a699e7a36a38494debbde"),
            s_enc: a16("472f5bfadd97f21d34f3ce9b51b92751"),
            s_mac: a16("9ec07f5b36a13e12a991d66e294e6242"),
        }
    }

    const SEG1: &str = "8718f6fe031e4b9cfe87c8e1e62f3fde85c49412d7722a6a2d89";
    const META: &str = "bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c45950100";
    const RSK: &str = "bf2636 8010 000102030405060708090a0b0c0d0e0f 8110 0101020304050607 08090a0b0c0d0e0f 8210 0201020304050607 08090a0b0c0d0e0f";
    const SEG3: &str = "8748a14c800a001992351cd46ad2945654674369701d82b7b46567652bc8fbed234939fc57fba748015525fd6c651e9d3d1330652d42a0cfad950e912122af4ec5362d3c0bc535729c40";

    fn seg2() -> Vec<u8> {
        let mut v = h("8838");
        v.extend(h(META));
        v.extend(h("8a62cc9adbb5ccbc"));
        v
    }

    #[test]
    fn digest_segment_vectors_protect() {
        let mut s = BspSession::new(&digest_keys());
        assert_eq!(
            hex::encode(s.protect(SegmentTag::Tag87, &h("bf2400")).unwrap()),
            SEG1
        );
        assert_eq!(s.protect(SegmentTag::Tag88, &h(META)).unwrap(), seg2());
        assert_eq!(
            hex::encode(s.protect(SegmentTag::Tag87, &h(RSK)).unwrap()),
            SEG3
        );
        assert_eq!(s.counter(), 4);
        assert_eq!(s.segments(), 3);
    }

    #[test]
    fn digest_segment_vectors_unprotect() {
        let mut s = BspSession::new(&digest_keys());
        assert_eq!(
            s.unprotect(&h(SEG1)).unwrap(),
            (SegmentTag::Tag87, h("bf2400"))
        );
        assert_eq!(s.unprotect(&seg2()).unwrap(), (SegmentTag::Tag88, h(META)));
        assert_eq!(s.unprotect(&h(SEG3)).unwrap(), (SegmentTag::Tag87, h(RSK)));
    }

    #[test]
    fn segment_88_consumes_a_counter_value() {
        // Had the 88 not consumed a counter value, the RSK segment would use counter 2.
        let mut s = BspSession::new(&digest_keys());
        s.protect(SegmentTag::Tag87, &h("bf2400")).unwrap();
        s.protect(SegmentTag::Tag88, &h(META)).unwrap();
        let mut skipped = s.clone().with_counter(2);
        assert_ne!(
            hex::encode(skipped.protect(SegmentTag::Tag87, &h(RSK)).unwrap()),
            SEG3
        );
        assert_eq!(
            hex::encode(s.protect(SegmentTag::Tag87, &h(RSK)).unwrap()),
            SEG3
        );
    }

    #[test]
    fn replace_session_keys_restarts_counter_and_mcv() {
        let mut a = BspSession::new(&digest_keys());
        a.protect(SegmentTag::Tag87, b"x").unwrap();
        a.replace_session_keys(&[1; 16], &[2; 16], &[3; 16]);
        assert_eq!((a.counter(), a.mcv(), a.segments()), (1, [3; 16], 1));
        let seg = a.protect(SegmentTag::Tag86, b"profile").unwrap();
        let fresh = SessionKeys {
            initial_mcv: [3; 16],
            s_enc: [1; 16],
            s_mac: [2; 16],
        };
        let mut b = BspSession::new(&fresh);
        assert_eq!(b.unprotect(&seg).unwrap().1, b"profile");
    }

    #[test]
    fn sizes_and_padding_boundaries() {
        for len in [0, 1, 15, 16, 17, 1006, 1007] {
            let mut a = BspSession::new(&digest_keys());
            let pt = vec![0xA5; len];
            let seg = a.protect(SegmentTag::Tag86, &pt).unwrap();
            assert!(seg.len() <= MAX_SEGMENT_LEN, "{len}: {}", seg.len());
            let t = Tlv::parse(&seg).unwrap();
            assert_eq!(t.content().unwrap().len() - MAC_LEN, (len / 16 + 1) * 16);
            let mut b = BspSession::new(&digest_keys());
            assert_eq!(b.unprotect(&seg).unwrap().1, pt);
        }
        let mut a = BspSession::new(&digest_keys());
        assert_eq!(
            a.protect(SegmentTag::Tag86, &[0; 1007]).unwrap().len(),
            1020
        );
        assert_eq!(
            a.protect(SegmentTag::Tag88, &[0; 1008]).unwrap().len(),
            1020
        );
        assert!(matches!(
            a.protect(SegmentTag::Tag87, &[0; 1008]),
            Err(BspError::PlaintextTooLong { max: 1007, .. })
        ));
        assert!(matches!(
            a.protect(SegmentTag::Tag88, &[0; 1009]),
            Err(BspError::PlaintextTooLong { max: 1008, .. })
        ));
    }

    #[test]
    fn every_failure_is_distinct() {
        let k = digest_keys();
        let fresh = || BspSession::new(&k);
        // MAC
        let mut bad = h(SEG1);
        bad[5] ^= 1;
        assert_eq!(
            fresh().unprotect(&bad),
            Err(BspError::MacMismatch {
                segment: 0,
                counter: 1
            })
        );
        // tag
        let mut other = h(SEG1);
        other[0] = 0x85;
        assert!(matches!(
            fresh().unprotect(&other),
            Err(BspError::WrongTag { .. })
        ));
        assert!(matches!(
            fresh().unprotect_tlv(SegmentTag::Tag86, &Tlv::parse(&h(SEG1)).unwrap()),
            Err(BspError::WrongTag { expected: "86", .. })
        ));
        // constructed
        let mut odd = Tlv::primitive(Tag::of(0x87), vec![]);
        odd.children_mut(); // children under a primitive tag: only a builder can do this
        assert!(matches!(
            fresh().unprotect_tlv(SegmentTag::Tag87, &odd),
            Err(BspError::NotPrimitive { .. })
        ));
        // truncated
        assert_eq!(
            fresh().unprotect(&h("870401020304")),
            Err(BspError::Truncated { segment: 0, len: 4 })
        );
        assert!(matches!(
            fresh().unprotect(&h("8718f6fe")),
            Err(BspError::Malformed { .. })
        ));
        // ciphertext alignment
        assert_eq!(
            fresh().unprotect(&h("8709000102030405060708")),
            Err(BspError::CiphertextLength { segment: 0, len: 1 })
        );
        assert_eq!(
            fresh().unprotect(&h("87080001020304050607")),
            Err(BspError::CiphertextLength { segment: 0, len: 0 })
        );
        // too long
        let mut long = vec![0x86, 0x82, 0x03, 0xF9];
        long.resize(4 + 0x3F9, 0);
        assert_eq!(
            fresh().unprotect(&long),
            Err(BspError::SegmentTooLong {
                segment: 0,
                len: 1021
            })
        );
        // counter
        assert_eq!(
            fresh()
                .with_counter(u64::MAX)
                .protect(SegmentTag::Tag88, b""),
            Err(BspError::CounterOverflow { segment: 0 })
        );
        // padding: a correctly MACed segment whose plaintext has no 80 marker
        let a = fresh();
        let mut body = [0u8; 16];
        a.cbc_encrypt(&mut body);
        let mut seg = vec![0x86, 0x18];
        seg.extend_from_slice(&body);
        let full = a.cmac(&seg);
        seg.extend_from_slice(&full[..8]);
        assert_eq!(
            fresh().unprotect(&seg),
            Err(BspError::BadPadding { segment: 0 })
        );
    }

    #[test]
    fn failure_leaves_state_unchanged() {
        let mut s = BspSession::new(&digest_keys());
        let mut bad = h(SEG1);
        bad[25] ^= 0x80;
        assert!(s.unprotect(&bad).is_err());
        assert_eq!((s.counter(), s.segments()), (1, 0));
        s.unprotect(&h(SEG1)).unwrap();
    }

    /// The planted bug accepts a damaged MAC on its segment only, and later segments still
    /// verify because the MCV follows the payload.
    #[test]
    fn planted_blind_mac_segment_skips_exactly_that_check() {
        let segs = [h(SEG1), seg2(), h(SEG3)];
        for damaged in 0..3 {
            let mut bad = segs.clone();
            let n = bad[damaged].len();
            bad[damaged][n - 1] ^= 1;
            for blind in [None, Some(0), Some(1), Some(2)] {
                let mut s = BspSession::new(&digest_keys());
                if let Some(b) = blind {
                    s = s.with_blind_mac_segment(b);
                }
                let results: Vec<_> = bad.iter().map(|seg| s.unprotect(seg)).collect();
                if blind == Some(damaged) {
                    assert_eq!(results[0].as_ref().unwrap().1, h("bf2400"));
                    assert_eq!(results[1].as_ref().unwrap().1, h(META));
                    assert_eq!(results[2].as_ref().unwrap().1, h(RSK));
                } else {
                    assert_eq!(
                        results[damaged],
                        Err(BspError::MacMismatch {
                            segment: damaged,
                            counter: damaged as u64 + 1
                        }),
                        "damaged {damaged}, blind {blind:?}"
                    );
                }
            }
        }
        // Undamaged segments pass whatever the setting.
        let mut s = BspSession::new(&digest_keys()).with_blind_mac_segment(1);
        for seg in &segs {
            s.unprotect(seg).unwrap();
        }
    }

    #[test]
    fn padding_rules() {
        assert_eq!(strip_padding(&[1, 0x80, 0, 0]), Some(1));
        assert_eq!(strip_padding(&[0x80]), Some(0));
        assert_eq!(strip_padding(&[0; 16]), None);
        assert_eq!(strip_padding(&[1, 2, 3]), None);
        let mut two = [0u8; 32];
        two[15] = 0x80;
        assert_eq!(strip_padding(&two), None, "marker outside the last block");
    }
}
