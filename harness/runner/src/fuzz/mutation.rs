//! The `fuzz` mutation of a step: how a strategy and a seed (or a minimized patch) change the
//! message a download sends, and what is remembered of it for the oracle and the finding.
//!
//! Strategies: `der:<name>` ([`DerStrategy`], an ES10 request), `json:<name>`
//! ([`JsonStrategy`], an ES9+/ES11 request body), `piece:<name>` ([`PieceStrategy`], the
//! LoadBoundProfilePackage pieces), `patch` (bytes `START:DELETE:HEX` spliced into the message,
//! or into the DER of the base64 `field`, or into piece `key`).

use base64::Engine as _;
use rsp_codec::mutate::{self, DerStrategy, JsonStrategy, Rng};
use rsp_codec::schema::{self, TypeDef};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scenario::Mutation;

/// How the DUT answered the mutated message itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// A success answer (ES10 ok alternative, Executed-Success, a successful PIR).
    Accepted,
    /// A defined error, with what it was.
    Refused(String),
}

impl Answer {
    /// An ES9+/ES11 answer: accepted when HTTP 200 with status Executed-Success (or 204).
    pub fn of_remote(status: u16, body: Option<&Value>) -> Answer {
        if status == 204 {
            return Answer::Accepted;
        }
        let execution = body
            .and_then(|b| b.pointer("/header/functionExecutionStatus"))
            .cloned()
            .unwrap_or(Value::Null);
        match (status, execution["status"].as_str()) {
            (200, Some(s)) if s.starts_with("Executed-Success") => Answer::Accepted,
            (200, Some(s)) => {
                let code = &execution["statusCodeData"];
                Answer::Refused(format!(
                    "{s} {}/{}",
                    code["subjectCode"].as_str().unwrap_or("?"),
                    code["reasonCode"].as_str().unwrap_or("?")
                ))
            }
            (status, _) => Answer::Refused(format!("HTTP {status}")),
        }
    }
}

/// What a fuzz mutation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuzzApplied {
    /// The function whose message changed (`AuthenticateServer`, `authenticateClient`,
    /// `LoadBoundProfilePackage`).
    pub function: String,
    pub description: String,
    /// Schema path, JSON key or piece where it struck.
    pub path: String,
    /// The message can no longer be read as what it was.
    pub breaks_message: bool,
    /// A mandatory component is gone.
    pub drops_mandatory: bool,
    /// The JSON key it struck (JSON strategies), for the oracle's list of mandatory keys.
    pub json_key: Option<String>,
    /// The message before and after, as sent: hex for DER and pieces (each piece on its own,
    /// `|`-joined), JSON text for bodies.
    pub original: String,
    pub mutated: String,
    /// For a patch: the bytes the patch applies to, before and after (hex), so a finding can be
    /// minimized; for DER strategies inside JSON: the base64 field's DER.
    pub patch_base: Option<(String, String)>,
    pub answer: Option<Answer>,
}

impl FuzzApplied {
    /// Whether an answer of `function` is the answer to this mutated message.
    pub fn awaits(&self, function: &str) -> bool {
        self.answer.is_none() && self.function.eq_ignore_ascii_case(function)
    }
}

/// Mutations of the LoadBoundProfilePackage pieces (each a STORE DATA sequence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PieceStrategy {
    /// Flip a bit of the C-MAC: the last byte of a piece that ends with a segment.
    Mac,
    /// Flip a bit in the middle of a piece (ciphertext or plain structure).
    Ciphertext,
    Drop,
    Duplicate,
    Swap,
    Truncate,
    /// The piece's first length byte plus one.
    Length,
}

impl PieceStrategy {
    pub const ALL: [PieceStrategy; 7] = [
        PieceStrategy::Mac,
        PieceStrategy::Ciphertext,
        PieceStrategy::Drop,
        PieceStrategy::Duplicate,
        PieceStrategy::Swap,
        PieceStrategy::Truncate,
        PieceStrategy::Length,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PieceStrategy::Mac => "mac",
            PieceStrategy::Ciphertext => "ciphertext",
            PieceStrategy::Drop => "drop",
            PieceStrategy::Duplicate => "duplicate",
            PieceStrategy::Swap => "swap",
            PieceStrategy::Truncate => "truncate",
            PieceStrategy::Length => "length",
        }
    }

    pub fn from_name(name: &str) -> Option<PieceStrategy> {
        PieceStrategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A patch: `START:DELETE:HEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub start: usize,
    pub delete: usize,
    pub insert: Vec<u8>,
}

impl Patch {
    pub fn parse(text: &str) -> Result<Patch, String> {
        let mut it = text.splitn(3, ':');
        let num = |s: Option<&str>, what: &str| -> Result<usize, String> {
            s.ok_or_else(|| format!("patch {text:?}: no {what}"))?
                .parse()
                .map_err(|e| format!("patch {text:?}: {what}: {e}"))
        };
        let start = num(it.next(), "start")?;
        let delete = num(it.next(), "delete count")?;
        let insert = hex::decode(it.next().unwrap_or_default())
            .map_err(|e| format!("patch {text:?}: hex: {e}"))?;
        Ok(Patch {
            start,
            delete,
            insert,
        })
    }

    pub fn render(&self) -> String {
        format!(
            "{}:{}:{}",
            self.start,
            self.delete,
            hex::encode_upper(&self.insert)
        )
    }

    /// The patch that turns `from` into `to`: their common prefix and suffix kept.
    pub fn between(from: &[u8], to: &[u8]) -> Patch {
        let prefix = from.iter().zip(to).take_while(|(a, b)| a == b).count();
        let max_suffix = from.len().min(to.len()) - prefix;
        let suffix = from
            .iter()
            .rev()
            .zip(to.iter().rev())
            .take(max_suffix)
            .take_while(|(a, b)| a == b)
            .count();
        Patch {
            start: prefix,
            delete: from.len() - prefix - suffix,
            insert: to[prefix..to.len() - suffix].to_vec(),
        }
    }

    pub fn apply(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let end = self
            .start
            .checked_add(self.delete)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| {
                format!(
                    "patch {}: beyond the message's {} bytes",
                    self.render(),
                    bytes.len()
                )
            })?;
        let mut out = bytes[..self.start].to_vec();
        out.extend_from_slice(&self.insert);
        out.extend_from_slice(&bytes[end..]);
        Ok(out)
    }
}

fn strategy(m: &Mutation) -> Result<(&str, &str), String> {
    let s = m
        .strategy
        .as_deref()
        .ok_or("a fuzz mutation needs a strategy")?;
    Ok(s.split_once(':').unwrap_or((s, "")))
}

fn rng(m: &Mutation) -> Rng {
    Rng::new(m.seed.unwrap_or(0))
}

/// The schema type of an ES10 request.
fn es10_type(function: &str) -> Option<&'static TypeDef> {
    schema::lookup(&format!("{function}Request"))
}

/// The ASN.1 type of a base64 JSON key (request or answer).
pub fn key_type(key: &str) -> Option<&'static TypeDef> {
    let name = match key {
        "euiccInfo1" => "EUICCInfo1",
        "serverCertificate" | "smdpCertificate" => "Certificate",
        other => {
            let mut c = other.chars();
            let first = c.next()?;
            return schema::lookup(&format!("{}{}", first.to_ascii_uppercase(), c.as_str()));
        }
    };
    schema::lookup(name)
}

/// Applies a fuzz mutation to an ES10 request.
pub fn es10(m: &Mutation, function: &str, request: &mut Vec<u8>) -> Result<FuzzApplied, String> {
    let (kind, name) = strategy(m)?;
    let original = request.clone();
    let (bytes, description, path, breaks, drops) = match kind {
        "der" => {
            let s = DerStrategy::from_name(name).ok_or_else(|| format!("der:{name}: unknown"))?;
            let r = mutate::mutate_der(request, es10_type(function), s, &mut rng(m))
                .map_err(|e| e.to_string())?;
            (
                r.bytes,
                r.description,
                r.path,
                r.breaks_message,
                r.drops_mandatory,
            )
        }
        "patch" => {
            let p = Patch::parse(m.patch.as_deref().unwrap_or_default())?;
            let bytes = p.apply(request)?;
            (
                bytes,
                format!("patch {}", p.render()),
                function.to_owned(),
                false,
                false,
            )
        }
        other => return Err(format!("{other}: not a strategy for an ES10 request")),
    };
    *request = bytes;
    Ok(FuzzApplied {
        function: function.to_owned(),
        description,
        path,
        breaks_message: breaks,
        drops_mandatory: drops,
        json_key: None,
        original: hex::encode_upper(&original),
        mutated: hex::encode_upper(&*request),
        patch_base: Some((hex::encode_upper(&original), hex::encode_upper(&*request))),
        answer: None,
    })
}

/// Applies a fuzz mutation to an ES9+/ES11 request body.
pub fn json(m: &Mutation, function: &str, body: &mut Value) -> Result<FuzzApplied, String> {
    let (kind, name) = strategy(m)?;
    let original = body.to_string();
    let applied = |description: String, path: String, json_key: Option<String>| FuzzApplied {
        function: function.to_owned(),
        description,
        path,
        breaks_message: false,
        drops_mandatory: false,
        json_key,
        original: original.clone(),
        mutated: String::new(),
        patch_base: None,
        answer: None,
    };
    let mut out = match kind {
        "json" => {
            let s = JsonStrategy::from_name(name).ok_or_else(|| format!("json:{name}: unknown"))?;
            let r =
                mutate::mutate_json(body, s, &key_type, &mut rng(m)).map_err(|e| e.to_string())?;
            *body = r.body;
            let mut a = applied(r.description, r.key.clone(), Some(r.key.clone()));
            if let Some(d) = r.der {
                a.path = format!("{}: {}", r.key, d.path);
                a.breaks_message = d.breaks_message;
                a.drops_mandatory = d.drops_mandatory;
                let before = body_field_original(&original, &r.key);
                a.patch_base = before.map(|b| (b, hex::encode_upper(&d.bytes)));
            }
            a
        }
        "patch" => {
            let field = m
                .field
                .as_deref()
                .ok_or("a patch of a JSON body needs the base64 field")?;
            let p = Patch::parse(m.patch.as_deref().unwrap_or_default())?;
            let b64 = body[field]
                .as_str()
                .ok_or_else(|| format!("no base64 field {field:?}"))?;
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("{field}: {e}"))?;
            let patched = p.apply(&der)?;
            body[field] = Value::from(base64::engine::general_purpose::STANDARD.encode(&patched));
            let mut a = applied(
                format!("patch {} of {field}", p.render()),
                field.to_owned(),
                Some(field.to_owned()),
            );
            a.patch_base = Some((hex::encode_upper(&der), hex::encode_upper(&patched)));
            a
        }
        other => return Err(format!("{other}: not a strategy for a JSON body")),
    };
    out.mutated = body.to_string();
    Ok(out)
}

fn body_field_original(original: &str, key: &str) -> Option<String> {
    let v: Value = serde_json::from_str(original).ok()?;
    let b64 = v.get(key)?.as_str()?;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .map(hex::encode_upper)
}

/// Applies a fuzz mutation to the LoadBoundProfilePackage pieces.
pub fn pieces(m: &Mutation, pieces: &mut Vec<Vec<u8>>) -> Result<FuzzApplied, String> {
    let (kind, name) = strategy(m)?;
    let original = join(pieces);
    // Named before the mutation changes (or removes) them.
    let kinds: Vec<&'static str> = pieces.iter().map(|p| piece_kind(p)).collect();
    let mut rng = rng(m);
    let n = pieces.len();
    if n == 0 {
        return Err("the BPP has no pieces".into());
    }
    let (description, path) = match kind {
        "piece" => {
            let s =
                PieceStrategy::from_name(name).ok_or_else(|| format!("piece:{name}: unknown"))?;
            // A MAC closes every piece that ends with a whole segment (86, 88, or A0 with its 87).
            let ends_with_segment = |p: &Vec<u8>| matches!(p.first(), Some(0x86 | 0x88 | 0xA0));
            let eligible: Vec<usize> = match s {
                PieceStrategy::Mac => (0..n).filter(|&i| ends_with_segment(&pieces[i])).collect(),
                // The card answers the last piece with the PIR and the LPA stops there, so a
                // copy of the last piece would never be sent.
                PieceStrategy::Swap | PieceStrategy::Duplicate => {
                    (0..n.saturating_sub(1)).collect()
                }
                _ => (0..n).collect(),
            };
            let i = *rng
                .pick(&eligible)
                .ok_or_else(|| format!("piece:{name}: no piece fits"))?;
            let what = match s {
                PieceStrategy::Mac => {
                    let bit = rng.below(8);
                    if let Some(b) = pieces[i].last_mut() {
                        *b ^= 1 << bit;
                    }
                    format!("bit {bit} of the last MAC byte flipped")
                }
                PieceStrategy::Ciphertext => {
                    let len = pieces[i].len();
                    let at = len / 2;
                    let bit = rng.below(8);
                    if let Some(b) = pieces[i].get_mut(at) {
                        *b ^= 1 << bit;
                    }
                    format!("bit {bit} of byte {at} of {len} flipped")
                }
                PieceStrategy::Drop => {
                    pieces.remove(i);
                    "dropped".into()
                }
                PieceStrategy::Duplicate => {
                    let copy = pieces[i].clone();
                    pieces.insert(i + 1, copy);
                    "sent twice".into()
                }
                PieceStrategy::Swap => {
                    pieces.swap(i, i + 1);
                    format!("swapped with piece {}", i + 1)
                }
                PieceStrategy::Truncate => {
                    let keep = rng.below(pieces[i].len());
                    pieces[i].truncate(keep);
                    format!("cut to {keep} bytes")
                }
                PieceStrategy::Length => {
                    // The byte after a one- or two-byte tag.
                    let at = if pieces[i].first().is_some_and(|b| b & 0x1F == 0x1F) {
                        2
                    } else {
                        1
                    };
                    if let Some(b) = pieces[i].get_mut(at) {
                        *b = b.wrapping_add(1);
                    }
                    format!("length byte at {at} plus one")
                }
            };
            (
                format!("piece:{} at piece {i} of {n}: {what}", s.name()),
                format!("piece {i} ({})", kinds[i]),
            )
        }
        "patch" => {
            let i: usize = m
                .key
                .as_deref()
                .and_then(|k| k.parse().ok())
                .filter(|&i| i < n)
                .ok_or("a patch of the BPP pieces needs key = a piece index")?;
            let p = Patch::parse(m.patch.as_deref().unwrap_or_default())?;
            pieces[i] = p.apply(&pieces[i])?;
            (
                format!("patch {} of piece {i}", p.render()),
                format!("piece {i}"),
            )
        }
        other => return Err(format!("{other}: not a strategy for the BPP pieces")),
    };
    Ok(FuzzApplied {
        function: "LoadBoundProfilePackage".into(),
        description,
        path,
        // Every byte of a BPP is signed or MACed: any change must be refused.
        breaks_message: true,
        drops_mandatory: false,
        json_key: None,
        mutated: join(pieces),
        original,
        patch_base: None,
        answer: None,
    })
}

fn join(pieces: &[Vec<u8>]) -> String {
    pieces
        .iter()
        .map(hex::encode_upper)
        .collect::<Vec<_>>()
        .join("|")
}

/// What a piece holds, by its first tag.
fn piece_kind(piece: &[u8]) -> &'static str {
    match piece.first() {
        Some(0xBF) => "BF36 header and BF23",
        Some(0xA0) => "A0 with 87",
        Some(0xA1) => "A1 header",
        Some(0xA2) => "A2 with 87",
        Some(0xA3) => "A3 header",
        Some(0x86) => "86 segment",
        Some(0x88) => "88 segment",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_round_trip_and_refuse_to_reach_past_the_end() {
        let a = b"0123456789".to_vec();
        let b = b"0123XY6789".to_vec();
        let p = Patch::between(&a, &b);
        assert_eq!(p.render(), "4:2:5859");
        assert_eq!(p.apply(&a).unwrap(), b);
        assert_eq!(Patch::parse(&p.render()).unwrap(), p);
        assert!(Patch::parse("9:5:00").unwrap().apply(&a).is_err());
        assert!(Patch::parse("x:1:00").is_err());
        let grown = Patch::between(&a, b"0123456789ABC");
        assert_eq!(grown.apply(&a).unwrap(), b"0123456789ABC");
        let shrunk = Patch::between(&a, b"01");
        assert_eq!(shrunk.apply(&a).unwrap(), b"01");
    }

    #[test]
    fn remote_answers_are_classified_by_their_execution_status() {
        let ok = serde_json::json!({"header": {"functionExecutionStatus": {"status": "Executed-Success"}}});
        assert_eq!(Answer::of_remote(200, Some(&ok)), Answer::Accepted);
        let failed = serde_json::json!({"header": {"functionExecutionStatus": {"status": "Failed",
            "statusCodeData": {"subjectCode": "8.1", "reasonCode": "3.8"}}}});
        assert_eq!(
            Answer::of_remote(200, Some(&failed)),
            Answer::Refused("Failed 8.1/3.8".into())
        );
        assert_eq!(
            Answer::of_remote(500, None),
            Answer::Refused("HTTP 500".into())
        );
        assert_eq!(Answer::of_remote(204, None), Answer::Accepted);
    }

    /// The LPA stops at the PIR that answers the last piece: a copy of it would never reach the
    /// card, and the fuzzer once called the untouched download "accepted-invalid".
    #[test]
    fn a_duplicated_piece_is_never_the_last() {
        for seed in 0..200u64 {
            let m: Mutation = toml::from_str(&format!(
                "op = \"fuzz\"\nstrategy = \"piece:duplicate\"\nseed = {seed}"
            ))
            .unwrap();
            let original: Vec<Vec<u8>> = (0u8..4).map(|i| vec![0x86, 1, i]).collect();
            let mut sent = original.clone();
            pieces(&m, &mut sent).unwrap();
            assert_eq!(sent.len(), 5);
            // The copy sits right after its original; the last two must differ.
            assert_ne!(sent[3], sent[4], "seed {seed}: the last piece was copied");
        }
    }

    #[test]
    fn key_types_resolve() {
        for k in [
            "euiccInfo1",
            "authenticateServerResponse",
            "prepareDownloadResponse",
            "serverSigned1",
            "smdpSigned2",
            "serverCertificate",
        ] {
            assert!(key_type(k).is_some(), "{k}");
        }
    }
}
