//! A campaign's reports: `index.html` (the fuzz page: message kinds covered, iterations and
//! rate, each finding with its decoded message and replay command), `results.json`
//! (`{"fuzz": summary}`) and `junit.xml` (a testcase per target and per finding).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use askama::Template;

use super::CampaignSummary;
use crate::report::junit::{xml_escape, xml_escape_text};
use crate::report::{human_duration, utc_date, ReportError, REPORT_CSS, REPORT_JS};

/// Longest message shown on the page (a finding file keeps all of it).
const SHOWN_MESSAGE: usize = 16_384;

struct TargetRow {
    name: String,
    about: String,
    iterations: u64,
    strategies: String,
    reactions: String,
    /// (strategy, its reactions).
    per_strategy: Vec<(String, String)>,
}

struct FindingView {
    anchor: String,
    class: String,
    detail: String,
    target: String,
    signature: String,
    strategy: String,
    description: String,
    function: String,
    observed: String,
    campaign_seed: u64,
    iteration: u64,
    mutation_seed: u64,
    world_seed: u64,
    occurrences: u64,
    minimized: String,
    replay: String,
    decoded: Option<String>,
    mutated: String,
    mutated_len: usize,
}

#[derive(Template)]
#[template(path = "fuzz.html")]
struct FuzzPage {
    root: &'static str,
    secrets_revealed: bool,
    started: String,
    stopped: Option<String>,
    role: String,
    dut: String,
    seed: u64,
    command: String,
    iterations: u64,
    wall: String,
    rate: String,
    health: u64,
    occurrences: u64,
    targets: Vec<TargetRow>,
    findings: Vec<FindingView>,
}

/// Where the reports went.
#[derive(Debug, Clone)]
pub struct FuzzReportPaths {
    pub index_html: PathBuf,
    pub results_json: PathBuf,
    pub junit_xml: PathBuf,
}

/// The fuzz page.
pub fn page(s: &CampaignSummary, secrets_revealed: bool) -> Result<String, ReportError> {
    let strategies_total = |t: &str| super::Target::by_name(t).map_or(0, |t| t.strategies().len());
    let page = FuzzPage {
        root: "",
        secrets_revealed,
        started: utc_date(s.started_at),
        stopped: s.stopped.clone(),
        role: s.role.clone(),
        dut: s.dut.clone(),
        seed: s.seed,
        command: s.command.clone(),
        iterations: s.iterations,
        wall: human_duration(s.wall_ms.saturating_mul(1000)),
        rate: format!("{:.1}", s.per_second),
        health: s.health_sessions,
        occurrences: s.findings.iter().map(|f| f.duplicates + 1).sum(),
        targets: s
            .targets
            .iter()
            .map(|t| TargetRow {
                name: t.target.clone(),
                about: t.about.clone(),
                iterations: t.iterations,
                strategies: format!("{} of {}", t.strategies.len(), strategies_total(&t.target)),
                reactions: counts(&t.reactions),
                per_strategy: t
                    .by_strategy
                    .iter()
                    .map(|(s, r)| (s.clone(), counts(r)))
                    .collect(),
            })
            .collect(),
        findings: s
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| FindingView {
                anchor: format!("finding-{}", i + 1),
                class: f.reaction.class().into(),
                detail: f.reaction.detail().into(),
                target: f.target.clone(),
                signature: f.signature.clone(),
                strategy: f.strategy.clone(),
                description: f.description.clone(),
                function: f.function.clone(),
                observed: f.observed.clone(),
                campaign_seed: f.campaign_seed,
                iteration: f.iteration,
                mutation_seed: f.mutation_seed,
                world_seed: f.world_seed,
                occurrences: f.duplicates + 1,
                minimized: match &f.minimized {
                    Some(m) => format!(
                        "patch {}{} ({} → {} bytes changed, {} trials)",
                        m.patch,
                        m.field.as_deref().map(|f| format!(" of {f}")).unwrap_or_default(),
                        m.original_size,
                        patch_size(&m.patch),
                        m.trials
                    ),
                    None => "not minimized (acceptance findings and unreproducible ones keep their mutation)".into(),
                },
                replay: f.replay.clone(),
                decoded: f.decoded.clone(),
                mutated: f.mutated.chars().take(SHOWN_MESSAGE).collect(),
                mutated_len: f.mutated.len(),
            })
            .collect(),
    };
    page.render().map_err(|source| ReportError::Render {
        what: "fuzz.html".into(),
        source,
    })
}

fn counts(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn patch_size(patch: &str) -> usize {
    let mut it = patch.splitn(3, ':');
    let _start = it.next();
    let delete: usize = it.next().and_then(|d| d.parse().ok()).unwrap_or(0);
    delete + it.next().map_or(0, |h| h.len() / 2)
}

/// JUnit: one testsuite, a passing testcase per target without findings, a failing one per
/// finding.
pub fn junit(s: &CampaignSummary) -> String {
    let failures = s.findings.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"rspcheck fuzz\" tests=\"{}\" failures=\"{failures}\">",
        s.targets.len() + failures
    );
    let _ = writeln!(
        out,
        "<testsuite name=\"fuzz {}\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">",
        xml_escape(&s.role),
        s.targets.len() + failures,
        s.wall_ms as f64 / 1000.0
    );
    for t in &s.targets {
        let _ = writeln!(
            out,
            "<testcase classname=\"rspcheck.fuzz.{}\" name=\"{} ({} iterations)\"/>",
            xml_escape(&s.role),
            xml_escape(&t.target),
            t.iterations
        );
    }
    for f in &s.findings {
        let _ = writeln!(
            out,
            "<testcase classname=\"rspcheck.fuzz.{}.{}\" name=\"{}\">\n<failure type=\"{}\" message=\"{}\">{}</failure>\n</testcase>",
            xml_escape(&s.role),
            xml_escape(&f.target),
            xml_escape(&f.signature),
            xml_escape(f.reaction.class()),
            xml_escape(&f.reaction.describe()),
            xml_escape_text(&format!(
                "{}\nobserved: {}\nreplay: {}\n",
                f.description, f.observed, f.replay
            ))
        );
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}

/// Writes the three reports (and the assets) into `out_dir`.
pub fn write(
    out_dir: &Path,
    s: &CampaignSummary,
    secrets_revealed: bool,
) -> Result<FuzzReportPaths, ReportError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ReportError::Io { path, source }
    };
    let assets = out_dir.join("assets");
    std::fs::create_dir_all(&assets).map_err(io(&assets))?;
    for (name, text) in [("report.css", REPORT_CSS), ("report.js", REPORT_JS)] {
        let p = assets.join(name);
        std::fs::write(&p, text).map_err(io(&p))?;
    }
    let index_html = out_dir.join("index.html");
    std::fs::write(&index_html, page(s, secrets_revealed)?).map_err(io(&index_html))?;
    let results_json = out_dir.join("results.json");
    let json =
        serde_json::to_string_pretty(&serde_json::json!({ "fuzz": s })).map_err(|source| {
            ReportError::Json {
                what: "results.json",
                source,
            }
        })?;
    std::fs::write(&results_json, json + "\n").map_err(io(&results_json))?;
    let junit_xml = out_dir.join("junit.xml");
    std::fs::write(&junit_xml, junit(s)).map_err(io(&junit_xml))?;
    Ok(FuzzReportPaths {
        index_html,
        results_json,
        junit_xml,
    })
}
