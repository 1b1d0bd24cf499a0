//! The GSMA SGP.26 test certificates as a complete world PKI. SGP.26 defines no SM-DS
//! certificates, so the generated set's DSauth and DStls certificates (same keys, names,
//! extensions and validity) are issued again by the SGP.26 CIs with their published private
//! keys: issuer and authority key identifier replaced, signed again. The set is written once
//! into the temporary directory (beside, then renamed into place, so parallel processes never
//! see half a set). The vectors themselves are read from `../shared/vectors/sgp26`, never
//! copied into the repository.

use std::path::{Path, PathBuf};

use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::RspCertificate;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, PrivateKey};

/// The folders of SGP.26 a world uses (DP2/4/8 and the invalid set are not needed).
const SUBFOLDERS: [&str; 6] = [
    "CertificateIssuer",
    "EUM",
    "eUICC",
    "DPauth",
    "DPpb",
    "DPtls",
];

/// `sgp26` plus SM-DS certificates re-issued from `generated` (the generated test PKI at
/// `generated_dir`): the folder of the complete set.
pub fn with_smds(
    sgp26: &Path,
    generated: &PkiSet,
    generated_dir: &Path,
) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join("rsp-runner-sgp26-with-smds-v1");
    if dir.join("complete").exists() {
        return Ok(dir);
    }
    let tmp = std::env::temp_dir().join(format!(
        "rsp-runner-sgp26-with-smds-v1.{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let io = |what: &Path, e: std::io::Error| format!("{}: {e}", what.display());
    for sub in SUBFOLDERS {
        copy_dir(&sgp26.join(sub), &tmp.join(sub)).map_err(|e| format!("SGP.26 {sub}: {e}"))?;
    }
    let original = PkiSet::load(sgp26).map_err(|e| format!("SGP.26 set: {e}"))?;
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        let ci = &original
            .curve(curve)
            .ok_or_else(|| format!("SGP.26 has no {curve:?} set"))?
            .ci;
        let ci_key = ci.key.as_ref().ok_or("SGP.26 CI private key missing")?;
        let g = generated
            .curve(curve)
            .ok_or_else(|| format!("the generated PKI has no {curve:?} set"))?;
        for entry in [g.ds_auth.as_ref(), g.ds_tls.as_ref()]
            .into_iter()
            .flatten()
        {
            let rel = entry
                .path
                .strip_prefix(generated_dir)
                .map_err(|_| "generated certificate outside its set".to_owned())?;
            let out = tmp.join(rel);
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            std::fs::write(&out, reissue(entry.cert.der(), &ci.cert, ci_key)?)
                .map_err(|e| io(&out, e))?;
            let key = entry.key_path.as_ref().ok_or("DS private key missing")?;
            let key_rel = key
                .strip_prefix(generated_dir)
                .map_err(|_| "generated key outside its set".to_owned())?;
            std::fs::copy(key, tmp.join(key_rel)).map_err(|e| io(key, e))?;
        }
    }
    std::fs::write(tmp.join("complete"), b"").map_err(|e| io(&tmp, e))?;
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another process won the race; its set is the same.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(dir)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        if e.file_type()?.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

/// `cert` issued again by `ci`: issuer name and authority key identifier from `ci`, signed
/// with `ci_key` (ECDSA-SHA256, as the original).
fn reissue(cert: &[u8], ci: &RspCertificate, ci_key: &PrivateKey) -> Result<Vec<u8>, String> {
    const AKI_OID: [u8; 3] = [0x55, 0x1D, 0x23];
    let shape = |what: &str| format!("certificate to re-issue: {what}");
    let cert = Tlv::parse(cert).map_err(|e| shape(&e.to_string()))?;
    let ci_cert = Tlv::parse(ci.der()).map_err(|e| shape(&e.to_string()))?;
    let ci_subject = ci_cert
        .children()
        .first()
        .and_then(|tbs| tbs.children().get(5))
        .cloned()
        .ok_or_else(|| shape("CI without a subject"))?;
    let mut tbs = cert
        .children()
        .first()
        .cloned()
        .ok_or_else(|| shape("no tbsCertificate"))?;
    *tbs.children_mut()
        .get_mut(3)
        .ok_or_else(|| shape("no issuer"))? = ci_subject;
    let exts = tbs
        .children_mut()
        .iter_mut()
        .find(|c| c.tag() == Tag::of(0xA3))
        .ok_or_else(|| shape("no extensions"))?;
    exts.mark_edited();
    let list = exts
        .children_mut()
        .first_mut()
        .ok_or_else(|| shape("empty extensions"))?;
    list.mark_edited();
    for ext in list.children_mut() {
        if ext.children().first().and_then(Tlv::content) == Some(&AKI_OID[..]) {
            let key_id = Tlv::primitive(Tag::of(0x80), ci.key_id().to_vec());
            let value = Tlv::constructed(Tag::of(0x30), vec![key_id]).encode_der();
            if let Some(last) = ext.children_mut().last_mut() {
                *last = Tlv::primitive(Tag::of(0x04), value);
            }
            ext.mark_edited();
        }
    }
    tbs.mark_edited();
    let tbs_der = tbs.encode_der();
    let sig = rsp_crypto::ecc::raw_to_der(&ci_key.sign(&tbs_der))
        .map_err(|e| format!("signature: {e}"))?;
    let mut bits = vec![0u8];
    bits.extend_from_slice(&sig);
    let algorithm = cert
        .children()
        .get(1)
        .cloned()
        .ok_or_else(|| shape("no signatureAlgorithm"))?;
    Ok(Tlv::constructed(
        Tag::of(0x30),
        vec![tbs, algorithm, Tlv::primitive(Tag::of(0x03), bits)],
    )
    .encode_der())
}
