//! The HTML report: askama templates in `reports/templates/` (see the runner's `askama.toml`),
//! fed with plain view structs of strings. Every `{{ }}` is HTML-escaped by askama; no
//! template uses `|safe`. Links from records (an expectation's tracker link) become `href`s
//! only when they are http(s) URLs, so a `javascript:` link in a journal stays text.

use std::collections::BTreeMap;

use askama::Template;

use super::compare::{case_href, Comparison};
use super::summary::{key, secrets_revealed, Totals};
use super::{expectation_class, human_duration, utc_date, ReportError};
use super::{ReportOptions, MAX_NAME_STEM};
use crate::journal::{CaseRecord, ExpectationMark, JournalContents, MessageRecord, StepRecord};

fn render(t: &impl Template, what: impl Into<String>) -> Result<String, ReportError> {
    t.render().map_err(|source| ReportError::Render {
        what: what.into(),
        source,
    })
}

/// A count with its label and the CSS class of its colour.
pub(crate) struct Count {
    label: &'static str,
    class: &'static str,
    count: usize,
}

struct KeyValue {
    key: String,
    value: String,
}

struct Dut {
    role: String,
    adapter: String,
    identity: Vec<KeyValue>,
}

/// A row of totals (by role or by interface): counts in `OutcomeCounts::named` order.
struct TotalsRow {
    name: String,
    counts: Vec<usize>,
    total: usize,
}

/// One case in the grid and the table.
#[derive(Clone)]
struct CaseRow {
    id: String,
    href: String,
    title: String,
    role: String,
    interface: String,
    group: String,
    outcome: &'static str,
    mark: &'static str,
    reason: String,
    duration: String,
    duration_us: u64,
    tooltip: String,
}

struct GridGroup {
    name: String,
    cells: Vec<CaseRow>,
}

struct GridInterface {
    name: String,
    groups: Vec<GridGroup>,
}

struct GridRole {
    name: String,
    interfaces: Vec<GridInterface>,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    root: &'a str,
    secrets_revealed: bool,
    torn_bytes: usize,
    comparison: Option<&'a str>,
    compat: Option<&'a str>,
    seed: u64,
    started: String,
    dut: &'a str,
    command: &'a str,
    selection: String,
    schema: u32,
    duts: Vec<Dut>,
    totals: Vec<Count>,
    expectations: Vec<Count>,
    outcome_names: Vec<&'static str>,
    by_role: Vec<TotalsRow>,
    by_interface: Vec<TotalsRow>,
    grid: Vec<GridRole>,
    rows: Vec<CaseRow>,
    roles: Vec<String>,
    fuzz: Vec<FuzzLink>,
}

/// A live-fuzz campaign of the run, as the index lists it.
pub(crate) struct FuzzLink {
    pub role: String,
    pub iterations: u64,
    pub rate: String,
    pub findings: usize,
    pub stopped: String,
    pub href: String,
}

/// Renders `index.html`. `names` are the case page names, parallel to `contents.cases`.
pub(crate) fn index_page(
    contents: &JournalContents,
    names: &[String],
    totals: &Totals,
    comparison: Option<&str>,
    compat: Option<&str>,
    fuzz: Vec<FuzzLink>,
    opts: &ReportOptions,
) -> Result<String, ReportError> {
    let h = &contents.header;
    let outcome_counts = totals.totals.named();
    let rows: Vec<CaseRow> = contents
        .cases
        .iter()
        .zip(names)
        .map(|(c, name)| case_row(c, name))
        .collect();

    // Grid: role, then interface, then group; journal order within a group.
    let mut tree: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, Vec<usize>>>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        tree.entry(&r.role)
            .or_default()
            .entry(&r.interface)
            .or_default()
            .entry(&r.group)
            .or_default()
            .push(i);
    }
    let grid = tree
        .into_iter()
        .map(|(role, ifs)| GridRole {
            name: role.to_owned(),
            interfaces: ifs
                .into_iter()
                .map(|(interface, groups)| GridInterface {
                    name: interface.to_owned(),
                    groups: groups
                        .into_iter()
                        .map(|(name, cells)| GridGroup {
                            name: name.to_owned(),
                            cells: cells.into_iter().map(|i| rows[i].clone()).collect(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();

    let totals_rows = |m: &BTreeMap<String, super::OutcomeCounts>| {
        m.iter()
            .map(|(name, c)| TotalsRow {
                name: name.clone(),
                counts: c.named().iter().map(|&(_, n)| n).collect(),
                total: c.total,
            })
            .collect()
    };

    let page = IndexPage {
        root: "",
        secrets_revealed: secrets_revealed(h, opts),
        torn_bytes: contents.torn_bytes,
        comparison,
        compat,
        fuzz,
        seed: h.seed,
        started: utc_date(h.started_at),
        dut: &h.dut,
        command: &h.command,
        selection: h.selection.join(" "),
        schema: h.schema,
        duts: h
            .duts
            .iter()
            .map(|d| Dut {
                role: d.role.clone(),
                adapter: d.adapter.clone(),
                identity: d
                    .identity
                    .iter()
                    .map(|(k, v)| KeyValue {
                        key: k.clone(),
                        value: v.clone(),
                    })
                    .collect(),
            })
            .collect(),
        totals: outcome_counts
            .iter()
            .map(|&(label, count)| Count {
                label,
                class: label,
                count,
            })
            .chain([Count {
                label: "total",
                class: "total",
                count: totals.totals.total,
            }])
            .collect(),
        expectations: vec![
            Count {
                label: "expected-fail",
                class: "expected-fail",
                count: totals.expectations.expected_fail,
            },
            Count {
                label: "expected-fail-passed",
                class: "expected-fail-passed",
                count: totals.expectations.expected_fail_passed,
            },
            Count {
                label: "unexpected",
                class: "unexpected",
                count: totals.expectations.unexpected,
            },
        ],
        outcome_names: outcome_counts.iter().map(|&(n, _)| n).collect(),
        by_role: totals_rows(&totals.by_role),
        by_interface: totals_rows(&totals.by_interface),
        grid,
        roles: totals.by_role.keys().cloned().collect(),
        rows,
    };
    render(&page, "index.html")
}

fn case_row(c: &CaseRecord, name: &str) -> CaseRow {
    let reason = c.outcome.reason().unwrap_or("").to_owned();
    let mark = expectation_class(c).unwrap_or("");
    let mut tooltip = format!("{} — {}: {}", c.id, c.meta.title, c.outcome.name());
    if !mark.is_empty() {
        tooltip.push_str(&format!(" [{mark}]"));
    }
    if !reason.is_empty() {
        tooltip.push_str(&format!(" ({reason})"));
    }
    CaseRow {
        id: c.id.clone(),
        href: format!("cases/{name}"),
        title: c.meta.title.clone(),
        role: key(&c.meta.dut),
        interface: key(&c.meta.interface),
        group: c.meta.group.clone(),
        outcome: c.outcome.name(),
        mark,
        reason,
        duration: human_duration(c.duration_us),
        duration_us: c.duration_us,
        tooltip,
    }
}

struct Mark {
    label: &'static str,
    reason: String,
    /// Only http(s) links become hrefs.
    href: Option<String>,
    link_text: Option<String>,
}

struct Message {
    direction: String,
    interface: String,
    function: String,
    tree: Option<String>,
    hex: Option<String>,
    hex_bytes: usize,
    json: Option<String>,
}

struct Step {
    number: usize,
    name: String,
    verdict: &'static str,
    expected: String,
    observed: String,
    duration: String,
    notes: Vec<String>,
    messages: Vec<Message>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage<'a> {
    root: &'a str,
    secrets_revealed: bool,
    id: &'a str,
    title: &'a str,
    role: String,
    interface: &'a str,
    group: &'a str,
    sgp23: Option<&'a str>,
    risk: Option<&'a str>,
    refs: &'a [String],
    tags: &'a [String],
    applies_if: Option<&'a str>,
    na_reason: Option<&'a str>,
    outcome: &'static str,
    reason: Option<&'a str>,
    mark: Option<Mark>,
    mark_class: &'static str,
    seed: u64,
    run_seed: u64,
    duration: String,
    rerun: &'a str,
    source: &'a str,
    steps: Vec<Step>,
}

/// Renders one case's page (it lives in `cases/`, so links go up one level).
pub(crate) fn case_page(
    contents: &JournalContents,
    c: &CaseRecord,
    opts: &ReportOptions,
) -> Result<String, ReportError> {
    let mark = c.expectation.as_ref().map(|m| match m {
        ExpectationMark::ExpectedFail { reason, link } => mark("expected-fail", reason, link),
        ExpectationMark::ExpectedFailPassed { reason, link } => {
            mark("expected-fail-passed", reason, link)
        }
        ExpectationMark::Unexpected => Mark {
            label: "unexpected",
            reason: "not listed in the expectations file".into(),
            href: None,
            link_text: None,
        },
    });
    let page = CasePage {
        root: "../",
        secrets_revealed: secrets_revealed(&contents.header, opts),
        id: &c.id,
        title: &c.meta.title,
        role: key(&c.meta.dut),
        interface: &c.meta.interface,
        group: &c.meta.group,
        sgp23: c.meta.sgp23.as_deref(),
        risk: c.meta.risk.as_deref(),
        refs: &c.meta.refs,
        tags: &c.meta.tags,
        applies_if: c.meta.applies_if.as_deref(),
        na_reason: match &c.outcome {
            crate::verdict::Outcome::NotApplicable { reason } => Some(reason),
            _ => None,
        },
        outcome: c.outcome.name(),
        reason: c.outcome.reason(),
        mark,
        mark_class: expectation_class(c).unwrap_or(""),
        seed: c.seed,
        run_seed: contents.header.seed,
        duration: human_duration(c.duration_us),
        rerun: &c.rerun,
        source: &c.meta.source,
        steps: c.steps.iter().enumerate().map(step).collect(),
    };
    // The id can be anything: keep the error message short.
    let what: String = c.id.chars().take(MAX_NAME_STEM).collect();
    render(&page, format!("the page of case {what:?}"))
}

fn mark(label: &'static str, reason: &str, link: &Option<String>) -> Mark {
    let is_web = |l: &str| {
        let l = l.to_ascii_lowercase();
        l.starts_with("https://") || l.starts_with("http://")
    };
    Mark {
        label,
        reason: reason.to_owned(),
        href: link.clone().filter(|l| is_web(l)),
        link_text: link.clone(),
    }
}

fn step((i, s): (usize, &StepRecord)) -> Step {
    Step {
        number: i + 1,
        name: s.name.clone(),
        verdict: s.verdict.name(),
        expected: s.expected.clone().unwrap_or_default(),
        observed: s.observed.clone().unwrap_or_default(),
        duration: human_duration(s.duration_us),
        notes: s.notes.clone(),
        messages: s.messages.iter().map(message).collect(),
    }
}

fn message(m: &MessageRecord) -> Message {
    let (hex, hex_bytes) = match &m.hex {
        Some(h) => (
            Some(wrap_hex(h)),
            h.chars().filter(|c| !c.is_whitespace()).count() / 2,
        ),
        None => (None, 0),
    };
    Message {
        direction: m.direction.clone(),
        interface: m.interface.clone(),
        function: m.function.clone(),
        tree: m.tree.clone(),
        hex,
        hex_bytes,
        json: m
            .json
            .as_ref()
            .map(|j| serde_json::to_string_pretty(j).unwrap_or_else(|_| j.to_string())),
    }
}

/// Hex as lines of 32 bytes, bytes separated by spaces.
pub(crate) fn wrap_hex(hex: &str) -> String {
    let digits: Vec<char> = hex.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::with_capacity(digits.len() * 3 / 2 + 1);
    for (i, pair) in digits.chunks(2).enumerate() {
        if i > 0 {
            out.push(if i % 32 == 0 { '\n' } else { ' ' });
        }
        out.extend(pair);
    }
    out
}

struct ChangeRow {
    id: String,
    href: Option<String>,
    title: String,
    before: String,
    after: String,
    reason: String,
}

struct Section {
    name: &'static str,
    anchor: String,
    rows: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "comparison.html")]
struct ComparisonPage<'a> {
    root: &'a str,
    secrets_revealed: bool,
    base: String,
    other: String,
    sections: Vec<Section>,
}

pub(crate) fn comparison_page(cmp: &Comparison) -> Result<String, ReportError> {
    let describe = |r: &super::compare::RunRef| {
        format!(
            "{} (seed {}, {} cases): {}",
            r.started_at_utc, r.seed, r.cases, r.command
        )
    };
    let page = ComparisonPage {
        root: "",
        secrets_revealed: false,
        base: describe(&cmp.base),
        other: describe(&cmp.other),
        sections: cmp
            .sections()
            .into_iter()
            .map(|(name, list)| Section {
                name,
                anchor: name.replace(' ', "-"),
                rows: list
                    .iter()
                    .map(|c| ChangeRow {
                        id: c.id.clone(),
                        href: case_href(c),
                        title: c.title.clone(),
                        before: c.before.clone().unwrap_or_else(|| "absent".into()),
                        after: c.after.clone().unwrap_or_else(|| "absent".into()),
                        reason: c.reason.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
    };
    render(&page, "comparison.html")
}
