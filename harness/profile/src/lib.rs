//! rspcheck SAIP profile packages: ProfileElements, templates, file-system model, variants, linter.
//!
//! Not built yet: this crate is a placeholder in the workspace layout of DESIGN.md §2.
