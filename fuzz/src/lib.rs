//! Code shared by the fuzz targets.

pub use libfuzzer_sys;

pub mod der_mutator;
