//! Key derivation for the bound profile package (SGP.22 Annex G, digest §4.3) and the
//! confirmation-code hash (digest §4.1 step 7).
//!
//! - [`x963_kdf_sha256`]: ANSI X9.63 KDF with SHA-256.
//! - [`shared_info`]: `keyType ‖ keyLen ‖ len(hostId) ‖ hostId ‖ len(EID) ‖ EID`.
//! - [`derive_session_keys`]: ShS + hostId + EID → [`SessionKeys`] (initial MCV, S-ENC, S-MAC).
//! - [`hash_cc`]: `SHA-256(SHA-256(CC) ‖ transactionId)`.

use std::fmt;

use sha2::{Digest, Sha256};

/// `keyType` of the control reference template: AES (`80 01 88`).
pub const KEY_TYPE_AES: u8 = 0x88;
/// `keyLen` of the control reference template: 16 bytes (`81 01 10`).
pub const KEY_LEN_16: u8 = 0x10;

/// The three values the KDF yields: bytes 0–15, 16–31 and 32–47 of its output.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKeys {
    /// Initial MAC chaining value.
    pub initial_mcv: [u8; 16],
    /// S-ENC (AES-128).
    pub s_enc: [u8; 16],
    /// S-MAC (AES-128 CMAC).
    pub s_mac: [u8; 16],
}

/// Keys are secrets: `Debug` does not show them.
impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKeys(<redacted>)")
    }
}

impl SessionKeys {
    /// From the 48 KDF output bytes.
    pub fn from_kdf_output(b: &[u8; 48]) -> SessionKeys {
        let part = |i: usize| -> [u8; 16] {
            let mut k = [0u8; 16];
            k.copy_from_slice(&b[i * 16..(i + 1) * 16]);
            k
        };
        SessionKeys {
            initial_mcv: part(0),
            s_enc: part(1),
            s_mac: part(2),
        }
    }
}

/// Why the KDF inputs cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KdfError {
    /// The one-byte length prefix of hostId cannot hold it (the CRT allows 1..16 bytes).
    #[error("hostId of {len} bytes does not fit a one-byte length")]
    HostIdTooLong { len: usize },
}

/// ANSI X9.63 KDF with SHA-256: `SHA256(Z ‖ counter(4, from 1) ‖ SharedInfo) ‖ …`, truncated
/// to `out_len` bytes.
pub fn x963_kdf_sha256(shared_secret: &[u8], shared_info: &[u8], out_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(out_len.div_ceil(32) * 32);
    let mut counter: u32 = 1;
    while out.len() < out_len {
        let block = Sha256::new()
            .chain_update(shared_secret)
            .chain_update(counter.to_be_bytes())
            .chain_update(shared_info)
            .finalize();
        out.extend_from_slice(&block);
        counter = counter.wrapping_add(1);
    }
    out.truncate(out_len);
    out
}

/// SharedInfo of SGP.22 Annex G: `keyType ‖ keyLen ‖ len(hostId) ‖ hostId ‖ len(EID) ‖ EID`,
/// with the EID in its 16-byte binary form.
pub fn shared_info(
    key_type: u8,
    key_len: u8,
    host_id: &[u8],
    eid: &[u8; 16],
) -> Result<Vec<u8>, KdfError> {
    let host_len =
        u8::try_from(host_id.len()).map_err(|_| KdfError::HostIdTooLong { len: host_id.len() })?;
    let mut info = Vec::with_capacity(3 + host_id.len() + 1 + 16);
    info.extend_from_slice(&[key_type, key_len, host_len]);
    info.extend_from_slice(host_id);
    info.push(16);
    info.extend_from_slice(eid);
    Ok(info)
}

/// Session keys from the ECKA shared secret, hostId and EID with `keyType` AES (`88`) and
/// `keyLen` 16 (`10`), the only CRT values SGP.22 defines.
pub fn derive_session_keys(
    shared_secret: &[u8; 32],
    host_id: &[u8],
    eid: &[u8; 16],
) -> Result<SessionKeys, KdfError> {
    derive_session_keys_with(shared_secret, KEY_TYPE_AES, KEY_LEN_16, host_id, eid)
}

/// [`derive_session_keys`] with explicit CRT values, for deriving what a peer that sent other
/// values would compute (fault injection). The output is always 48 bytes.
pub fn derive_session_keys_with(
    shared_secret: &[u8; 32],
    key_type: u8,
    key_len: u8,
    host_id: &[u8],
    eid: &[u8; 16],
) -> Result<SessionKeys, KdfError> {
    let info = shared_info(key_type, key_len, host_id, eid)?;
    let out = x963_kdf_sha256(shared_secret, &info, 48);
    let mut b = [0u8; 48];
    b.copy_from_slice(&out);
    Ok(SessionKeys::from_kdf_output(&b))
}

/// `hashCc = SHA-256(SHA-256(confirmation code as entered) ‖ transactionId)`.
pub fn hash_cc(confirmation_code: &[u8], transaction_id: &[u8]) -> [u8; 32] {
    let inner = Sha256::digest(confirmation_code);
    Sha256::new()
        .chain_update(inner)
        .chain_update(transaction_id)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }
    fn a32(s: &str) -> [u8; 32] {
        h(s).try_into().unwrap()
    }
    fn a16(s: &str) -> [u8; 16] {
        h(s).try_into().unwrap()
    }

    #[test]
    fn digest_kdf_vector_1() {
        let keys = derive_session_keys(
            &a32("c9a993dd4879a8f7161f2085410edd4f9652f1df37be097ba96ba2ca6be528fe"),
            &h("8080808080808080"),
            &a16("89049032123451234512345678901235"),
        )
        .unwrap();
        assert_eq!(
            hex::encode(keys.initial_mcv),
            "406d507b448a699e7a36a38494debbde"
        );
        assert_eq!(hex::encode(keys.s_enc), "472f5bfadd97f21d34f3ce9b51b92751");
        assert_eq!(hex::encode(keys.s_mac), "9ec07f5b36a13e12a991d66e294e6242");
    }

    #[test]
    fn digest_kdf_vector_2() {
        let keys = derive_session_keys(
            &a32("8902dca391bbb22570fe60c176076246f568b1941265dff1d729e63039658089"),
            &h("8080808080808080"),
            &a16("89049032123451234512345678901335"),
        )
        .unwrap();
        assert_eq!(hex::encode(keys.s_enc), "d782d575b22a38334556a3d9a1e2ae6b");
        assert_eq!(hex::encode(keys.s_mac), "a35addc192ae8f934e2932116c7e89e7");
        assert_eq!(
            hex::encode(keys.initial_mcv),
            "734bc93ddb10c71c5ad13d420dc08b5b"
        );
    }

    #[test]
    fn shared_info_layout() {
        let info = shared_info(0x88, 0x10, &[0xAA, 0xBB], &[0x89; 16]).unwrap();
        let mut want = h("881002aabb10");
        want.extend_from_slice(&[0x89; 16]);
        assert_eq!(info, want);
        assert_eq!(
            shared_info(0x88, 0x10, &[0; 256], &[0; 16]),
            Err(KdfError::HostIdTooLong { len: 256 })
        );
    }

    #[test]
    fn x963_counter_and_truncation() {
        // Two blocks, the second with counter 2; prefix property of truncation.
        let long = x963_kdf_sha256(b"Z", b"info", 64);
        let mut second = Sha256::new();
        second.update(b"Z");
        second.update(2u32.to_be_bytes());
        second.update(b"info");
        assert_eq!(&long[32..], &second.finalize()[..]);
        assert_eq!(x963_kdf_sha256(b"Z", b"info", 48), long[..48]);
        assert!(x963_kdf_sha256(b"Z", b"info", 0).is_empty());
    }

    #[test]
    fn hash_cc_is_double_sha256() {
        // SHA-256("12345678") is well known; the outer hash adds the transaction id.
        let inner = Sha256::digest(b"12345678");
        assert_eq!(
            hex::encode(inner),
            "ef797c8118f02dfb649607dd5d3f8c7623048c9c063d532cc95c5ed7a898a64f"
        );
        let tx = h("0123456789abcdef");
        let mut outer = inner.to_vec();
        outer.extend_from_slice(&tx);
        let want: [u8; 32] = Sha256::digest(&outer).into();
        assert_eq!(hash_cc(b"12345678", &tx), want);
        assert_ne!(hash_cc(b"12345678", &tx), hash_cc(b"12345679", &tx));
    }

    #[test]
    fn debug_redacts_keys() {
        let k = SessionKeys::from_kdf_output(&[0xAB; 48]);
        assert!(!format!("{k:?}").to_lowercase().contains("ab"));
    }
}
