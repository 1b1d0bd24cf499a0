//! rsp-crypto: the cryptography SGP.22 roles and verdicts stand on.
//!
//! - [`ecc`]: keys on NIST P-256 and brainpoolP256r1, ECDSA (raw r‖s and DER), ECKA, key files,
//!   injected randomness.
//! - [`kdf`]: X9.63 KDF and session keys, confirmation-code hash.
//! - [`milenage`]: Milenage (TS 35.206, all TS 35.208 test sets) and USIM-side 3G AKA with the
//!   TS 33.102 Annex C SQN scheme; network-side vectors and resynchronisation.
//! - [`scp03t`]: SCP03t/BSP protection of one segment (87/88/86), with MAC chaining and counter.
//! - [`auth`]: the RSP server side of mutual authentication (SM-DP+ and SM-DS share it).
//! - [`bpp`]: key agreement for binding (both sides), building and opening bound profile packages,
//!   with failures mapped to the PIR bppCommandId/errorReason.
//! - [`signed`]: the exact signed data of every SGP.22 signature, from the bytes as received.
//! - [`cert`]: SGP.22 certificate parsing and chain verification at a given time, with distinct
//!   reasons mapped to the SGP.22 error codes.
//! - [`pkiset`]: loads a certificate set in the SGP.26 file layout and verifies all its chains.
//! - [`pkigen`]: SGP.26-shaped test PKI generator (valid and invalid sets, same seed → same files).

pub mod auth;
pub mod bpp;
pub mod cert;
pub mod ecc;
pub mod kdf;
pub mod milenage;
pub mod pkigen;
pub mod pkiset;
pub mod scp03t;
pub mod signed;

pub use ecc::{Curve, EccError, PrivateKey, PublicKey, RandomSource, SeededRandom};
