//! Findings on disk, stored the moment they are found: `fuzz/findings.jsonl` (every
//! occurrence, one JSON line each, flushed to disk) and `fuzz/findings/NNN-<signature hash>.json`
//! (each unique finding, the file `--replay` takes). `fuzz/campaign.json` holds the campaign's
//! counters, rewritten at checkpoints, so a campaign that dies keeps what it found.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::oracle::Reaction;
use super::targets::Target;
use super::{CampaignConfig, CampaignSummary, Iteration, Outcome};
use crate::ics::Role;

/// The smallest change found to trigger a finding: a byte patch of the message (of the DER in
/// the base64 `field` for a JSON body, of piece `key` of a BPP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minimized {
    pub patch: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub key: Option<String>,
    /// Iterations the minimization took.
    pub trials: u32,
    /// Bytes deleted + inserted by the first (unminimized) patch.
    pub original_size: usize,
}

/// One finding: what happened, the exact message, and what reproduces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Deduplication key: role, target, reaction class and a normalized detail.
    pub signature: String,
    pub reaction: Reaction,
    pub role: String,
    pub target: String,
    pub strategy: String,
    pub campaign_seed: u64,
    pub iteration: u64,
    pub mutation_seed: u64,
    pub world_seed: u64,
    /// What the mutation changed.
    pub description: String,
    pub function: String,
    /// The message before and after the mutation, exactly as sent (hex for DER, `|` between
    /// BPP pieces, text for JSON and activation codes); secrets redacted unless revealed.
    pub original: String,
    pub mutated: String,
    /// The mutated message decoded with the codec, when it is DER of a known type.
    pub decoded: Option<String>,
    /// What the step observed.
    pub observed: String,
    pub minimized: Option<Minimized>,
    /// The command that replays it.
    pub replay: String,
    /// The file under `fuzz/findings/`.
    pub file: String,
    /// Later iterations with the same signature.
    pub duplicates: u64,
}

impl Finding {
    pub fn new(
        role: Role,
        target: &Target,
        config: &CampaignConfig,
        it: &Iteration,
        outcome: &Outcome,
    ) -> Finding {
        let applied = outcome.applied.as_ref();
        let secrets = &outcome.secrets;
        let redact = |t: &str| {
            if config.reveal_secrets {
                t.to_owned()
            } else {
                crate::engine::redact_text(t, secrets)
            }
        };
        let mutated = applied.map(|a| a.mutated.clone()).unwrap_or_default();
        // The message itself when it is DER, else the DER the mutation changed inside it (a
        // base64 field of a JSON body).
        let decoded = [
            Some(mutated.as_str()),
            applied
                .and_then(|a| a.patch_base.as_ref())
                .map(|(_, after)| after.as_str()),
        ]
        .into_iter()
        .flatten()
        .find_map(|h| {
            hex::decode(h)
                .ok()
                .and_then(|der| crate::actions::tree_of(&der))
        })
        .map(|t| redact(&t));
        Finding {
            signature: Finding::signature_of(role, target, it, outcome),
            reaction: outcome.reaction.clone(),
            role: role.name().into(),
            target: target.name.into(),
            strategy: it.strategy.clone(),
            campaign_seed: config.seed,
            iteration: it.index,
            mutation_seed: it.mutation_seed,
            world_seed: it.world_seed,
            description: redact(&applied.map(|a| a.description.clone()).unwrap_or_default()),
            function: applied.map(|a| a.function.clone()).unwrap_or_default(),
            original: redact(&applied.map(|a| a.original.clone()).unwrap_or_default()),
            mutated: redact(&mutated),
            decoded,
            observed: redact(
                &outcome
                    .observation
                    .as_ref()
                    .map(|o| o.summary())
                    .unwrap_or_else(|| outcome.reaction.describe()),
            ),
            minimized: None,
            replay: config.replay_template.clone(),
            file: String::new(),
            duplicates: 0,
        }
    }

    /// A DUT that stopped working.
    pub fn unhealthy(role: Role, config: &CampaignConfig, it: &Iteration, why: &str) -> Finding {
        Finding {
            signature: format!("{}/{}/unhealthy", role.name(), it.target),
            reaction: Reaction::Unhealthy(why.into()),
            role: role.name().into(),
            target: it.target.clone(),
            strategy: it.strategy.clone(),
            campaign_seed: config.seed,
            iteration: it.index,
            mutation_seed: it.mutation_seed,
            world_seed: it.world_seed,
            description: format!(
                "the DUT failed {} nominal sessions in a row after this iteration",
                super::UNHEALTHY_AFTER
            ),
            function: String::new(),
            original: String::new(),
            mutated: String::new(),
            decoded: None,
            observed: why.into(),
            minimized: None,
            replay: String::new(),
            file: String::new(),
            duplicates: 0,
        }
    }

    /// The deduplication key of an iteration's outcome.
    pub fn signature_of(role: Role, target: &Target, it: &Iteration, outcome: &Outcome) -> String {
        let r = &outcome.reaction;
        let detail = match r {
            // The same defect under another bit or seed is the same finding: the strategy's
            // kind and the place, without indexes.
            Reaction::AcceptedInvalid(_) => {
                let place = outcome
                    .applied
                    .as_ref()
                    .map(|a| strip_indexes(&a.path))
                    .unwrap_or_default();
                format!("{} {place}", it.strategy)
            }
            other => normalize(other.detail()),
        };
        format!("{}/{}/{}/{detail}", role.name(), target.name, r.class())
    }
}

/// Digits and quoted data dropped, so `HTTP 500` and `HTTP 503`, or two panics at other byte
/// offsets of other inputs, fall together.
fn normalize(detail: &str) -> String {
    let cut = detail
        .find(['`', '"', '\''])
        .map_or(detail, |i| &detail[..i]);
    let mut out = String::new();
    for c in cut.chars() {
        let c = if c.is_ascii_digit() { '#' } else { c };
        if !(c == '#' && out.ends_with('#')) {
            out.push(c);
        }
    }
    out.chars().take(100).collect::<String>().trim().to_owned()
}

fn strip_indexes(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth > 0 => {}
            _ if c.is_ascii_digit() && path.starts_with("piece") => out.push('#'),
            _ => out.push(c),
        }
    }
    out.replace("##", "#")
}

/// Why findings could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a finding: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The findings of one campaign.
pub struct FindingStore {
    dir: PathBuf,
    journal: File,
    journal_path: PathBuf,
    by_signature: HashMap<String, usize>,
    unique: Vec<Finding>,
}

impl FindingStore {
    /// Creates `out_dir/fuzz/` (keeping findings already there from an earlier campaign in
    /// their own files).
    pub fn create(out_dir: &Path) -> Result<FindingStore, StoreError> {
        let dir = out_dir.join("fuzz");
        let findings = dir.join("findings");
        std::fs::create_dir_all(&findings).map_err(io(&findings))?;
        let journal_path = dir.join("findings.jsonl");
        let journal = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(io(&journal_path))?;
        Ok(FindingStore {
            dir,
            journal,
            journal_path,
            by_signature: HashMap::new(),
            unique: Vec::new(),
        })
    }

    pub fn is_new(&self, signature: &str) -> bool {
        !self.by_signature.contains_key(signature)
    }

    /// Stores a finding at once: a new signature gets its file, every occurrence a journal line.
    pub fn record(&mut self, mut finding: Finding) -> Result<(), StoreError> {
        let line = match self.by_signature.get(&finding.signature) {
            Some(&i) => {
                let first = &mut self.unique[i];
                first.duplicates += 1;
                let path = self.dir.join(&first.file);
                write_json(&path, &*first)?;
                serde_json::json!({
                    "duplicate_of": first.file,
                    "iteration": finding.iteration,
                    "mutation_seed": finding.mutation_seed,
                    "world_seed": finding.world_seed,
                })
            }
            None => {
                let file = format!(
                    "findings/{:03}-{:016x}.json",
                    self.unique.len() + 1,
                    crate::engine::case_seed(0, &finding.signature)
                );
                finding.file = file.clone();
                finding.replay = finding.replay.replace("{finding}", &file);
                write_json(&self.dir.join(&file), &finding)?;
                self.by_signature
                    .insert(finding.signature.clone(), self.unique.len());
                let line = serde_json::to_value(&finding).unwrap_or_default();
                self.unique.push(finding);
                line
            }
        };
        writeln!(self.journal, "{line}").map_err(io(&self.journal_path))?;
        self.journal.sync_data().map_err(io(&self.journal_path))
    }

    pub fn unique(&self) -> Vec<Finding> {
        self.unique.clone()
    }

    /// Rewrites `fuzz/campaign.json` (write then rename: a reader never sees half of it).
    pub fn checkpoint(&self, summary: &CampaignSummary) -> Result<(), StoreError> {
        let mut s = summary.clone();
        s.findings = self.unique();
        write_json(&self.dir.join("campaign.json"), &s)
    }
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), StoreError> {
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Reads a finding file (for `--replay`).
pub fn load(path: &Path) -> Result<Finding, StoreError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&text).map_err(|source| StoreError::Json {
        path: path.to_owned(),
        source,
    })
}

/// Reads a campaign's summary (`fuzz/campaign.json`).
pub fn load_summary(path: &Path) -> Result<CampaignSummary, StoreError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&text).map_err(|source| StoreError::Json {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_normalize_so_duplicates_fall_together() {
        assert_eq!(normalize("HTTP 500"), normalize("HTTP 503"));
        assert_eq!(
            normalize("panic: byte index 12 is not a char boundary; it is inside 'é' (bytes 11..13) of `LPA:1$X`"),
            normalize("panic: byte index 13 is not a char boundary; it is inside '€' (bytes 12..15)")
        );
        assert_eq!(strip_indexes("A.b[3].c"), "A.b.c");
        assert_eq!(strip_indexes("piece 5 (86 segment)"), "piece # (# segment)");
    }
}
