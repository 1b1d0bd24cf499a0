//! rspcheck reference eUICC: ISD-R (ES10a/b/c), ES8+ BPP processing, profile store, UICC file access.
//!
//! Not built yet: this crate is a placeholder in the workspace layout of DESIGN.md §2.
