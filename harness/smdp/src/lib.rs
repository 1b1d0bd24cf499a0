//! rspcheck reference SM-DP+: ES9+, ES2+, ES12 client, inventory, BPP binding.
//!
//! Not built yet: this crate is a placeholder in the workspace layout of DESIGN.md §2.
