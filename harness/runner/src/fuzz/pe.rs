//! ProfileElement-level mutations of a profile package (the unprotected sequence of PEs), which
//! the reference SM-DP+ then binds into a correctly protected BPP so they reach the eUICC's
//! profile interpreter.

use rsp_codec::mutate::Rng;
use rsp_codec::tlv::{Tag, Tlv};

/// Mutations of a profile package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeStrategy {
    /// Remove one ProfileElement (not the header).
    RemovePe,
    DuplicatePe,
    /// Swap two neighbouring ProfileElements (not the header).
    SwapPes,
    /// Change the last byte of a template OID: a template the card does not know.
    BreakTemplate,
    /// An efFileSize of 0 or of 16 MiB − 1.
    ImpossibleFileSize,
    /// Give a file the FID of another file of the same PE.
    ConflictingFid,
}

impl PeStrategy {
    pub const ALL: [PeStrategy; 6] = [
        PeStrategy::RemovePe,
        PeStrategy::DuplicatePe,
        PeStrategy::SwapPes,
        PeStrategy::BreakTemplate,
        PeStrategy::ImpossibleFileSize,
        PeStrategy::ConflictingFid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PeStrategy::RemovePe => "remove-pe",
            PeStrategy::DuplicatePe => "duplicate-pe",
            PeStrategy::SwapPes => "swap-pes",
            PeStrategy::BreakTemplate => "break-template",
            PeStrategy::ImpossibleFileSize => "impossible-file-size",
            PeStrategy::ConflictingFid => "conflicting-fid",
        }
    }

    pub fn from_name(name: &str) -> Option<PeStrategy> {
        PeStrategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The mutated package and what changed.
pub fn mutate(
    package: &[u8],
    strategy: PeStrategy,
    rng: &mut Rng,
) -> Result<(Vec<u8>, String), String> {
    let mut pes = Tlv::parse_all(package).map_err(|e| format!("profile package: {e}"))?;
    let n = pes.len();
    if n < 3 {
        return Err(format!(
            "profile package of {n} elements: nothing to mutate"
        ));
    }
    let label = |pes: &[Tlv], i: usize| format!("PE {i} ({})", pes[i].tag());
    let what = match strategy {
        PeStrategy::RemovePe => {
            let i = 1 + rng.below(n - 1);
            let l = label(&pes, i);
            pes.remove(i);
            format!("{l} removed")
        }
        PeStrategy::DuplicatePe => {
            let i = 1 + rng.below(n - 1);
            let copy = pes[i].clone();
            pes.insert(i + 1, copy);
            format!("{} sent twice", label(&pes, i))
        }
        PeStrategy::SwapPes => {
            let i = 1 + rng.below(n - 2);
            pes.swap(i, i + 1);
            format!("{} and PE {} swapped", label(&pes, i), i + 1)
        }
        PeStrategy::BreakTemplate => {
            let mut oids = Vec::new();
            for (i, pe) in pes.iter().enumerate() {
                find(pe, &mut Vec::new(), &mut |t, path| {
                    // templateID: [1] (81) right under the PE, an OID under 2.23.143 (67 81 0F).
                    let template = t.tag() == Tag::of(0x81)
                        && path.len() == 1
                        && t.content()
                            .is_some_and(|c| c.starts_with(&[0x67, 0x81, 0x0F]));
                    if i > 0 && (template || t.tag() == Tag::of(0x06)) {
                        oids.push((i, path.to_vec()));
                    }
                });
            }
            let (i, path) = rng.pick(&oids).cloned().ok_or("no template OID")?;
            edit(&mut pes[i], &path, |t| {
                let mut c = t.content().unwrap_or_default().to_vec();
                if let Some(last) = c.last_mut() {
                    *last = last.wrapping_add(0x40) & 0x7F;
                }
                t.set_content(c);
            });
            format!("template OID of {} changed", label(&pes, i))
        }
        PeStrategy::ImpossibleFileSize | PeStrategy::ConflictingFid => {
            // efFileSize (80) and fileID (83) inside a file descriptor (SAIP Fcp).
            let wanted = if strategy == PeStrategy::ImpossibleFileSize {
                0x80
            } else {
                0x83
            };
            let mut found = Vec::new();
            for (i, pe) in pes.iter().enumerate() {
                find(pe, &mut Vec::new(), &mut |t, path| {
                    if t.tag() == Tag::of(wanted) && path.len() >= 2 {
                        found.push((i, path.to_vec(), t.content().unwrap_or_default().to_vec()));
                    }
                });
            }
            let (i, path, _) = rng.pick(&found).cloned().ok_or("no file descriptor")?;
            let value = if strategy == PeStrategy::ImpossibleFileSize {
                if rng.below(2) == 0 {
                    vec![0x00]
                } else {
                    vec![0xFF, 0xFF, 0xFF]
                }
            } else {
                let same_pe: Vec<&Vec<u8>> = found
                    .iter()
                    .filter(|(j, p, _)| *j == i && *p != path)
                    .map(|(_, _, c)| c)
                    .collect();
                rng.pick(&same_pe)
                    .map(|c| (*c).clone())
                    .ok_or("no second file in that PE")?
            };
            let shown = hex::encode_upper(&value);
            edit(&mut pes[i], &path, |t| t.set_content(value));
            format!(
                "{} of {} set to {shown}",
                if wanted == 0x80 {
                    "efFileSize"
                } else {
                    "fileID"
                },
                label(&pes, i)
            )
        }
    };
    let mut out = Vec::with_capacity(package.len());
    for pe in &pes {
        out.extend_from_slice(&pe.encode());
    }
    Ok((out, format!("pe:{} {what}", strategy.name())))
}

/// Calls `f` on every node under `t` (pre-order) with its index path.
fn find(t: &Tlv, path: &mut Vec<usize>, f: &mut dyn FnMut(&Tlv, &[usize])) {
    f(t, path);
    for (i, c) in t.children().iter().enumerate() {
        path.push(i);
        find(c, path, f);
        path.pop();
    }
}

fn edit(t: &mut Tlv, path: &[usize], f: impl FnOnce(&mut Tlv)) {
    let mut node = t;
    for &i in path {
        match node.children_mut().get_mut(i) {
            Some(c) => node = c,
            None => return,
        }
    }
    f(node);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> Vec<u8> {
        let path = crate::engine::repo_root().join("vectors/profiles/minimal-milenage.der");
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn every_strategy_changes_the_package_deterministically() {
        let p = package();
        for s in PeStrategy::ALL {
            let a = mutate(&p, s, &mut Rng::new(5)).unwrap_or_else(|e| panic!("{}: {e}", s.name()));
            let b = mutate(&p, s, &mut Rng::new(5)).unwrap();
            assert_eq!(a, b);
            assert_ne!(a.0, p, "{}", a.1);
            assert!(
                Tlv::parse_all(&a.0).is_ok(),
                "{}: still a TLV sequence",
                a.1
            );
        }
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(mutate(&[0x30, 0x05], PeStrategy::RemovePe, &mut Rng::new(1)).is_err());
        assert!(mutate(&[], PeStrategy::SwapPes, &mut Rng::new(1)).is_err());
    }
}
