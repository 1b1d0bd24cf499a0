//! rspcheck SAIP profile packages: ProfileElements, templates, file-system model, variants, linter.
//!
//! Built so far:
//! - [`schema`]: the TCA PEDefinitions v3.3.1 types (every ProfileElement alternative, every
//!   template file PE with all its `File` components, `File`/`Fcp`, the non-file PEs and
//!   `EUICCResponse`) as `rsp_codec` schema data.
//! - [`package`]: [`ProfilePackage`], a lossless ordered run of DER ProfileElements with
//!   per-PE kind, identification, header view, path-named validation and pretty printing.
//! - [`builder`]: profiles from a short TOML description (ICCID, IMSI, K/OPc, algorithm, PINs,
//!   optional parts) — the reference SM-DP+'s inventory.
//! - [`templates`]: the TCA template registry (files, FIDs, sizes, SFIs, defaults, created by
//!   default or not).
//! - [`expand`]: the file system a conforming eUICC must create from a profile, plus PIN/PUK,
//!   AKA, security-domain and application summaries (secrets redacted).
//! - [`lint`]: structure and compatibility rules (digest §7.6), each with a stable id, severity,
//!   PE, path and an explanation; JSON output.
//! - [`variants`]: semantically equivalent variants of a profile (explicit, compressed, each
//!   DEFAULT/optional parameter omitted or written out, efFileSize encodings, template-version
//!   swaps), each checked to expand to the source's file system.

pub mod builder;
pub mod expand;
pub mod lint;
pub mod package;
pub mod schema;
pub mod templates;
pub mod variants;

pub use package::{
    HeaderView, PackageError, PeError, PeKind, ProfileElement, ProfilePackage,
    PROFILE_SECRET_FIELDS,
};
