//! rsp-crypto: the cryptography SGP.22 roles and verdicts stand on.
//!
//! - [`ecc`]: keys on NIST P-256 and brainpoolP256r1, ECDSA (raw r‖s and DER), ECKA, key files,
//!   injected randomness.
//! - [`pkigen`]: SGP.26-shaped test PKI generator (valid and invalid sets, same seed → same files).

pub mod ecc;
pub mod pkigen;

pub use ecc::{Curve, EccError, PrivateKey, PublicKey, RandomSource, SeededRandom};
