//! The profile-compatibility matrix (suite `compat`): every profile of a set, as given and as
//! each of its semantically equivalent variants ([`rsp_profile::variants`]), downloaded to the
//! eUICC, enabled, and its file system read back over the UICC interface and compared with the
//! expansion ([`rsp_profile::expand`]).
//!
//! A scenario file declares the matrix instead of spelling out its cases:
//!
//! ```toml
//! dut = "euicc"
//! interface = "Profile package"
//! group = "Compatibility"
//! tags = ["compat"]
//!
//! [[matrix]]
//! profiles = ["minimal-milenage", "ts48/NoBERTLV"]
//! ```
//!
//! `name` is a profile of the repository's `vectors/profiles`; `ts48/<name>` one of
//! `../shared/vectors/ts48-v7`; `file:<path>` any DER file (`rspcheck compat`). Each expands
//! to `COMPAT.<profile>.original` and `COMPAT.<profile>.<variant>` cases; a profile whose file
//! is missing becomes one case that is not applicable, saying so. With
//! `personalities = ["no-template-v2", …]` the cases run on the reference eUICC under each of
//! those personalities instead (`COMPAT.<personality>.<profile>.<variant>`), which does not
//! apply to a card under test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rsp_profile::package::ProfilePackage;

/// The variant name of the profile as given.
pub const ORIGINAL: &str = "original";

/// Largest profile package read (TS.48 packages are tens of kilobytes).
pub const MAX_PROFILE_BYTES: u64 = 1 << 20;

/// Reads a profile package: a regular file of at most [`MAX_PROFILE_BYTES`] (a suite naming
/// `file:/dev/zero` gets an error, not an endless read).
pub fn read_profile(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    if meta.len() > MAX_PROFILE_BYTES {
        return Err(format!(
            "{}: {} bytes, more than the {MAX_PROFILE_BYTES} a profile package may have",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Where profile files are.
#[derive(Debug, Clone)]
pub struct ProfileDirs {
    /// The repository's `vectors/` (holds `profiles/`).
    pub repo_vectors: PathBuf,
    /// `../shared/vectors` (holds `ts48-v7/`), when present.
    pub shared_vectors: Option<PathBuf>,
}

impl ProfileDirs {
    /// The DER file of a profile name, checked for shape (no path tricks).
    pub fn path_of(&self, name: &str) -> Result<PathBuf, String> {
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if let Some(file) = name.strip_prefix("file:") {
            return Ok(PathBuf::from(file));
        }
        match name.split_once('/') {
            None if ok(name) => Ok(self
                .repo_vectors
                .join("profiles")
                .join(format!("{name}.der"))),
            Some(("ts48", n)) if ok(n) => self
                .shared_vectors
                .as_ref()
                .map(|v| v.join("ts48-v7").join(format!("{n}.der")))
                .ok_or_else(|| {
                    "the TS.48 vectors (../shared/vectors/ts48-v7) are not there".into()
                }),
            _ => Err(format!(
                "profile {name:?}: a name from vectors/profiles or ts48/<name>"
            )),
        }
    }
}

/// A profile's variants by name (`original` included), computed once per process.
pub type VariantBytes = Arc<BTreeMap<String, Vec<u8>>>;

/// The package bytes of every variant of the profile in `path`.
pub fn variants_of(path: &Path) -> Result<VariantBytes, String> {
    static CACHE: OnceLock<Mutex<BTreeMap<PathBuf, VariantBytes>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(v) = cache.lock().map_err(|e| e.to_string())?.get(path) {
        return Ok(v.clone());
    }
    let der = read_profile(path)?;
    let package = ProfilePackage::parse(&der).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for v in rsp_profile::variants::variants(&package).variants {
        out.insert(v.name, v.package.encode());
    }
    out.insert(ORIGINAL.to_owned(), der);
    let out = Arc::new(out);
    cache
        .lock()
        .map_err(|e| e.to_string())?
        .insert(path.to_owned(), out.clone());
    Ok(out)
}

/// The case id part of a profile name (`ts48/NoBERTLV` → `ts48-NoBERTLV`, `file:x/p.der` →
/// `p`).
pub fn id_part(profile: &str) -> String {
    let name = match profile.strip_prefix("file:") {
        Some(f) => Path::new(f)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        None => profile.replace('/', "-"),
    };
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs() -> ProfileDirs {
        ProfileDirs {
            repo_vectors: crate::engine::repo_root().join("vectors"),
            shared_vectors: None,
        }
    }

    #[test]
    fn profile_names_are_checked() {
        let d = dirs();
        assert!(d.path_of("minimal-milenage").is_ok());
        assert!(d.path_of("../etc/passwd").is_err());
        assert!(d.path_of("ts48/../../x").is_err());
        assert!(
            d.path_of("ts48/NoBERTLV").is_err(),
            "no shared vectors given"
        );
        assert!(d.path_of("other/NoBERTLV").is_err());
    }

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        assert!(read_profile(Path::new("/dev/zero")).is_err());
        assert!(read_profile(Path::new("/")).is_err());
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.der");
        std::fs::write(&big, vec![0u8; MAX_PROFILE_BYTES as usize + 1]).unwrap();
        assert!(read_profile(&big).unwrap_err().contains("more than"));
    }

    #[test]
    fn variants_include_the_original_and_the_named_rewrites() {
        let v = variants_of(&dirs().path_of("minimal-milenage").unwrap()).unwrap();
        assert!(v.contains_key(ORIGINAL));
        assert!(v.contains_key("explicit"), "{:?}", v.keys());
        assert!(v.len() >= 3);
    }
}
