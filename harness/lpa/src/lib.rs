//! rspcheck LPA logic: download (activation code, default SM-DP+, SM-DS), management, notifications.
//!
//! Not built yet: this crate is a placeholder in the workspace layout of DESIGN.md §2.
