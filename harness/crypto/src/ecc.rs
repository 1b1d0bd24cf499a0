//! Elliptic-curve keys on the two SGP.22 curves: ECDSA with SHA-256 in SGP.22's raw r‖s form
//! (and X.509's DER form), ECKA shared secrets, key loading from the SGP.26 file formats, and the
//! injected randomness every key generation goes through.

use std::fmt;

use bp256::BrainpoolP256r1;
use ecdsa::signature::Verifier;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsp_codec::tlv::{Tag, Tlv};

/// The curves SGP.22 uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Curve {
    /// NIST P-256 (prime256v1, secp256r1).
    NistP256,
    /// brainpoolP256r1.
    BrainpoolP256r1,
}

impl Curve {
    pub const ALL: [Curve; 2] = [Curve::NistP256, Curve::BrainpoolP256r1];

    /// The named-curve OID.
    pub fn oid(self) -> &'static str {
        match self {
            Curve::NistP256 => "1.2.840.10045.3.1.7",
            Curve::BrainpoolP256r1 => "1.3.36.3.3.2.8.1.1.7",
        }
    }

    pub fn from_oid(oid: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.oid() == oid)
    }

    /// Short name as in SGP.26 file names: `NIST` or `BRP`.
    pub fn file_tag(self) -> &'static str {
        match self {
            Curve::NistP256 => "NIST",
            Curve::BrainpoolP256r1 => "BRP",
        }
    }

    pub fn from_file_tag(tag: &str) -> Option<Curve> {
        Curve::ALL
            .into_iter()
            .find(|c| c.file_tag().eq_ignore_ascii_case(tag))
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Curve::NistP256 => "NIST P-256",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
        })
    }
}

/// What went wrong with a key, a point or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EccError {
    #[error("{curve}: private key is not a valid scalar")]
    InvalidPrivateKey { curve: Curve },
    #[error("{curve}: public key is not a point on the curve ({len} bytes)")]
    InvalidPoint { curve: Curve, len: usize },
    #[error("raw signature must be 64 bytes (r‖s), got {len}")]
    RawSignatureLength { len: usize },
    #[error("malformed DER ECDSA signature: {reason}")]
    DerSignature { reason: &'static str },
    #[error("{curve}: signature verification failed")]
    BadSignature { curve: Curve },
    #[error("curve mismatch: key is {key}, other side is {other}")]
    CurveMismatch { key: Curve, other: Curve },
    #[error("unsupported curve OID {oid}")]
    UnsupportedCurve { oid: String },
    #[error("key file: {reason}")]
    KeyFile { reason: String },
}

/// Randomness, injected so that a seed reproduces a run.
pub trait RandomSource {
    fn fill(&mut self, buf: &mut [u8]);
}

/// Deterministic randomness from a 64-bit seed (ChaCha20).
pub struct SeededRandom(ChaCha20Rng);

impl SeededRandom {
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(ChaCha20Rng::seed_from_u64(seed))
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        self.0.fill_bytes(buf);
    }
}

/// An ECDSA/ECKA private key.
#[derive(Clone)]
pub enum PrivateKey {
    NistP256(p256::SecretKey),
    BrainpoolP256r1(elliptic_curve::SecretKey<BrainpoolP256r1>),
}

/// A public key (curve point).
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    NistP256(p256::PublicKey),
    BrainpoolP256r1(elliptic_curve::PublicKey<BrainpoolP256r1>),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, <redacted>)", self.curve())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey({}, {})",
            self.curve(),
            hex::encode_upper(self.to_uncompressed())
        )
    }
}

impl PrivateKey {
    /// From a 32-byte big-endian scalar.
    pub fn from_bytes(curve: Curve, scalar: &[u8]) -> Result<PrivateKey, EccError> {
        let bad = EccError::InvalidPrivateKey { curve };
        Ok(match curve {
            Curve::NistP256 => {
                PrivateKey::NistP256(p256::SecretKey::from_slice(scalar).map_err(|_| bad)?)
            }
            Curve::BrainpoolP256r1 => PrivateKey::BrainpoolP256r1(
                elliptic_curve::SecretKey::from_slice(scalar).map_err(|_| bad)?,
            ),
        })
    }

    /// A fresh key from the injected randomness (rejection sampling over 32-byte strings).
    pub fn generate(curve: Curve, rng: &mut dyn RandomSource) -> PrivateKey {
        loop {
            let mut b = [0u8; 32];
            rng.fill(&mut b);
            if let Ok(k) = PrivateKey::from_bytes(curve, &b) {
                return k;
            }
        }
    }

    pub fn curve(&self) -> Curve {
        match self {
            PrivateKey::NistP256(_) => Curve::NistP256,
            PrivateKey::BrainpoolP256r1(_) => Curve::BrainpoolP256r1,
        }
    }

    /// The 32-byte scalar. Handle with care: this is the secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        match self {
            PrivateKey::NistP256(k) => out.copy_from_slice(&k.to_bytes()),
            PrivateKey::BrainpoolP256r1(k) => out.copy_from_slice(&k.to_bytes()),
        }
        out
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::NistP256(k) => PublicKey::NistP256(k.public_key()),
            PrivateKey::BrainpoolP256r1(k) => PublicKey::BrainpoolP256r1(k.public_key()),
        }
    }

    /// ECDSA-SHA256 over `message`, raw r‖s (64 bytes) as SGP.22 carries it in `5F37`.
    /// Deterministic (RFC 6979), so a run reproduces its signatures.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use sha2::Digest as _;
        // RustCrypto's RFC 6979 signing itself, called directly: going through
        // `SigningKey::from` would also derive the public key, a second k·G per signature.
        // Same function underneath, so the same signatures (tests/p256_backends.rs).
        let z = sha2::Sha256::digest(message);
        let mut out = [0u8; 64];
        match self {
            PrivateKey::NistP256(k) => {
                let (sig, _) = ecdsa::hazmat::sign_prehashed_rfc6979::<p256::NistP256, sha2::Sha256>(
                    &k.to_nonzero_scalar(),
                    &z,
                    &[],
                );
                out.copy_from_slice(&sig.to_bytes());
            }
            PrivateKey::BrainpoolP256r1(k) => {
                let (sig, _) = ecdsa::hazmat::sign_prehashed_rfc6979::<BrainpoolP256r1, sha2::Sha256>(
                    &k.to_nonzero_scalar(),
                    &z,
                    &[],
                );
                out.copy_from_slice(&sig.to_bytes());
            }
        }
        out
    }

    /// ECKA: the shared secret is the x-coordinate of `self × peer` (32 bytes).
    pub fn shared_secret(&self, peer: &PublicKey) -> Result<[u8; 32], EccError> {
        let mut out = [0u8; 32];
        match (self, peer) {
            (PrivateKey::NistP256(k), PublicKey::NistP256(p)) => {
                let s = elliptic_curve::ecdh::diffie_hellman(k.to_nonzero_scalar(), p.as_affine());
                out.copy_from_slice(s.raw_secret_bytes());
            }
            (PrivateKey::BrainpoolP256r1(k), PublicKey::BrainpoolP256r1(p)) => {
                let s = elliptic_curve::ecdh::diffie_hellman(k.to_nonzero_scalar(), p.as_affine());
                out.copy_from_slice(s.raw_secret_bytes());
            }
            _ => {
                return Err(EccError::CurveMismatch {
                    key: self.curve(),
                    other: peer.curve(),
                })
            }
        }
        Ok(out)
    }

    /// Loads a private key from PEM: SEC1 `EC PRIVATE KEY` (with or without a leading
    /// `EC PARAMETERS` block, as the SGP.26 files have) or PKCS#8 `PRIVATE KEY`.
    pub fn from_pem(text: &str) -> Result<PrivateKey, EccError> {
        let blocks = pem_blocks(text)?;
        for (label, der) in &blocks {
            match label.as_str() {
                "EC PRIVATE KEY" => return PrivateKey::from_sec1_der(der, None),
                "PRIVATE KEY" => return PrivateKey::from_pkcs8_der(der),
                _ => {}
            }
        }
        Err(EccError::KeyFile {
            reason: "no EC PRIVATE KEY or PRIVATE KEY block".into(),
        })
    }

    /// SEC1 ECPrivateKey: SEQUENCE { version 1, privateKey OCTET STRING, `[0]` curve OID, `[1]` point }.
    /// `curve` is used when the structure carries no parameters.
    pub fn from_sec1_der(der: &[u8], curve: Option<Curve>) -> Result<PrivateKey, EccError> {
        let bad = |r: &str| EccError::KeyFile {
            reason: format!("SEC1 key: {r}"),
        };
        let t = Tlv::parse(der).map_err(|e| bad(&e.to_string()))?;
        let scalar = t
            .child(Tag::of(0x04))
            .and_then(Tlv::content)
            .ok_or_else(|| bad("no privateKey"))?;
        let curve = match t.child(Tag::of(0xA0)).and_then(|p| p.children().first()) {
            Some(oid) => {
                let text = rsp_codec::der::decode_oid(oid.content().unwrap_or_default())
                    .map_err(|e| bad(&e.to_string()))?;
                Curve::from_oid(&text).ok_or(EccError::UnsupportedCurve { oid: text })?
            }
            None => curve.ok_or_else(|| bad("no curve parameters"))?,
        };
        PrivateKey::from_bytes(curve, scalar)
    }

    /// PKCS#8 PrivateKeyInfo with an id-ecPublicKey algorithm and a named curve.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, EccError> {
        let bad = |r: &str| EccError::KeyFile {
            reason: format!("PKCS#8 key: {r}"),
        };
        let t = Tlv::parse(der).map_err(|e| bad(&e.to_string()))?;
        let [_, alg, key, ..] = t.children() else {
            return Err(bad("expected version, algorithm, key"));
        };
        let curve_oid = alg
            .children()
            .get(1)
            .and_then(Tlv::content)
            .ok_or_else(|| bad("no curve parameters"))?;
        let text = rsp_codec::der::decode_oid(curve_oid).map_err(|e| bad(&e.to_string()))?;
        let curve = Curve::from_oid(&text).ok_or(EccError::UnsupportedCurve { oid: text })?;
        PrivateKey::from_sec1_der(key.content().unwrap_or_default(), Some(curve))
    }

    /// SEC1 `EC PRIVATE KEY` PEM with named-curve parameters (the SGP.26 layout, without the
    /// separate EC PARAMETERS block).
    pub fn to_sec1_pem(&self) -> String {
        let curve = self.curve();
        let oid = rsp_codec::der::encode_oid(curve.oid()).expect("curve OIDs are valid");
        let mut point = vec![0u8];
        point.extend(self.public_key().to_uncompressed());
        let t = Tlv::constructed(
            Tag::of(0x30),
            vec![
                Tlv::primitive(Tag::of(0x02), vec![1]),
                Tlv::primitive(Tag::of(0x04), self.to_bytes().to_vec()),
                Tlv::constructed(Tag::of(0xA0), vec![Tlv::primitive(Tag::of(0x06), oid)]),
                Tlv::constructed(Tag::of(0xA1), vec![Tlv::primitive(Tag::of(0x03), point)]),
            ],
        );
        pem_encode("EC PRIVATE KEY", &t.encode_der())
    }
}

impl PublicKey {
    /// From a SEC1 point (uncompressed `04‖X‖Y`, or compressed).
    pub fn from_sec1(curve: Curve, bytes: &[u8]) -> Result<PublicKey, EccError> {
        let bad = EccError::InvalidPoint {
            curve,
            len: bytes.len(),
        };
        Ok(match curve {
            Curve::NistP256 => {
                PublicKey::NistP256(p256::PublicKey::from_sec1_bytes(bytes).map_err(|_| bad)?)
            }
            Curve::BrainpoolP256r1 => PublicKey::BrainpoolP256r1(
                elliptic_curve::PublicKey::from_sec1_bytes(bytes).map_err(|_| bad)?,
            ),
        })
    }

    pub fn curve(&self) -> Curve {
        match self {
            PublicKey::NistP256(_) => Curve::NistP256,
            PublicKey::BrainpoolP256r1(_) => Curve::BrainpoolP256r1,
        }
    }

    /// Uncompressed SEC1 point `04‖X‖Y` (65 bytes), as carried in `5F49` and certificates.
    pub fn to_uncompressed(&self) -> Vec<u8> {
        match self {
            PublicKey::NistP256(p) => p.to_sec1_bytes().to_vec(),
            PublicKey::BrainpoolP256r1(p) => p.to_sec1_bytes().to_vec(),
        }
    }

    /// Verifies a raw r‖s ECDSA-SHA256 signature over `message`.
    pub fn verify(&self, message: &[u8], raw_signature: &[u8]) -> Result<(), EccError> {
        if raw_signature.len() != 64 {
            return Err(EccError::RawSignatureLength {
                len: raw_signature.len(),
            });
        }
        let bad = EccError::BadSignature {
            curve: self.curve(),
        };
        match self {
            #[cfg(feature = "ring")]
            PublicKey::NistP256(p) => backends::verify_p256_ring(p, message, raw_signature),
            #[cfg(not(feature = "ring"))]
            PublicKey::NistP256(p) => {
                let sig =
                    p256::ecdsa::Signature::from_slice(raw_signature).map_err(|_| bad.clone())?;
                p256::ecdsa::VerifyingKey::from(p)
                    .verify(message, &sig)
                    .map_err(|_| bad)
            }
            PublicKey::BrainpoolP256r1(p) => {
                let sig = ecdsa::Signature::<BrainpoolP256r1>::from_slice(raw_signature)
                    .map_err(|_| bad.clone())?;
                ecdsa::VerifyingKey::<BrainpoolP256r1>::from(p)
                    .verify(message, &sig)
                    .map_err(|_| bad)
            }
        }
    }

    /// Verifies an X.509 (DER ECDSA-Sig-Value) signature over `message`.
    pub fn verify_der(&self, message: &[u8], der_signature: &[u8]) -> Result<(), EccError> {
        self.verify(message, &der_to_raw(der_signature)?)
    }

    /// `SubjectPublicKeyInfo` DER of this key (id-ecPublicKey with the named curve).
    pub fn to_spki_der(&self) -> Vec<u8> {
        let alg = Tlv::constructed(
            Tag::of(0x30),
            vec![
                Tlv::primitive(
                    Tag::of(0x06),
                    rsp_codec::der::encode_oid("1.2.840.10045.2.1").expect("valid"),
                ),
                Tlv::primitive(
                    Tag::of(0x06),
                    rsp_codec::der::encode_oid(self.curve().oid()).expect("valid"),
                ),
            ],
        );
        let mut bits = vec![0u8];
        bits.extend(self.to_uncompressed());
        Tlv::constructed(
            Tag::of(0x30),
            vec![alg, Tlv::primitive(Tag::of(0x03), bits)],
        )
        .encode_der()
    }

    /// From `SubjectPublicKeyInfo` DER (id-ecPublicKey, named curve).
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, EccError> {
        let bad = |r: &str| EccError::KeyFile {
            reason: format!("SubjectPublicKeyInfo: {r}"),
        };
        let t = Tlv::parse(der).map_err(|e| bad(&e.to_string()))?;
        let [alg, bits] = t.children() else {
            return Err(bad("expected algorithm and key"));
        };
        let curve_oid = alg
            .children()
            .get(1)
            .and_then(Tlv::content)
            .ok_or_else(|| bad("no named curve"))?;
        let text = rsp_codec::der::decode_oid(curve_oid).map_err(|e| bad(&e.to_string()))?;
        let curve = Curve::from_oid(&text).ok_or(EccError::UnsupportedCurve { oid: text })?;
        let bits = rsp_codec::der::decode_bit_string(bits.content().unwrap_or_default())
            .map_err(|e| bad(&e.to_string()))?;
        PublicKey::from_sec1(curve, &bits.data)
    }

    /// From PEM `PUBLIC KEY` (the SGP.26 `PK_*` files).
    pub fn from_pem(text: &str) -> Result<PublicKey, EccError> {
        pem_blocks(text)?
            .into_iter()
            .find(|(label, _)| label == "PUBLIC KEY")
            .map(|(_, der)| PublicKey::from_spki_der(&der))
            .unwrap_or_else(|| {
                Err(EccError::KeyFile {
                    reason: "no PUBLIC KEY block".into(),
                })
            })
    }

    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.to_spki_der())
    }
}

/// The P-256 implementations behind [`PrivateKey`] and [`PublicKey`], callable one by one so
/// tests can hold them against each other. Not API.
#[doc(hidden)]
pub mod backends {
    use ecdsa::signature::{Signer, Verifier};

    use super::{EccError, PrivateKey, PublicKey};

    /// ECDSA-P256-SHA256 verification by ring (what [`PublicKey::verify`] uses with the `ring`
    /// feature): about seven times faster than the pure-Rust arithmetic. Verification has no
    /// secret and no randomness, so determinism is untouched. Signing stays RustCrypto's RFC
    /// 6979 (ring signs with random nonces), and so do ECKA and key derivation, which ring
    /// cannot do with an injected scalar.
    #[cfg(feature = "ring")]
    pub fn verify_p256_ring(
        key: &p256::PublicKey,
        message: &[u8],
        raw_signature: &[u8],
    ) -> Result<(), EccError> {
        // Uncompressed SEC1, the only form ring takes.
        let point = key.to_sec1_bytes();
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
            .verify(message, raw_signature)
            .map_err(|_| EccError::BadSignature {
                curve: super::Curve::NistP256,
            })
    }

    /// RustCrypto's verification (brainpoolP256r1 always; P-256 without the `ring` feature).
    pub fn verify_rustcrypto(
        key: &PublicKey,
        message: &[u8],
        raw_signature: &[u8],
    ) -> Result<(), EccError> {
        let bad = EccError::BadSignature { curve: key.curve() };
        if raw_signature.len() != 64 {
            return Err(EccError::RawSignatureLength {
                len: raw_signature.len(),
            });
        }
        match key {
            PublicKey::NistP256(p) => {
                let sig =
                    p256::ecdsa::Signature::from_slice(raw_signature).map_err(|_| bad.clone())?;
                p256::ecdsa::VerifyingKey::from(p)
                    .verify(message, &sig)
                    .map_err(|_| bad)
            }
            PublicKey::BrainpoolP256r1(p) => {
                let sig = ecdsa::Signature::<bp256::BrainpoolP256r1>::from_slice(raw_signature)
                    .map_err(|_| bad.clone())?;
                ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from(p)
                    .verify(message, &sig)
                    .map_err(|_| bad)
            }
        }
    }

    /// Signing through `SigningKey`, as before [`PrivateKey::sign`] called the RFC 6979
    /// function directly: the reference the direct call must match byte for byte.
    pub fn sign_via_signing_key(key: &PrivateKey, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        match key {
            PrivateKey::NistP256(k) => {
                let sig: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(k).sign(message);
                out.copy_from_slice(&sig.to_bytes());
            }
            PrivateKey::BrainpoolP256r1(k) => {
                let sig: ecdsa::Signature<bp256::BrainpoolP256r1> =
                    ecdsa::SigningKey::<bp256::BrainpoolP256r1>::from(k).sign(message);
                out.copy_from_slice(&sig.to_bytes());
            }
        }
        out
    }
}

/// X.509's DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` from raw r‖s.
pub fn raw_to_der(raw: &[u8]) -> Result<Vec<u8>, EccError> {
    if raw.len() != 64 {
        return Err(EccError::RawSignatureLength { len: raw.len() });
    }
    let int = |half: &[u8]| {
        let mut v: Vec<u8> = half.iter().copied().skip_while(|b| *b == 0).collect();
        if v.first().is_none_or(|b| b & 0x80 != 0) {
            v.insert(0, 0);
        }
        Tlv::primitive(Tag::of(0x02), v)
    };
    Ok(Tlv::constructed(Tag::of(0x30), vec![int(&raw[..32]), int(&raw[32..])]).encode_der())
}

/// Raw r‖s (64 bytes) from a DER `ECDSA-Sig-Value`. Rejects non-DER, negative and oversized
/// integers.
pub fn der_to_raw(der: &[u8]) -> Result<[u8; 64], EccError> {
    let bad = |reason| EccError::DerSignature { reason };
    let t = Tlv::parse(der).map_err(|_| bad("not one TLV"))?;
    if t.tag() != Tag::of(0x30) || !t.is_der() {
        return Err(bad("not a DER SEQUENCE"));
    }
    let [r, s] = t.children() else {
        return Err(bad("expected exactly r and s"));
    };
    let mut out = [0u8; 64];
    for (i, part) in [r, s].into_iter().enumerate() {
        if part.tag() != Tag::of(0x02) {
            return Err(bad("r and s must be INTEGERs"));
        }
        let v = part.content().unwrap_or_default();
        match v {
            [] => return Err(bad("empty INTEGER")),
            [0, next, ..] if next & 0x80 == 0 => return Err(bad("INTEGER not minimal")),
            [first, ..] if first & 0x80 != 0 => return Err(bad("negative INTEGER")),
            _ => {}
        }
        let trimmed = if v[0] == 0 { &v[1..] } else { v };
        if trimmed.len() > 32 {
            return Err(bad("INTEGER longer than 32 bytes"));
        }
        out[i * 32 + 32 - trimmed.len()..(i + 1) * 32].copy_from_slice(trimmed);
    }
    Ok(out)
}

/// `(label, DER)` of every PEM block in `text`.
pub fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, EccError> {
    use base64::Engine as _;
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut closed = false;
        for l in lines.by_ref() {
            if l.trim() == end {
                closed = true;
                break;
            }
            body.push_str(l.trim());
        }
        if !closed {
            return Err(EccError::KeyFile {
                reason: format!("PEM block {label} is not closed"),
            });
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| EccError::KeyFile {
                reason: format!("PEM block {label}: {e}"),
            })?;
        out.push((label.to_owned(), der));
    }
    Ok(out)
}

/// PEM with 64-character lines.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_both_curves_and_der_round_trip() {
        let mut rng = SeededRandom::new(7);
        for curve in Curve::ALL {
            let k = PrivateKey::generate(curve, &mut rng);
            let sig = k.sign(b"message");
            assert_eq!(sig, k.sign(b"message"), "RFC 6979 is deterministic");
            let pk = k.public_key();
            pk.verify(b"message", &sig).unwrap();
            assert!(pk.verify(b"massage", &sig).is_err());
            let der = raw_to_der(&sig).unwrap();
            assert_eq!(der_to_raw(&der).unwrap(), sig);
            pk.verify_der(b"message", &der).unwrap();
            let mut bad = sig;
            bad[10] ^= 1;
            assert_eq!(
                pk.verify(b"message", &bad),
                Err(EccError::BadSignature { curve })
            );
            assert_eq!(
                PublicKey::from_sec1(curve, &pk.to_uncompressed()).unwrap(),
                pk
            );
            assert_eq!(PublicKey::from_spki_der(&pk.to_spki_der()).unwrap(), pk);
            let back = PrivateKey::from_pem(&k.to_sec1_pem()).unwrap();
            assert_eq!(back.to_bytes(), k.to_bytes());
        }
    }

    #[test]
    fn ecka_agrees_and_refuses_mixed_curves() {
        let mut rng = SeededRandom::new(1);
        let a = PrivateKey::generate(Curve::BrainpoolP256r1, &mut rng);
        let b = PrivateKey::generate(Curve::BrainpoolP256r1, &mut rng);
        assert_eq!(
            a.shared_secret(&b.public_key()).unwrap(),
            b.shared_secret(&a.public_key()).unwrap()
        );
        let n = PrivateKey::generate(Curve::NistP256, &mut rng);
        assert!(matches!(
            a.shared_secret(&n.public_key()),
            Err(EccError::CurveMismatch { .. })
        ));
    }

    #[test]
    fn digest_ecka_vector() {
        // Digest §4.3: otSK.DP × otPK.EUICC on P-256.
        let sk = PrivateKey::from_bytes(
            Curve::NistP256,
            &hex::decode("fb68a38ccedb69e15cbe03c256228998ac398587e5dc7117f948145c839d61a4")
                .unwrap(),
        )
        .unwrap();
        let euicc = PublicKey::from_sec1(Curve::NistP256, &hex::decode("0400f7b8d71403f21d84b00cd9e561178d737d3f4d065e62fee279271298dd4f074794ab791b9939d4461296efe388aa26731064263af988b7d2c4d77da44801b5").unwrap()).unwrap();
        assert_eq!(
            hex::encode(sk.public_key().to_uncompressed()),
            "04a27e2bdbd94dcf67d4c9ae5cb149d9d0f093be7a16dc41ec9db0318e4db72d09234a7d7631979a5d150eec40afe17ce41673df9d2f2e4246d60051c74eba7964"
        );
        assert_eq!(
            hex::encode(sk.shared_secret(&euicc).unwrap()),
            "c9a993dd4879a8f7161f2085410edd4f9652f1df37be097ba96ba2ca6be528fe"
        );
    }

    #[test]
    fn der_signature_errors() {
        assert!(der_to_raw(&[0x30, 0x00]).is_err());
        assert!(der_to_raw(&hex::decode("3006020100020100").unwrap()).is_ok());
        assert!(der_to_raw(&hex::decode("30070201FF020200FF").unwrap()).is_err()); // negative r
        assert!(der_to_raw(&hex::decode("300702020001020100").unwrap()).is_err()); // non-minimal
        assert!(raw_to_der(&[0; 63]).is_err());
    }

    #[test]
    fn loads_sgp26_key_files_when_present() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/sgp26");
        let Ok(sk) = std::fs::read_to_string(format!("{dir}/DPauth/SK_S_SM_DPauth_ECDSA_BRP.pem"))
        else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "SGP.26 vectors missing at {dir}: CI must have them"
            );
            eprintln!("SGP.26 vectors not found at {dir}; skipped outside CI");
            return;
        };
        let pk =
            std::fs::read_to_string(format!("{dir}/DPauth/PK_S_SM_DPauth_ECDSA_BRP.pem")).unwrap();
        let sk = PrivateKey::from_pem(&sk).unwrap();
        assert_eq!(sk.curve(), Curve::BrainpoolP256r1);
        assert_eq!(sk.public_key(), PublicKey::from_pem(&pk).unwrap());
    }
}
