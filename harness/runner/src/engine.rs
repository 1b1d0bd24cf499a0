//! The engine: selects cases, decides applicability from the ICS, runs each case in a fresh
//! world under a guard timeout (a panic or a hang becomes that case's verdict, never the end of
//! the run), judges every step's observation against its `expect`, journals each finished case
//! before the next starts, and judges outcomes against the DUT's expectations file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::actions::{self, Ctx, Observation, ObservedStatus};
use crate::expectations::{glob_match, Expectations, Judgement};
use crate::ics::{Ics, Role};
use crate::journal::{
    CaseRecord, DutIdentity, ExpectationMark, Journal, JournalError, RunHeader, StepRecord,
    SCHEMA_VERSION,
};
use crate::scenario::{CaseDef, Catalogue, Expect, StepDef};
use crate::verdict::{Outcome, Tracker, Verdict};
use crate::world::{World, WorldSpec};

/// Which cases run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Id globs (any matches); empty = all.
    pub ids: Vec<String>,
    /// Tags (any matches); empty = all.
    pub tags: Vec<String>,
    /// Id globs excluded.
    pub exclude: Vec<String>,
}

impl Selection {
    pub fn matches(&self, case: &CaseDef) -> bool {
        (self.ids.is_empty() || self.ids.iter().any(|g| glob_match(g, &case.id)))
            && (self.tags.is_empty() || self.tags.iter().any(|t| case.tags.contains(t)))
            && !self.exclude.iter().any(|g| glob_match(g, &case.id))
    }

    /// As journaled (and compared on resume).
    pub fn describe(&self) -> Vec<String> {
        let mut v: Vec<String> = self.ids.iter().map(|i| format!("id:{i}")).collect();
        v.extend(self.tags.iter().map(|t| format!("tag:{t}")));
        v.extend(self.exclude.iter().map(|e| format!("exclude:{e}")));
        v
    }
}

/// One device under test: its role, ICS, how the world reaches it, and its identity.
#[derive(Clone)]
pub struct Dut {
    pub ics: Ics,
    pub world: WorldSpec,
    pub identity: DutIdentity,
    pub expectations: Expectations,
}

/// Everything a run needs.
pub struct RunConfig {
    pub run_dir: PathBuf,
    pub seed: u64,
    pub selection: Selection,
    /// The DUTs of the run (a self-test has one per role).
    pub duts: Vec<Dut>,
    pub jobs: usize,
    pub case_timeout: Duration,
    pub resume: bool,
    pub reveal_secrets: bool,
    /// The command line, for the journal and the re-run commands.
    pub command: String,
    /// How one case is re-run: `{id}` and `{seed}` are replaced.
    pub rerun_template: String,
    /// `../shared/vectors`, when found.
    pub vectors: Option<PathBuf>,
    /// The repository's `vectors/`.
    pub repo_vectors: PathBuf,
    /// Unix time the run starts (injected).
    pub started_at: i64,
}

/// Why a run could not be carried out (a case's own failures are verdicts, not this).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Config(String),
}

/// What a run came to.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub cases: Vec<CaseRecord>,
    /// Expectations entries (DUT role, entry index) that matched no case.
    pub stale: Vec<(String, String)>,
    pub unexpected: usize,
    pub wall: Duration,
}

impl RunSummary {
    pub fn count(&self, name: &str) -> usize {
        self.cases
            .iter()
            .filter(|c| c.outcome.name() == name)
            .count()
    }
}

/// What identifies a DUT, read from it before the run: EUICCInfo2 and the EID of a card, the
/// headers an SM-DP+ answers with. Failures are reported in the identity, not fatal.
pub fn identify(dut: &Dut, repo_vectors: &Path) -> Vec<(String, String)> {
    let probe = match dut.ics.role {
        Role::Euicc => Some(("es10.info", toml::Table::new())),
        Role::Smdp => {
            let mut t = toml::Table::new();
            t.insert("function".into(), "InitiateAuthentication".into());
            t.insert("body".into(), "{}".into());
            Some(("es9.post", t))
        }
        Role::Smds | Role::Lpa => None,
    };
    let Some((action, args)) = probe else {
        return Vec::new();
    };
    let mut world = match World::build(dut.world.clone()) {
        Ok(w) => w,
        Err(e) => return vec![("identity".into(), format!("not read: {e}"))],
    };
    let mut ctx = Ctx {
        world: &mut world,
        args,
        mutations: Vec::new(),
        vectors: None,
        repo_vectors: repo_vectors.to_owned(),
    };
    let obs = actions::run(action, &mut ctx);
    if let Some(e) = obs.harness_error.or(obs.dut_error) {
        return vec![("identity".into(), format!("not read: {e}"))];
    }
    let wanted = [
        ("eid", "EID"),
        ("svn", "SGP.22 version (EUICCInfo2 svn)"),
        ("profile_version", "SAIP version"),
        ("firmware", "firmware version"),
        ("sas", "SAS accreditation"),
        ("header.server", "Server header"),
        ("header.x-admin-protocol", "X-Admin-Protocol"),
    ];
    wanted
        .iter()
        .filter_map(|(k, label)| obs.facts.get(*k).map(|v| ((*label).to_owned(), v.clone())))
        .collect()
}

/// A case's own seed: the run seed and the id mixed (FNV-1a then SplitMix64), so selecting a
/// different subset never changes a case's seed.
pub fn case_seed(run_seed: u64, id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h ^ run_seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The cases of `catalogue` a run would take, each with its DUT index, in catalogue order.
pub fn plan<'c>(
    catalogue: &'c Catalogue,
    selection: &Selection,
    duts: &[Dut],
) -> Vec<(&'c CaseDef, usize)> {
    catalogue
        .cases
        .iter()
        .filter(|c| selection.matches(c))
        .filter_map(|c| {
            duts.iter()
                .position(|d| d.ics.role == c.dut)
                .map(|i| (c, i))
        })
        .collect()
}

/// Whether a case applies under an ICS; `Err(reason)` when it does not.
pub fn applicability(case: &CaseDef, ics: &Ics) -> Result<(), String> {
    let Some((text, expr)) = &case.applies_if else {
        return Ok(());
    };
    match expr.eval(&ics.options) {
        Ok(true) => Ok(()),
        Ok(false) => {
            let values: Vec<String> = expr
                .options()
                .iter()
                .map(|o| {
                    let v = ics
                        .options
                        .get(*o)
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "undeclared".into());
                    format!("{o} = {v}")
                })
                .collect();
            Err(format!("ICS: `{text}` is false ({})", values.join(", ")))
        }
        Err(e) => Err(format!("ICS: `{text}`: {e}")),
    }
}

/// A case that looks inside the role under test can only run against the reference one; an
/// LPA behind a command template can only download.
fn introspection(case: &CaseDef, dut: &Dut) -> Result<(), String> {
    let any_dut = dut.world.card_dut.is_some()
        || dut.world.smdp_dut.is_some()
        || dut.world.smds_dut.is_some()
        || dut.world.lpa_command.is_some();
    if case.sgp26 && any_dut {
        return Err("the case runs on the SGP.26 certificates; the DUT's PKI is its ICS's".into());
    }
    if case.personality.is_some() && dut.world.card_dut.is_some() {
        return Err(
            "the case sets a personality of the reference eUICC; the DUT card is what it is".into(),
        );
    }
    if let (Role::Lpa, Some(commands)) = (case.dut, &dut.world.lpa_command) {
        if let Some(why) = case
            .steps
            .iter()
            .find_map(|s| actions::beyond_lpa_command(s, commands))
        {
            return Err(why);
        }
    }
    let reference = dut.world.smdp_dut.is_none()
        && dut.world.smds_dut.is_none()
        && dut.world.card_dut.is_none();
    if reference {
        return Ok(());
    }
    match case
        .steps
        .iter()
        .find(|s| actions::reference_only(&s.action) == Some(case.dut))
    {
        Some(s) => Err(format!(
            "{} (line {}) inspects or arms the reference {}, which the DUT replaces",
            s.action,
            s.line,
            case.dut.name()
        )),
        None => Ok(()),
    }
}

/// Runs the selected cases; `on_case` sees each finished case (progress).
pub fn run(
    catalogue: &Catalogue,
    config: &RunConfig,
    on_case: &(dyn Fn(&CaseRecord) + Sync),
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let header = RunHeader {
        schema: SCHEMA_VERSION,
        seed: config.seed,
        dut: config
            .duts
            .iter()
            .map(|d| format!("{} ({})", d.ics.role.name(), d.identity.adapter))
            .collect::<Vec<_>>()
            .join(", "),
        selection: config.selection.describe(),
        started_at: config.started_at,
        command: config.command.clone(),
        duts: config.duts.iter().map(|d| d.identity.clone()).collect(),
    };
    let (journal, done) =
        if config.resume && config.run_dir.join(crate::journal::JOURNAL_FILE).exists() {
            Journal::resume(&config.run_dir, &header)?
        } else {
            (Journal::create(&config.run_dir, &header)?, Vec::new())
        };
    let journal = Mutex::new(journal);
    let done_ids: std::collections::HashSet<String> = done.iter().map(|c| c.id.clone()).collect();
    let planned = plan(catalogue, &config.selection, &config.duts);
    let todo: Vec<(&CaseDef, usize)> = planned
        .iter()
        .copied()
        .filter(|(c, _)| !done_ids.contains(&c.id))
        .collect();
    let results: Mutex<Vec<CaseRecord>> = Mutex::new(done.clone());
    let next = Mutex::new(0usize);
    let failure: Mutex<Option<JournalError>> = Mutex::new(None);
    let jobs = config.jobs.clamp(1, 16);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(&(case, dut)) = todo.get(i) else {
                    break;
                };
                if failure.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                    break;
                }
                let record = run_case(case, &config.duts[dut], config);
                let appended = journal
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .append(&record);
                if let Err(e) = appended {
                    *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    break;
                }
                on_case(&record);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(record);
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e.into());
    }
    let mut cases = results.into_inner().unwrap_or_else(|p| p.into_inner());
    // Catalogue order, whatever order the jobs finished in.
    let order: BTreeMap<&str, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.id.as_str(), i))
        .collect();
    cases.sort_by_key(|c| order.get(c.id.as_str()).copied().unwrap_or(usize::MAX));
    let mut stale = Vec::new();
    for d in &config.duts {
        let ids: Vec<&str> = cases
            .iter()
            .filter(|c| c.meta.dut == d.ics.role.name())
            .map(|c| c.id.as_str())
            .collect();
        for i in d.expectations.stale(ids.iter().copied()) {
            stale.push((
                d.ics.role.name().to_owned(),
                d.expectations.entries()[i].case.clone(),
            ));
        }
    }
    let unexpected = cases
        .iter()
        .filter(|c| {
            matches!(
                c.expectation,
                Some(ExpectationMark::Unexpected)
                    | Some(ExpectationMark::ExpectedFailPassed { .. })
            )
        })
        .count();
    Ok(RunSummary {
        cases,
        stale,
        unexpected,
        wall: started.elapsed(),
    })
}

/// Runs one case (applicability, world, steps under the guard) and judges it.
pub fn run_case(case: &CaseDef, dut: &Dut, config: &RunConfig) -> CaseRecord {
    let seed = case_seed(config.seed, &case.id);
    let rerun = config
        .rerun_template
        .replace("{id}", &case.id)
        .replace("{seed}", &config.seed.to_string());
    let started = Instant::now();
    let (outcome, steps) = match case
        .unavailable
        .clone()
        .map_or(Ok(()), Err)
        .and_then(|()| applicability(case, &dut.ics))
        .and_then(|()| introspection(case, dut))
    {
        Err(reason) => (Outcome::NotApplicable { reason }, Vec::new()),
        Ok(()) => guarded(case, dut, config, seed),
    };
    let judgement = dut.expectations.judge(&case.id, &outcome);
    let entry = |i: usize| dut.expectations.entries()[i].clone();
    let expectation = match judgement {
        Judgement::AsRequired => None,
        Judgement::Unexpected => Some(ExpectationMark::Unexpected),
        Judgement::ExpectedFail(i) => {
            let e = entry(i);
            Some(ExpectationMark::ExpectedFail {
                reason: e.reason,
                link: e.link,
            })
        }
        Judgement::ExpectedFailPassed(i) => {
            let e = entry(i);
            Some(ExpectationMark::ExpectedFailPassed {
                reason: e.reason,
                link: e.link,
            })
        }
    };
    CaseRecord {
        id: case.id.clone(),
        meta: case.meta(),
        outcome,
        expectation,
        rerun,
        seed,
        duration_us: micros(started.elapsed()),
        steps,
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The case on its own thread: a panic is `error`, running past the guard timeout `fail`.
fn guarded(case: &CaseDef, dut: &Dut, config: &RunConfig, seed: u64) -> (Outcome, Vec<StepRecord>) {
    let timeout = case
        .timeout
        .map(Duration::from_secs)
        .unwrap_or(config.case_timeout);
    let (tx, rx) = mpsc::channel();
    let case_owned = case.clone();
    let mut spec = dut.world.clone();
    spec.seed = seed;
    if case.sgp26 {
        match crate::world::Pki::sgp26(config.vectors.as_deref()) {
            Ok(p) => spec.pki = p,
            Err(e) => {
                return (
                    Outcome::NotApplicable {
                        reason: e.to_string(),
                    },
                    Vec::new(),
                )
            }
        }
    }
    spec.curve = case.curve;
    spec.replace_session_keys = case.rsk;
    spec.production = case.production;
    spec.smdp_tls = case.smdp_tls;
    spec.asn1_binding = case.asn1_binding;
    spec.operator_simulator = case.steps.iter().any(|s| s.action == "es2.progress");
    if let Some(p) = case.personality {
        spec.personality = p;
    }
    let vectors = config.vectors.clone();
    let repo_vectors = config.repo_vectors.clone();
    let reveal = config.reveal_secrets;
    // Steps finished so far, so a hang still shows what happened before it.
    let partial: Arc<Mutex<Vec<StepRecord>>> = Arc::default();
    let partial_in = partial.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("case {}", case.id))
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                execute(
                    &case_owned,
                    spec,
                    vectors,
                    repo_vectors,
                    reveal,
                    &partial_in,
                )
            }));
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return (
            Outcome::Verdict {
                verdict: Verdict::Error,
                reason: Some(format!("could not start the case's thread: {e}")),
            },
            Vec::new(),
        );
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(tracker_steps)) => tracker_steps,
        Ok(Err(panic)) => {
            let what = panic_message(panic.as_ref());
            let steps = partial.lock().map(|s| s.clone()).unwrap_or_default();
            (
                Outcome::Verdict {
                    verdict: Verdict::Error,
                    reason: Some(format!("the harness panicked: {what}")),
                },
                steps,
            )
        }
        Err(_) => {
            let steps = partial.lock().map(|s| s.clone()).unwrap_or_default();
            (
                Outcome::Verdict {
                    verdict: Verdict::Fail,
                    reason: Some(format!(
                        "no end within the guard timeout of {} s (after {} steps)",
                        timeout.as_secs(),
                        steps.len()
                    )),
                },
                steps,
            )
        }
    }
}

/// The message a caught panic carries.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic".into())
}

fn execute(
    case: &CaseDef,
    spec: WorldSpec,
    vectors: Option<PathBuf>,
    repo_vectors: PathBuf,
    reveal: bool,
    partial: &Mutex<Vec<StepRecord>>,
) -> (Outcome, Vec<StepRecord>) {
    let mut tracker = Tracker::default();
    let mut world = match World::build(spec) {
        Ok(w) => w,
        Err(e) => {
            tracker.set(Verdict::Error, format!("world: {e}"));
            return (Outcome::of(&tracker), Vec::new());
        }
    };
    let mut records = Vec::new();
    for (n, step) in case.steps.iter().enumerate() {
        let started = Instant::now();
        let args = match actions::substitute(&world.vars, &toml::Value::Table(step.args.clone())) {
            toml::Value::Table(t) => t,
            _ => step.args.clone(),
        };
        if let Some(card) = world.card() {
            card.record_trace();
        }
        let mut ctx = Ctx {
            world: &mut world,
            args,
            mutations: step.mutate.clone(),
            vectors: vectors.clone(),
            repo_vectors: repo_vectors.clone(),
        };
        let mut obs = actions::run(&step.action, &mut ctx);
        // Direct card actions show what crossed the card interface; a download's hooks already
        // recorded its ES10 messages.
        let trace = world.card().map(|c| c.take_trace()).unwrap_or_default();
        if !step.action.starts_with("lpa.") {
            obs.messages.extend(trace_messages(&trace));
        }
        let (verdict, why) = judge(step, &obs, &world.vars);
        for (var, fact) in &step.save {
            if let Some(v) = obs.facts.get(fact) {
                world.vars.insert(var.clone(), v.clone());
            }
        }
        tracker.set(verdict, format!("step {} ({}): {why}", n + 1, step.action));
        let mut record = StepRecord {
            name: step_name(step),
            verdict,
            expected: Some(describe_expect(step.expect.as_ref())),
            observed: Some(obs.summary()),
            duration_us: micros(started.elapsed()),
            notes: obs.notes.clone(),
            messages: obs.messages.clone(),
        };
        if !reveal {
            redact(&mut record, &world.secrets);
        }
        records.push(record.clone());
        if let Ok(mut p) = partial.lock() {
            p.push(record);
        }
        if verdict > Verdict::Pass {
            break;
        }
    }
    world.end_download();
    let mut outcome = Outcome::of(&tracker);
    if tracker.verdict() == Verdict::Pass {
        outcome = Outcome::Verdict {
            verdict: Verdict::Pass,
            reason: Some(format!("all {} steps as expected", records.len())),
        };
    }
    if !reveal {
        if let Outcome::Verdict {
            reason: Some(r), ..
        } = &mut outcome
        {
            *r = redact_text(r, &world.secrets);
        }
    }
    (outcome, records)
}

/// The ES10 requests and answers in a card trace (STORE DATA blocks and GET RESPONSE joined),
/// and every other command as a raw APDU exchange.
fn trace_messages(trace: &[rsp_lpa::card::ApduExchange]) -> Vec<crate::journal::MessageRecord> {
    let mut out = Vec::new();
    let mut request: Vec<u8> = Vec::new();
    let mut answer: Vec<u8> = Vec::new();
    let mut open = false;
    let flush = |out: &mut Vec<_>, request: &mut Vec<u8>, answer: &mut Vec<u8>| {
        if request.is_empty() {
            return;
        }
        let name = request_type(request);
        out.push(actions::der_record("sent", "ES10", &name, request));
        if !answer.is_empty() {
            out.push(actions::der_record("received", "ES10", &name, answer));
        }
        request.clear();
        answer.clear();
    };
    for x in trace {
        let ins = x.command.get(1).copied().unwrap_or(0);
        let body = x.response.len().saturating_sub(2);
        let data = x.response.get(..body).unwrap_or_default();
        match ins {
            0xE2 => {
                if !open {
                    flush(&mut out, &mut request, &mut answer);
                }
                let lc = usize::from(x.command.get(4).copied().unwrap_or(0));
                request.extend_from_slice(x.command.get(5..5 + lc).unwrap_or_default());
                answer.extend_from_slice(data);
                // P1 bit 8 marks the last block of the request.
                open = x.command.get(2).is_some_and(|p1| p1 & 0x80 == 0);
            }
            0xC0 if !request.is_empty() => answer.extend_from_slice(data),
            _ => {
                flush(&mut out, &mut request, &mut answer);
                open = false;
                out.push(crate::journal::MessageRecord {
                    direction: "exchange".into(),
                    interface: "APDU".into(),
                    function: rsp_codec::apdu::sw::describe(u16::from_be_bytes([
                        x.response.get(body).copied().unwrap_or(0),
                        x.response.get(body + 1).copied().unwrap_or(0),
                    ])),
                    tree: None,
                    hex: Some(format!(
                        "{} -> {}",
                        hex::encode_upper(&x.command),
                        hex::encode_upper(&x.response)
                    )),
                    json: None,
                });
            }
        }
    }
    flush(&mut out, &mut request, &mut answer);
    out
}

/// The schema name of an ES10 request by its tag, else the tag.
fn request_type(request: &[u8]) -> String {
    rsp_codec::tlv::Tlv::parse_prefix(request)
        .ok()
        .and_then(|(t, _)| {
            rsp_codec::schema::by_tag(t.tag())
                .find(|ty| ty.name.ends_with("Request"))
                .map(|ty| ty.name.to_owned())
                .or_else(|| Some(t.tag().to_string()))
        })
        .unwrap_or_else(|| "ES10".into())
}

fn step_name(step: &StepDef) -> String {
    if step.args.is_empty() {
        step.action.clone()
    } else {
        let args: Vec<String> = step.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{} {}", step.action, args.join(" "))
    }
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The expectation in words.
pub fn describe_expect(e: Option<&Expect>) -> String {
    let Some(e) = e else {
        return "success".into();
    };
    let mut parts = Vec::new();
    if let Some(s) = &e.status {
        parts.push(format!("status {s}"));
    }
    if let Some(r) = &e.result {
        parts.push(format!("result {}", value_text(r)));
    }
    if let Some(p) = &e.pir {
        let mut t = format!("PIR {}", p.result);
        if let Some(b) = p.bpp_command_id {
            t.push_str(&format!(" bppCommandId {b}"));
        }
        if let Some(r) = p.error_reason {
            t.push_str(&format!(" errorReason {r}"));
        }
        if !p.error_reasons.is_empty() {
            let list: Vec<String> = p.error_reasons.iter().map(i64::to_string).collect();
            t.push_str(&format!(" errorReason one of {}", list.join("/")));
        }
        if let Some(s) = p.pe_status {
            t.push_str(&format!(" PEStatus {s}"));
        }
        parts.push(t);
    }
    if let Some(h) = e.http_status {
        parts.push(format!("HTTP {h}"));
    }
    if let Some(s) = &e.sw {
        parts.push(format!("SW {s}"));
    }
    if let Some(o) = &e.outcome {
        parts.push(format!("outcome {o}"));
    }
    if let Some(ms) = e.no_response_ms {
        parts.push(format!("no response within {ms} ms"));
    }
    for (k, v) in &e.facts {
        parts.push(format!("{k}={}", value_text(v)));
    }
    if parts.is_empty() {
        "anything".into()
    } else {
        parts.join("; ")
    }
}

/// A step's verdict and why.
pub fn judge(
    step: &StepDef,
    obs: &Observation,
    vars: &BTreeMap<String, String>,
) -> (Verdict, String) {
    if let Some(e) = &obs.harness_error {
        return (Verdict::Error, e.clone());
    }
    let Some(expect) = &step.expect else {
        return judge_success(obs);
    };
    let mut misses = Vec::new();
    if let Some(want) = &expect.status {
        // `A|B`: either status is conforming (the spec leaves the order of checks open).
        let ok = want.split('|').any(|alt| match (alt, &obs.status) {
            ("success", Some(ObservedStatus::Success)) => true,
            ("failed", Some(ObservedStatus::Failed { .. })) => true,
            (code, Some(ObservedStatus::Failed { subject, reason })) => {
                code == format!("{subject}/{reason}")
            }
            _ => false,
        });
        if !ok {
            misses.push(format!("status {want}"));
        }
    }
    if let Some(want) = &expect.result {
        let ok = match (&obs.result, want) {
            (Some((code, _)), toml::Value::Integer(i)) => code == i,
            (Some((_, name)), toml::Value::String(s)) => s.split('|').any(|alt| alt == name),
            _ => false,
        };
        if !ok {
            misses.push(format!("result {}", value_text(want)));
        }
    }
    if let Some(p) = &expect.pir {
        let ok = match (&obs.pir, p.result.as_str()) {
            (Some(None), "success") => true,
            (Some(Some((b, r))), "error") => {
                p.bpp_command_id.is_none_or(|x| x == *b)
                    && p.error_reason.is_none_or(|x| x == *r)
                    && (p.error_reasons.is_empty() || p.error_reasons.contains(r))
                    && p.pe_status
                        .is_none_or(|x| obs.facts.get("pe_status") == Some(&x.to_string()))
            }
            _ => false,
        };
        if !ok {
            misses.push(format!("PIR {}", p.result));
        }
    }
    if let Some(h) = expect.http_status {
        if obs.http_status != Some(h) {
            misses.push(format!("HTTP {h}"));
        }
    }
    if let Some(s) = &expect.sw {
        if !obs.sw.is_some_and(|sw| sw_matches(s, sw)) {
            misses.push(format!("SW {s}"));
        }
    }
    if let Some(o) = &expect.outcome {
        if !o.split('|').any(|alt| obs.outcome.as_deref() == Some(alt)) {
            misses.push(format!("outcome {o}"));
        }
    }
    if expect.no_response_ms.is_some() && !obs.no_response {
        misses.push("no response".into());
    }
    for (k, v) in &expect.facts {
        let want = match actions::substitute(vars, v) {
            toml::Value::String(s) => s,
            other => other.to_string(),
        };
        if obs.facts.get(k) != Some(&want) {
            misses.push(format!("{k}={want}"));
        }
    }
    if misses.is_empty() {
        (Verdict::Pass, "as expected".into())
    } else {
        (
            Verdict::Fail,
            format!("expected {}, observed {}", misses.join("; "), obs.summary()),
        )
    }
}

/// `pattern`: `|`-separated four-nibble patterns, `X` matching any nibble (`6AXX|6700`).
fn sw_matches(pattern: &str, sw: u16) -> bool {
    let have = format!("{sw:04X}");
    pattern.split('|').any(|p| {
        p.len() == 4
            && p.chars()
                .zip(have.chars())
                .all(|(w, h)| w.eq_ignore_ascii_case(&'x') || w.eq_ignore_ascii_case(&h))
    })
}

fn judge_success(obs: &Observation) -> (Verdict, String) {
    let bad = obs.dut_error.is_some()
        || obs.no_response
        || matches!(obs.status, Some(ObservedStatus::Failed { .. }))
        || obs.result.as_ref().is_some_and(|(c, _)| *c != 0)
        || matches!(obs.pir, Some(Some(_)))
        || obs.outcome.as_deref().is_some_and(|o| o != "installed")
        || obs.sw.is_some_and(|s| s != 0x9000);
    if bad {
        (
            Verdict::Fail,
            format!("expected success, observed {}", obs.summary()),
        )
    } else {
        (Verdict::Pass, "success".into())
    }
}

/// Masks every secret value (and its hex and base64 forms) in a step record.
fn redact(record: &mut StepRecord, secrets: &[String]) {
    if secrets.is_empty() {
        return;
    }
    let fix = |s: &mut String| *s = redact_text(s, secrets);
    record.name = redact_text(&record.name, secrets);
    record.observed.iter_mut().for_each(fix);
    record.expected.iter_mut().for_each(fix);
    record.notes.iter_mut().for_each(fix);
    for m in &mut record.messages {
        m.tree.iter_mut().for_each(fix);
        m.hex.iter_mut().for_each(fix);
        if let Some(j) = &mut m.json {
            redact_json(j, secrets);
        }
    }
}

fn redact_json(v: &mut serde_json::Value, secrets: &[String]) {
    match v {
        serde_json::Value::String(s) => *s = redact_text(s, secrets),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_json(x, secrets)),
        serde_json::Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if matches!(
                    k.as_str(),
                    "matchingId" | "activationCode" | "confirmationCode" | "eventId"
                ) {
                    *x = serde_json::Value::String("<redacted>".into());
                } else {
                    redact_json(x, secrets);
                }
            }
        }
        _ => {}
    }
}

/// `text` with each secret, its upper-case hex and its base64 forms replaced.
pub fn redact_text(text: &str, secrets: &[String]) -> String {
    use base64::Engine as _;
    let mut out = text.to_owned();
    for s in secrets {
        if s.len() < 4 {
            // A 4-digit confirmation code is long enough to mask; shorter strings are noise.
            continue;
        }
        for form in [
            s.clone(),
            hex::encode_upper(s.as_bytes()),
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
        ] {
            if out.contains(&form) {
                out = out.replace(&form, "<redacted>");
            }
        }
    }
    out
}

/// `suites/` and `vectors/` of the source tree this binary was built from.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/vectors` beside the checkout (or `$RSPCHECK_VECTORS`).
pub fn shared_vectors() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("RSPCHECK_VECTORS").map(PathBuf::from),
        Some(repo_root().join("../shared/vectors")),
    ];
    candidates.into_iter().flatten().find(|d| d.is_dir())
}

/// Parses `--dut`-style role names.
pub fn role_of(name: &str) -> Option<Role> {
    Role::parse(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::PirExpect;
    use rstest::rstest;

    #[rstest]
    #[case("9000", 0x9000, true)]
    #[case("6A80", 0x6A80, true)]
    #[case("6a80", 0x6A80, true)]
    #[case("6AXX", 0x6A88, true)]
    #[case("6AXX", 0x6985, false)]
    #[case("6AXX|69XX", 0x6985, true)]
    #[case("6700|6D00", 0x6A80, false)]
    #[case("XXXX", 0x9000, true)]
    fn status_word_patterns(#[case] pattern: &str, #[case] sw: u16, #[case] matches: bool) {
        assert_eq!(sw_matches(pattern, sw), matches);
    }

    #[test]
    fn status_alternatives() {
        let obs = observed();
        let mut e = Expect {
            status: Some("8.1.1/3.8|8.2/1.2".into()),
            ..Expect::default()
        };
        assert_eq!(
            judge(&step(Some(e.clone())), &obs, &BTreeMap::new()).0,
            Verdict::Pass
        );
        e.status = Some("success|8.2/1.2".into());
        assert_eq!(
            judge(&step(Some(e)), &obs, &BTreeMap::new()).0,
            Verdict::Fail
        );
    }

    fn step(expect: Option<Expect>) -> StepDef {
        StepDef {
            action: "lpa.download".into(),
            args: toml::Table::new(),
            mutate: Vec::new(),
            expect,
            save: BTreeMap::new(),
            line: 1,
        }
    }

    fn observed() -> Observation {
        let mut o = Observation {
            status: Some(ObservedStatus::Failed {
                subject: "8.1.1".into(),
                reason: "3.8".into(),
            }),
            result: Some((2, "invalidSignature".into())),
            pir: Some(Some((5, 12))),
            outcome: Some("install_failed".into()),
            ..Observation::default()
        };
        o.facts.insert("pe_status".into(), "6".into());
        o.facts.insert("imsi".into(), "001010000000001".into());
        o
    }

    #[rstest]
    #[case::status(Expect { status: Some("8.1.1/3.8".into()), ..Expect::default() }, true)]
    #[case::status_other(Expect { status: Some("8.1.1/3.9".into()), ..Expect::default() }, false)]
    #[case::any_failure(Expect { status: Some("failed".into()), ..Expect::default() }, true)]
    #[case::result_name(Expect { result: Some("invalidSignature".into()), ..Expect::default() }, true)]
    #[case::result_code(Expect { result: Some(toml::Value::Integer(1)), ..Expect::default() }, false)]
    #[case::pir(Expect { pir: Some(PirExpect { result: "error".into(), bpp_command_id: Some(5), error_reason: Some(12), pe_status: Some(6), ..PirExpect::default() }), ..Expect::default() }, true)]
    #[case::pir_reasons(Expect { pir: Some(PirExpect { result: "error".into(), error_reasons: vec![2, 12], ..PirExpect::default() }), ..Expect::default() }, true)]
    #[case::pir_other_reasons(Expect { pir: Some(PirExpect { result: "error".into(), error_reasons: vec![2, 3], ..PirExpect::default() }), ..Expect::default() }, false)]
    #[case::pir_pe(Expect { pir: Some(PirExpect { result: "error".into(), pe_status: Some(9), ..PirExpect::default() }), ..Expect::default() }, false)]
    #[case::pir_success(Expect { pir: Some(PirExpect { result: "success".into(), ..PirExpect::default() }), ..Expect::default() }, false)]
    #[case::outcome_alternatives(Expect { outcome: Some("installed|install_failed".into()), ..Expect::default() }, true)]
    #[case::outcome(Expect { outcome: Some("installed".into()), ..Expect::default() }, false)]
    #[case::fact_variable(Expect { facts: [("imsi".to_owned(), toml::Value::from("$imsi"))].into(), ..Expect::default() }, true)]
    #[case::missing_fact(Expect { facts: [("nope".to_owned(), toml::Value::from("1"))].into(), ..Expect::default() }, false)]
    #[case::no_response(Expect { no_response_ms: Some(100), ..Expect::default() }, false)]
    fn judgements(#[case] expect: Expect, #[case] pass: bool) {
        let vars: BTreeMap<String, String> =
            [("imsi".to_owned(), "001010000000001".to_owned())].into();
        let (v, why) = judge(&step(Some(expect)), &observed(), &vars);
        assert_eq!(v == Verdict::Pass, pass, "{why}");
    }

    #[test]
    fn without_expect_only_success_passes_and_harness_errors_are_errors() {
        let vars = BTreeMap::new();
        assert_eq!(judge(&step(None), &observed(), &vars).0, Verdict::Fail);
        let ok = Observation {
            status: Some(ObservedStatus::Success),
            outcome: Some("installed".into()),
            pir: Some(None),
            ..Observation::default()
        };
        assert_eq!(judge(&step(None), &ok, &vars).0, Verdict::Pass);
        let broken = Observation {
            harness_error: Some("no such profile".into()),
            ..ok
        };
        assert_eq!(judge(&step(None), &broken, &vars).0, Verdict::Error);
    }

    #[test]
    fn secrets_are_masked_in_every_form() {
        let secrets = vec!["AC-SECRET-1".to_owned(), "12".to_owned()];
        let hex = hex::encode_upper("AC-SECRET-1");
        let text = format!("id AC-SECRET-1 hex {hex} code 12");
        let out = redact_text(&text, &secrets);
        assert_eq!(out, "id <redacted> hex <redacted> code 12");
    }

    #[test]
    fn case_seeds_depend_on_the_run_seed_and_the_id_only() {
        assert_eq!(case_seed(1, "A.B"), case_seed(1, "A.B"));
        assert_ne!(case_seed(1, "A.B"), case_seed(2, "A.B"));
        assert_ne!(case_seed(1, "A.B"), case_seed(1, "A.C"));
    }
}
