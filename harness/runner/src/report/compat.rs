//! The compatibility page (`compat.html`): the profile × variant × eUICC matrix of the cases of
//! suite `compat` ([`crate::compat`]), each cell linking to its case page.

use std::collections::BTreeMap;

use askama::Template;

use crate::journal::{CaseRecord, JournalContents};
use crate::verdict::Verdict;

use super::{ReportError, ReportOptions};

pub const COMPAT_HTML: &str = "compat.html";

/// Column of a case: the reference personality it ran under, or the eUICC under test.
const DUT_COLUMN: &str = "eUICC under test";

/// One cell: outcome, short text, link.
pub(crate) struct Cell {
    pub outcome: &'static str,
    /// Listed as a known failure in the expectations file.
    pub known: bool,
    pub text: String,
    pub href: String,
}

pub(crate) struct Row {
    pub variant: String,
    pub cells: Vec<Option<Cell>>,
}

pub(crate) struct Table {
    pub profile: String,
    /// The columns this profile ran under (the eUICC under test first).
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// Cells per outcome, for the table's caption.
    pub identical: usize,
    pub total: usize,
}

#[derive(Template)]
#[template(path = "compat.html")]
struct CompatPage<'a> {
    root: &'a str,
    secrets_revealed: bool,
    tables: Vec<Table>,
}

fn tag_value<'a>(c: &'a CaseRecord, prefix: &str) -> Option<&'a str> {
    c.meta.tags.iter().find_map(|t| t.strip_prefix(prefix))
}

/// What a cell says: the file-system comparison when the profile installed, else the first
/// step that went wrong and what it observed.
fn cell_text(c: &CaseRecord) -> String {
    if let crate::verdict::Outcome::NotApplicable { reason } = &c.outcome {
        return format!("n/a: {reason}");
    }
    let observed = |name: &str| {
        c.steps
            .iter()
            .find(|s| s.name.contains(name))
            .and_then(|s| s.observed.clone())
    };
    let fact = |text: &str, key: &str| {
        text.split("; ")
            .find_map(|p| p.strip_prefix(&format!("{key}=")))
            .map(str::to_owned)
    };
    match c.steps.iter().find(|s| s.verdict != Verdict::Pass) {
        None => {
            let n = observed("uicc.compare_fs")
                .and_then(|o| fact(&o, "fs.compared"))
                .unwrap_or_default();
            format!("installed, identical ({n} files)")
        }
        Some(s) if s.name.contains("uicc.compare_fs") => {
            let o = s.observed.clone().unwrap_or_default();
            let diff = fact(&o, "fs.different").unwrap_or_default();
            let missing = fact(&o, "fs.missing").unwrap_or_default();
            format!("installed, different: {diff} missing: {missing}")
        }
        Some(s) if s.name.contains("lpa.download") => {
            let o = s.observed.clone().unwrap_or_default();
            // The PIR's error and first failed PEStatus, or the server's refusal.
            let parts: Vec<&str> = o
                .split("; ")
                .filter(|p| {
                    (p.starts_with("status ") && *p != "status success")
                        || p.starts_with("PIR error")
                        || p.starts_with("pe_identification=")
                        || p.starts_with("pe_status=")
                        || p.starts_with("DUT error")
                })
                .collect();
            if parts.is_empty() {
                format!("rejected: {o}")
            } else {
                format!("rejected: {}", parts.join(", "))
            }
        }
        Some(s) => format!(
            "{}: {}",
            s.name,
            s.observed
                .clone()
                .unwrap_or_else(|| "no observation".into())
        ),
    }
}

/// The matrix of `contents`' compat cases, one table per profile (`None` when the run has
/// none).
pub(crate) fn tables(contents: &JournalContents, names: &[String]) -> Option<Vec<Table>> {
    // profile → variant → column → case index
    let mut grid: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>> = BTreeMap::new();
    for (i, c) in contents.cases.iter().enumerate() {
        if !c.meta.tags.iter().any(|t| t == "compat") {
            continue;
        }
        let Some(variant) = tag_value(c, "variant:") else {
            continue;
        };
        let profile = tag_value(c, "profile:").unwrap_or(&c.meta.group).to_owned();
        let column = tag_value(c, "personality:")
            .unwrap_or(DUT_COLUMN)
            .to_owned();
        grid.entry(profile)
            .or_default()
            .entry(variant.to_owned())
            .or_default()
            .insert(column, i);
    }
    if grid.is_empty() {
        return None;
    }
    let cell = |i: usize| {
        let c = &contents.cases[i];
        Cell {
            outcome: c.outcome.name(),
            known: matches!(
                c.expectation,
                Some(crate::journal::ExpectationMark::ExpectedFail { .. })
            ),
            text: cell_text(c),
            href: format!("cases/{}", names[i]),
        }
    };
    let tables = grid
        .into_iter()
        .map(|(profile, variants)| {
            let mut columns: Vec<String> = Vec::new();
            for by_column in variants.values() {
                for col in by_column.keys() {
                    if !columns.contains(col) {
                        columns.push(col.clone());
                    }
                }
            }
            // The eUICC under test (the conforming reference in a self-test) first.
            columns.sort_by_key(|c| (c != DUT_COLUMN, c.clone()));
            let cells: Vec<Cell> = variants
                .values()
                .flat_map(|by_column| by_column.values().map(|&i| cell(i)))
                .collect();
            let identical = cells.iter().filter(|c| c.outcome == "pass").count();
            let total = cells.len();
            let rows = variants
                .into_iter()
                .map(|(variant, by_column)| Row {
                    cells: columns
                        .iter()
                        .map(|col| by_column.get(col).map(|&i| cell(i)))
                        .collect(),
                    variant,
                })
                .collect();
            Table {
                profile,
                columns,
                rows,
                identical,
                total,
            }
        })
        .collect();
    Some(tables)
}

/// Renders `compat.html`, if the run has compat cases.
pub(crate) fn page(
    contents: &JournalContents,
    names: &[String],
    opts: &ReportOptions,
) -> Result<Option<String>, ReportError> {
    let Some(tables) = tables(contents, names) else {
        return Ok(None);
    };
    let page = CompatPage {
        root: "",
        secrets_revealed: super::summary::secrets_revealed(&contents.header, opts),
        tables,
    };
    page.render()
        .map(Some)
        .map_err(|source| ReportError::Render {
            what: COMPAT_HTML.into(),
            source,
        })
}
