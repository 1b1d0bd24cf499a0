//! rspcheck reference SM-DS: ES11, ES12.
//!
//! Not built yet: this crate is a placeholder in the workspace layout of DESIGN.md §2.
