//! The results journal (DESIGN §6): one JSON line per finished case, flushed and synced before
//! the next case starts, so a run killed halfway loses nothing it finished and can resume.
//!
//! The first line is the run header. A last line without its newline is what a kill leaves
//! behind mid-write: reading ignores it and resuming cuts it off. Any other bad line is an error
//! naming its line number: a journal is evidence, and silently dropping a case is not allowed.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::verdict::{Outcome, Verdict};

/// Version of the journal's line format (and of `results.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// The journal's file name in a run directory.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// What a run is: enough to refuse resuming a different run into the same directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunHeader {
    pub schema: u32,
    pub seed: u64,
    /// The DUT as configured (role and adapter), for the report.
    pub dut: String,
    /// The selection (ids, tags, excludes) as given, for the re-run command.
    pub selection: Vec<String>,
    /// When the run started, from the injected clock (Unix seconds).
    pub started_at: i64,
    /// The command line that started the run (secrets redacted), for the report.
    #[serde(default)]
    pub command: String,
    /// Each device under test of the run (a self-test has one per role), with its identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duts: Vec<DutIdentity>,
}

/// A device under test as the report's index shows it: its role, how it was reached, and
/// what identifies it (EUICCInfo2 fields, server headers, ICS name), in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutIdentity {
    /// `euicc`, `smdp`, `smds` or `lpa`.
    pub role: String,
    /// `reference (in process)`, `https://…`, `pcsc:READER`, `command: …`.
    pub adapter: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity: Vec<(String, String)>,
}

/// What a case is, copied from its scenario file so the report needs nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseMeta {
    pub title: String,
    /// DUT role: `euicc`, `smdp`, `smds`, `lpa`.
    pub dut: String,
    /// Interface and function group, e.g. `ES9+` / `InitiateAuthentication`.
    pub interface: String,
    pub group: String,
    /// The SGP.23 test sequence the case mirrors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sgp23: Option<String>,
    /// For a security case: the risk it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    /// SGP.22 requirement references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_if: Option<String>,
    /// The scenario file and line, e.g. `suites/smdp/es9-initiate-authentication.toml:12`.
    pub source: String,
}

/// How an outcome stands against the DUT's expectations file (absent: as required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "judgement", rename_all = "kebab-case")]
pub enum ExpectationMark {
    /// Failed, and listed as a known failure.
    ExpectedFail {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<String>,
    },
    /// Listed as a known failure, but passed.
    ExpectedFailPassed {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<String>,
    },
    /// Failed (or error / inconclusive) and not listed.
    Unexpected,
}

/// One message a step sent or received, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// `sent` or `received`.
    pub direction: String,
    /// `ES9+`, `ES10b`, `APDU`, …
    pub interface: String,
    pub function: String,
    /// The message as a named tree (codec pretty printer), secrets already redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
}

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub name: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    pub duration_us: u64,
    /// Free-form lines the action logged (state read back, decisions), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageRecord>,
}

/// One finished case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub id: String,
    #[serde(default)]
    pub meta: CaseMeta,
    #[serde(flatten)]
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectation: Option<ExpectationMark>,
    /// The exact command that re-runs this case alone (same seed).
    #[serde(default)]
    pub rerun: String,
    /// The case's own seed (derived from the run seed and the id), to re-run it alone.
    pub seed: u64,
    pub duration_us: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRecord>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Line {
    Run(RunHeader),
    Case(Box<CaseRecord>),
}

/// Why a journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}:{line}: {detail}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error("{path}: empty journal (no run header)")]
    NoHeader { path: PathBuf },
    #[error("{path}: a different run (seed {found}, selection {found_selection:?}) is journaled there; refusing to resume into it")]
    DifferentRun {
        path: PathBuf,
        found: u64,
        found_selection: Vec<String>,
    },
}

/// What a journal holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalContents {
    pub header: RunHeader,
    pub cases: Vec<CaseRecord>,
    /// Bytes of a last line cut off mid-write (0 when the journal ended cleanly).
    pub torn_bytes: usize,
    /// Length of the journal up to the last complete line.
    pub complete_len: u64,
}

/// Reads a journal.
pub fn read(path: &Path) -> Result<JournalContents, JournalError> {
    let file = File::open(path).map_err(|source| JournalError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_from(BufReader::new(file), path)
}

/// Reads a journal from any reader; `path` names it in errors.
pub fn read_from(mut reader: impl BufRead, path: &Path) -> Result<JournalContents, JournalError> {
    let io_err = |source| JournalError::Io {
        path: path.to_owned(),
        source,
    };
    let mut header = None;
    let mut cases = Vec::new();
    let mut complete_len = 0u64;
    let mut torn_bytes = 0;
    let mut buf = Vec::new();
    let mut number = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        number += 1;
        if buf.last() != Some(&b'\n') {
            torn_bytes = n;
            break;
        }
        complete_len += n as u64;
        let corrupt = |detail: String| JournalError::Corrupt {
            path: path.to_owned(),
            line: number,
            detail,
        };
        let line: Line = serde_json::from_slice(&buf).map_err(|e| corrupt(e.to_string()))?;
        match (line, &header) {
            (Line::Run(h), None) => header = Some(h),
            (Line::Run(_), Some(_)) => return Err(corrupt("a second run header".into())),
            (Line::Case(_), None) => return Err(corrupt("a case before the run header".into())),
            (Line::Case(c), Some(_)) => cases.push(*c),
        }
    }
    Ok(JournalContents {
        header: header.ok_or_else(|| JournalError::NoHeader {
            path: path.to_owned(),
        })?,
        cases,
        torn_bytes,
        complete_len,
    })
}

/// An open journal, appending.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Starts a new journal in `run_dir` (created if needed); an existing one is an error.
    pub fn create(run_dir: &Path, header: &RunHeader) -> Result<Journal, JournalError> {
        let path = run_dir.join(JOURNAL_FILE);
        let io_err = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(run_dir).map_err(io_err)?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_err)?;
        let mut j = Journal { path, file };
        j.write_line(&Line::Run(header.clone()))?;
        Ok(j)
    }

    /// Continues the journal in `run_dir`: its finished cases are returned; a line torn by a
    /// kill is cut off. `header` must describe the same run (seed and selection).
    pub fn resume(
        run_dir: &Path,
        header: &RunHeader,
    ) -> Result<(Journal, Vec<CaseRecord>), JournalError> {
        let path = run_dir.join(JOURNAL_FILE);
        let contents = read(&path)?;
        if contents.header.seed != header.seed || contents.header.selection != header.selection {
            return Err(JournalError::DifferentRun {
                path,
                found: contents.header.seed,
                found_selection: contents.header.selection,
            });
        }
        let io_err = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new().write(true).open(&path).map_err(io_err)?;
        file.set_len(contents.complete_len).map_err(io_err)?;
        file.seek(SeekFrom::End(0)).map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        Ok((Journal { path, file }, contents.cases))
    }

    /// Appends a finished case: written, flushed and synced before this returns.
    pub fn append(&mut self, case: &CaseRecord) -> Result<(), JournalError> {
        self.write_line(&Line::Case(Box::new(case.clone())))
    }

    fn write_line(&mut self, line: &Line) -> Result<(), JournalError> {
        let mut bytes = serde_json::to_vec(line).expect("journal lines serialise");
        bytes.push(b'\n');
        let io_err = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        // One write of the whole line, then fsync: a kill leaves either the line or a torn tail.
        self.file.write_all(&bytes).map_err(io_err)?;
        self.file.flush().map_err(io_err)?;
        self.file.sync_data().map_err(io_err)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(seed: u64) -> RunHeader {
        RunHeader {
            schema: SCHEMA_VERSION,
            seed,
            dut: "reference smdp".into(),
            selection: vec!["SMDP.*".into()],
            started_at: 1_767_225_600,
            command: "rspcheck run --dut smdp".into(),
            duts: vec![],
        }
    }

    fn case(id: &str, verdict: Verdict) -> CaseRecord {
        CaseRecord {
            id: id.into(),
            meta: CaseMeta::default(),
            outcome: Outcome::Verdict {
                verdict,
                reason: None,
            },
            expectation: None,
            rerun: String::new(),
            seed: 9,
            duration_us: 1200,
            steps: vec![StepRecord {
                name: "es9.initiate_authentication".into(),
                verdict,
                expected: Some("Executed-Success".into()),
                observed: Some("Executed-Success".into()),
                duration_us: 800,
                notes: vec![],
                messages: vec![],
            }],
        }
    }

    #[test]
    fn cases_survive_a_torn_last_line_and_resume_appends_after_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::create(dir.path(), &header(1)).unwrap();
        j.append(&case("A", Verdict::Pass)).unwrap();
        j.append(&case("B", Verdict::Fail)).unwrap();
        drop(j);
        // A kill mid-write of the third case.
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"kind":"case","id":"C","outc"#).unwrap();
        drop(f);

        let read_back = read(&path).unwrap();
        assert_eq!(read_back.cases.len(), 2);
        assert!(read_back.torn_bytes > 0);

        let (mut j, done) = Journal::resume(dir.path(), &header(1)).unwrap();
        assert_eq!(
            done,
            vec![case("A", Verdict::Pass), case("B", Verdict::Fail)]
        );
        j.append(&case("C", Verdict::Pass)).unwrap();
        let after = read(&path).unwrap();
        assert_eq!(after.cases.len(), 3);
        assert_eq!(after.torn_bytes, 0);
    }

    #[test]
    fn a_different_run_or_a_corrupt_line_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Journal::create(dir.path(), &header(1)).unwrap();
        assert!(matches!(
            Journal::resume(dir.path(), &header(2)),
            Err(JournalError::DifferentRun { found: 1, .. })
        ));
        assert!(matches!(
            Journal::create(dir.path(), &header(1)),
            Err(JournalError::Io { .. })
        ));
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"kind\":\"case\"}\n").unwrap();
        let e = read(&path).unwrap_err();
        assert!(e.to_string().contains(":2: "), "{e}");
    }
}
