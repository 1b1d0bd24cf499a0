//! rspcheck crypto: ECDSA (P-256, brainpoolP256r1), ECKA, X9.63 KDF, SCP03t, X.509 chains, test PKI.
//!
//! Not built yet: this crate is a placeholder in the workspace layout of DESIGN.md §2.
