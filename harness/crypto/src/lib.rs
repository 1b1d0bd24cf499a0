//! rsp-crypto: the cryptography SGP.22 roles and verdicts stand on.
//!
//! - [`ecc`]: keys on NIST P-256 and brainpoolP256r1, ECDSA (raw r‖s and DER), ECKA, key files,
//!   injected randomness.
//! - [`cert`]: SGP.22 certificate parsing and chain verification at a given time, with distinct
//!   reasons mapped to the SGP.22 error codes.
//! - [`pkiset`]: loads a certificate set in the SGP.26 file layout and verifies all its chains.
//! - [`pkigen`]: SGP.26-shaped test PKI generator (valid and invalid sets, same seed → same files).

pub mod cert;
pub mod ecc;
pub mod pkigen;
pub mod pkiset;

pub use ecc::{Curve, EccError, PrivateKey, PublicKey, RandomSource, SeededRandom};
