//! Live protocol fuzzing of a device under test (DESIGN §7): each iteration runs a nominal
//! session against the DUT with one message changed by a structure-aware mutation, classifies
//! the DUT's reaction, and stores every anomaly at once with what reproduces it exactly.
//!
//! An iteration is named by (campaign seed, index): the index picks the target (round robin)
//! and, through the seed, the strategy, the mutation's seed and the world's seed, so
//! `rspcheck fuzz --replay FINDING` re-runs exactly that iteration. Findings are deduplicated
//! by signature and minimized (the smallest byte patch of the message that still triggers it).
//! A nominal health session runs every `health_every` iterations and after each finding; a DUT
//! failing three in a row ends the campaign, reported as such.

pub mod mutation;
pub mod oracle;
pub mod pe;
pub mod report;
pub mod store;
pub mod targets;

use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use rsp_codec::mutate::{self, AcStrategy, BytesStrategy, JsonStrategy, Rng};
use serde::{Deserialize, Serialize};

use crate::actions::{self, Ctx, Observation};
use crate::engine::Dut;
use crate::scenario::{Mutation, MutationOp};
use crate::world::World;

pub use oracle::Reaction;
pub use store::{Finding, FindingStore, Minimized};
pub use targets::{Target, TargetKind, TARGETS};

/// Health sessions failed in a row before a campaign gives up on the DUT.
pub const UNHEALTHY_AFTER: u32 = 3;
/// Harness errors in a row (an exhausted DUT inventory, a reference role that cannot start)
/// that end a campaign.
pub const HARNESS_ERRORS_IN_A_ROW: u32 = 10;
/// Iterations a minimization may spend on one finding.
pub const MINIMIZE_TRIALS: u32 = 48;

/// What a campaign runs.
#[derive(Debug, Clone)]
pub struct CampaignConfig {
    pub seed: u64,
    pub targets: Vec<&'static Target>,
    /// Strategy names to keep (`der:bit-flip`, or just `bit-flip`); empty = all.
    pub strategies: Vec<String>,
    /// Stop after this many iterations …
    pub iterations: Option<u64>,
    /// … or after this long (whichever comes first; neither = 100 iterations).
    pub time: Option<Duration>,
    pub health_every: u64,
    /// Longest one iteration may take before it counts as a hang.
    pub timeout: Duration,
    pub minimize: bool,
    /// Keep matching IDs and other secrets in the findings' messages.
    pub reveal_secrets: bool,
    /// Where findings and the report go.
    pub out_dir: PathBuf,
    pub vectors: Option<PathBuf>,
    pub repo_vectors: PathBuf,
    /// How a finding is replayed: `{finding}` is replaced by its file.
    pub replay_template: String,
    pub command: String,
    pub started_at: i64,
}

/// One iteration, fully determined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iteration {
    pub index: u64,
    pub target: String,
    pub strategy: String,
    pub mutation_seed: u64,
    pub world_seed: u64,
}

impl Iteration {
    /// Iteration `index` of a campaign.
    pub fn plan(
        seed: u64,
        index: u64,
        targets: &[&'static Target],
        strategies: &[String],
    ) -> Option<Iteration> {
        let target = targets.get(usize::try_from(index).ok()? % targets.len().max(1))?;
        let mut rng = Rng::new(crate::engine::case_seed(seed, &format!("fuzz/{index}")));
        let all = target.strategies();
        let kept: Vec<&String> = all
            .iter()
            .filter(|s| {
                strategies.is_empty()
                    || strategies
                        .iter()
                        .any(|w| *s == w || s.split_once(':').is_some_and(|(_, n)| n == w))
            })
            .collect();
        let strategy = (*rng.pick(&kept)?).clone();
        Some(Iteration {
            index,
            target: target.name.to_owned(),
            strategy,
            mutation_seed: rng.next_u64(),
            world_seed: rng.next_u64(),
        })
    }
}

/// What one iteration saw.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub reaction: Reaction,
    pub applied: Option<mutation::FuzzApplied>,
    pub observation: Option<Observation>,
    /// The session's secrets (matching IDs …), for redaction.
    pub secrets: Vec<String>,
    pub elapsed: Duration,
}

/// Per target: iterations and reactions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TargetStats {
    pub target: String,
    pub about: String,
    pub iterations: u64,
    /// Reaction class → count.
    pub reactions: std::collections::BTreeMap<String, u64>,
    /// Strategies that ran at least once.
    pub strategies: std::collections::BTreeSet<String>,
    /// Strategy → reaction class → count.
    pub by_strategy: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
}

/// What a campaign came to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub role: String,
    pub dut: String,
    pub seed: u64,
    pub command: String,
    pub started_at: i64,
    pub iterations: u64,
    pub wall_ms: u64,
    pub per_second: f64,
    pub health_sessions: u64,
    pub targets: Vec<TargetStats>,
    /// Unique findings (the first occurrence, minimized), with how often each recurred.
    pub findings: Vec<Finding>,
    /// Why the campaign ended before its budget, when it did.
    pub stopped: Option<String>,
}

/// Why a campaign could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    #[error("no target to fuzz for the {0} role (targets: {1})")]
    NoTarget(String, String),
    #[error("target {0} is for the {1} role, the DUT is the {2}")]
    WrongRole(String, String, String),
    #[error("no strategy of the selected targets matches {0:?}")]
    NoStrategy(Vec<String>),
    #[error("the DUT failed its first nominal session, so nothing it does under mutation can be judged: {0}")]
    NotHealthy(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Runs a campaign against `dut`; `progress` sees every iteration.
pub fn run_campaign(
    dut: &Dut,
    config: &CampaignConfig,
    progress: &(dyn Fn(&Iteration, &Outcome) + Sync),
) -> Result<CampaignSummary, FuzzError> {
    let role = dut.ics.role;
    if config.targets.is_empty() {
        return Err(FuzzError::NoTarget(
            role.name().into(),
            TARGETS
                .iter()
                .map(|t| t.name)
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    for t in &config.targets {
        if t.role != role {
            return Err(FuzzError::WrongRole(
                t.name.into(),
                t.role.name().into(),
                role.name().into(),
            ));
        }
    }
    if Iteration::plan(config.seed, 0, &config.targets, &config.strategies).is_none() {
        return Err(FuzzError::NoStrategy(config.strategies.clone()));
    }
    let started = Instant::now();
    let mut store = FindingStore::create(&config.out_dir)?;
    let mut summary = CampaignSummary {
        role: role.name().into(),
        dut: dut.identity.adapter.clone(),
        seed: config.seed,
        command: config.command.clone(),
        started_at: config.started_at,
        targets: config
            .targets
            .iter()
            .map(|t| TargetStats {
                target: t.name.into(),
                about: t.about.into(),
                ..TargetStats::default()
            })
            .collect(),
        ..CampaignSummary::default()
    };
    // The DUT must work before anything it does under mutation means something.
    let first = health(dut, config, config.targets[0], u64::MAX);
    summary.health_sessions += 1;
    if let Err(HealthError::Dut(why) | HealthError::Harness(why)) = first {
        return Err(FuzzError::NotHealthy(why));
    }
    let budget = config.iterations.or(if config.time.is_some() {
        None
    } else {
        Some(100)
    });
    let mut index = 0u64;
    let mut failing_health = 0u32;
    let mut harness_errors = 0u32;
    loop {
        if budget.is_some_and(|b| index >= b) || config.time.is_some_and(|t| started.elapsed() >= t)
        {
            break;
        }
        let Some(it) = Iteration::plan(config.seed, index, &config.targets, &config.strategies)
        else {
            break;
        };
        let outcome = run_iteration(dut, config, &it, None);
        if let Some(stats) = summary.targets.iter_mut().find(|s| s.target == it.target) {
            stats.iterations += 1;
            *stats
                .reactions
                .entry(outcome.reaction.class().into())
                .or_default() += 1;
            stats.strategies.insert(it.strategy.clone());
            *stats
                .by_strategy
                .entry(it.strategy.clone())
                .or_default()
                .entry(outcome.reaction.class().into())
                .or_default() += 1;
        }
        progress(&it, &outcome);
        if let Reaction::HarnessError(why) = &outcome.reaction {
            harness_errors += 1;
            if harness_errors >= HARNESS_ERRORS_IN_A_ROW {
                summary.stopped = Some(format!(
                    "{HARNESS_ERRORS_IN_A_ROW} iterations in a row could not be run: {why}"
                ));
                index += 1;
                break;
            }
        } else {
            harness_errors = 0;
        }
        let found = outcome.reaction.is_finding();
        if found {
            let target = Target::by_name(&it.target).unwrap_or(config.targets[0]);
            let mut finding = Finding::new(role, target, config, &it, &outcome);
            if store.is_new(&finding.signature) && config.minimize {
                finding.minimized = minimize(dut, config, &it, &outcome, &finding.signature);
            }
            store.record(finding)?;
        }
        index += 1;
        if found || (config.health_every > 0 && index.is_multiple_of(config.health_every)) {
            let target = Target::by_name(&it.target).unwrap_or(config.targets[0]);
            summary.health_sessions += 1;
            match health(dut, config, target, index) {
                Ok(()) => failing_health = 0,
                // rspcheck could not run the session (e.g. the DUT's inventory is used up):
                // nothing to say about the DUT.
                Err(HealthError::Harness(why)) => {
                    summary.stopped = Some(format!("the health session could not be run: {why}"));
                    break;
                }
                Err(HealthError::Dut(why)) => {
                    failing_health += 1;
                    // Retried with fresh sessions; a DUT that stays down is reported, not
                    // fuzzed on.
                    while failing_health < UNHEALTHY_AFTER {
                        summary.health_sessions += 1;
                        match health(dut, config, target, index + u64::from(failing_health)) {
                            Ok(()) => {
                                failing_health = 0;
                                break;
                            }
                            Err(HealthError::Dut(_)) => failing_health += 1,
                            Err(HealthError::Harness(h)) => {
                                summary.stopped =
                                    Some(format!("the health session could not be run: {h}"));
                                break;
                            }
                        }
                    }
                    if summary.stopped.is_some() {
                        break;
                    }
                    if failing_health >= UNHEALTHY_AFTER {
                        summary.stopped = Some(format!(
                            "after iteration {} the DUT failed {UNHEALTHY_AFTER} nominal sessions in a row: {why}",
                            index - 1
                        ));
                        store.record(Finding::unhealthy(role, config, &it, &why))?;
                        break;
                    }
                }
            }
        }
        if index.is_multiple_of(50) {
            summary.iterations = index;
            store.checkpoint(&summary)?;
        }
    }
    summary.iterations = index;
    let wall = started.elapsed();
    summary.wall_ms = u64::try_from(wall.as_millis()).unwrap_or(u64::MAX);
    summary.per_second = if wall.as_secs_f64() > 0.0 {
        index as f64 / wall.as_secs_f64()
    } else {
        0.0
    };
    summary.findings = store.unique();
    store.checkpoint(&summary)?;
    Ok(summary)
}

/// A nominal session of the target's flow: it must end as the nominal flow does.
fn health(
    dut: &Dut,
    config: &CampaignConfig,
    target: &'static Target,
    index: u64,
) -> Result<(), HealthError> {
    let it = Iteration {
        index,
        target: target.name.into(),
        strategy: "none".into(),
        mutation_seed: 0,
        world_seed: crate::engine::case_seed(config.seed, &format!("fuzz/health/{index}")),
    };
    let o = run_iteration(dut, config, &it, None);
    match o.reaction {
        Reaction::Nominal => Ok(()),
        Reaction::HarnessError(why) => Err(HealthError::Harness(why)),
        other => Err(HealthError::Dut(format!(
            "{} ({})",
            other.describe(),
            o.observation.map(|obs| obs.summary()).unwrap_or_default()
        ))),
    }
}

/// Why a health session failed: the DUT's doing, or rspcheck's.
enum HealthError {
    Dut(String),
    Harness(String),
}

/// Runs one iteration on its own thread (a hang is bounded by `config.timeout`); `patch`
/// replaces the strategy (minimization and the replay of a minimized finding).
pub fn run_iteration(
    dut: &Dut,
    config: &CampaignConfig,
    it: &Iteration,
    patch: Option<&Minimized>,
) -> Outcome {
    let started = Instant::now();
    let Some(target) = Target::by_name(&it.target) else {
        return Outcome {
            reaction: Reaction::HarnessError(format!("unknown target {}", it.target)),
            applied: None,
            observation: None,
            secrets: Vec::new(),
            elapsed: started.elapsed(),
        };
    };
    let (tx, rx) = mpsc::channel();
    let mut spec = dut.world.clone();
    spec.seed = it.world_seed;
    let it_owned = it.clone();
    let patch = patch.cloned();
    let vectors = config.vectors.clone();
    let repo_vectors = config.repo_vectors.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("fuzz {}", it.index))
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                execute(
                    target,
                    spec,
                    &it_owned,
                    patch.as_ref(),
                    vectors,
                    repo_vectors,
                )
            }));
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return Outcome {
            reaction: Reaction::HarnessError(format!("could not start a thread: {e}")),
            applied: None,
            observation: None,
            secrets: Vec::new(),
            elapsed: started.elapsed(),
        };
    }
    let mut secrets = Vec::new();
    let (reaction, applied, observation) = match rx.recv_timeout(config.timeout) {
        Ok(Ok(Ok((obs, applied, s)))) => {
            secrets = s;
            let reaction = oracle::classify(target, &it.strategy, &obs, applied.as_ref());
            (reaction, applied, Some(obs))
        }
        Ok(Ok(Err(harness))) => (Reaction::HarnessError(harness), None, None),
        // A reference role under test runs in this thread: its panic is the DUT's crash. With
        // a DUT outside (card, server, LPA command) a panic here is rspcheck's own.
        Ok(Err(panic)) => {
            let what = crate::engine::panic_message(panic.as_ref());
            let reaction = if dut_in_process(dut) {
                Reaction::Crash(format!("panic: {what}"))
            } else {
                Reaction::HarnessError(format!("rspcheck panicked: {what}"))
            };
            (reaction, None, None)
        }
        Err(_) => (
            Reaction::Hang(format!("no end within {} ms", config.timeout.as_millis())),
            None,
            None,
        ),
    };
    Outcome {
        reaction,
        applied,
        observation,
        secrets,
        elapsed: started.elapsed(),
    }
}

/// Whether the DUT is a reference role running inside this process.
fn dut_in_process(dut: &Dut) -> bool {
    let w = &dut.world;
    match dut.ics.role {
        crate::ics::Role::Euicc => w.card_dut.is_none(),
        crate::ics::Role::Smdp => w.smdp_dut.is_none(),
        crate::ics::Role::Smds => w.smds_dut.is_none(),
        crate::ics::Role::Lpa => w.lpa_command.is_none(),
    }
}

type Executed = Result<(Observation, Option<mutation::FuzzApplied>, Vec<String>), String>;

/// The iteration's session: order, then the target's flow with its mutation.
fn execute(
    target: &'static Target,
    spec: crate::world::WorldSpec,
    it: &Iteration,
    patch: Option<&Minimized>,
    vectors: Option<PathBuf>,
    repo_vectors: PathBuf,
) -> Executed {
    let mut world = World::build(spec).map_err(|e| format!("world: {e}"))?;
    let nominal = it.strategy == "none";
    let mut rng = Rng::new(it.mutation_seed);
    let name = it.strategy.split_once(':').map_or("", |(_, n)| n);
    let run = |world: &mut World, action: &str, args: toml::Table, mutations: Vec<Mutation>| {
        let mut ctx = Ctx {
            world,
            args,
            mutations,
            vectors: vectors.clone(),
            repo_vectors: repo_vectors.clone(),
        };
        actions::run(action, &mut ctx)
    };
    let setup = |obs: Observation, what: &str| -> Result<Observation, String> {
        match obs.harness_error {
            Some(e) => Err(format!("{what}: {e}")),
            None => Ok(obs),
        }
    };
    let mut args = toml::Table::new();
    let mut mutations = Vec::new();
    let mut applied: Option<mutation::FuzzApplied> = None;
    if target.role == crate::ics::Role::Smds {
        setup(
            run(&mut world, "es12.register", toml::Table::new(), Vec::new()),
            "es12.register",
        )?;
    } else {
        setup(
            run(&mut world, "smdp.order", toml::Table::new(), Vec::new()),
            "smdp.order",
        )?;
    }
    let fuzz = |on: &str| Mutation {
        op: MutationOp::Fuzz,
        on: Some(on.to_owned()),
        field: patch.and_then(|p| p.field.clone()),
        path: None,
        key: patch.and_then(|p| p.key.clone()),
        hex: None,
        int: None,
        text: None,
        value: None,
        cert: None,
        keep: None,
        strategy: Some(if patch.is_some() {
            "patch".into()
        } else {
            it.strategy.clone()
        }),
        seed: Some(it.mutation_seed),
        patch: patch.map(|p| p.patch.clone()),
    };
    let action = match target.kind {
        TargetKind::Es10 { function, .. } => {
            if !nominal {
                mutations.push(fuzz(function));
            }
            "lpa.download"
        }
        TargetKind::BppPieces => {
            if !nominal {
                mutations.push(fuzz("LoadBoundProfilePackage"));
            }
            "lpa.download"
        }
        TargetKind::Remote { function, es11, .. } => {
            if !nominal {
                let m = fuzz(function);
                // A patch of a JSON body is always inside a base64 field.
                if patch.is_some() && m.field.is_none() {
                    return Err("a JSON patch needs its field".into());
                }
                mutations.push(m);
            }
            if es11 {
                "lpa.discover"
            } else {
                "lpa.download"
            }
        }
        TargetKind::ProfilePackage => {
            if !nominal {
                let original = world
                    .ordered_profile
                    .clone()
                    .ok_or("the order holds no profile package")?;
                let (package, description) = match patch {
                    Some(p) => {
                        let patch = mutation::Patch::parse(&p.patch)?;
                        (patch.apply(&original)?, format!("patch {}", patch.render()))
                    }
                    None => {
                        let s = pe::PeStrategy::from_name(name)
                            .ok_or_else(|| format!("{}: unknown", it.strategy))?;
                        match pe::mutate(&original, s, &mut rng) {
                            Ok(m) => m,
                            // Nothing this strategy can change in this profile.
                            Err(e) => {
                                let obs = Observation {
                                    harness_error: Some(e),
                                    ..Observation::default()
                                };
                                return Ok((obs, None, world.secrets.clone()));
                            }
                        }
                    }
                };
                let service = world
                    .smdp
                    .reference()
                    .ok_or("profile-package fuzzing needs the reference SM-DP+")?
                    .clone();
                service
                    .with(|s| {
                        s.arm(rsp_smdp::faults::ArmedFault {
                            function: Some(rsp_codec::json::Es9Function::GetBoundProfilePackage),
                            fault: rsp_smdp::faults::Fault::ProfilePackage {
                                der_hex: hex::encode_upper(&package),
                            },
                            times: 1,
                        })
                    })
                    .map_err(|e| format!("arming the profile package: {e}"))?;
                applied = Some(mutation::FuzzApplied {
                    function: "LoadBoundProfilePackage".into(),
                    description,
                    path: "profile package".into(),
                    breaks_message: false,
                    drops_mandatory: false,
                    json_key: None,
                    original: hex::encode_upper(&original),
                    mutated: hex::encode_upper(&package),
                    patch_base: Some((hex::encode_upper(&original), hex::encode_upper(&package))),
                    answer: None,
                });
            }
            "lpa.download"
        }
        TargetKind::ActivationCode => {
            if !nominal {
                let ac = world
                    .vars
                    .get("activation_code")
                    .cloned()
                    .ok_or("the order gave no activation code")?;
                let (text, description) = match patch {
                    Some(p) => {
                        let patch = mutation::Patch::parse(&p.patch)?;
                        let bytes = patch.apply(ac.as_bytes())?;
                        (
                            String::from_utf8_lossy(&bytes).into_owned(),
                            format!("patch {}", patch.render()),
                        )
                    }
                    None => {
                        let s = AcStrategy::from_name(name)
                            .ok_or_else(|| format!("{}: unknown", it.strategy))?;
                        let (t, what) = mutate::mutate_activation_code(&ac, s, &mut rng);
                        (t, format!("ac:{} {what}", s.name()))
                    }
                };
                args.insert("activation_code".into(), toml::Value::String(text.clone()));
                applied = Some(mutation::FuzzApplied {
                    function: "activation code".into(),
                    description,
                    path: "activation code".into(),
                    breaks_message: false,
                    drops_mandatory: false,
                    json_key: None,
                    original: ac.clone(),
                    mutated: text.clone(),
                    patch_base: Some((
                        hex::encode_upper(ac.as_bytes()),
                        hex::encode_upper(text.as_bytes()),
                    )),
                    answer: None,
                });
            }
            "lpa.download"
        }
        TargetKind::Es9Answers => {
            if !nominal {
                let function = *rng
                    .pick(&targets::ANSWERED)
                    .unwrap_or(&"InitiateAuthentication");
                let service = world
                    .smdp
                    .reference()
                    .ok_or("answer fuzzing needs the reference SM-DP+")?
                    .clone();
                let record: Arc<Mutex<Option<mutation::FuzzApplied>>> = Arc::default();
                let seen = record.clone();
                let strategy = it.strategy.clone();
                let seed = rng.next_u64();
                let patch = patch.cloned();
                let filter: rsp_smdp::http::AnswerFilter =
                    Arc::new(move |f, body: &mut Vec<u8>| {
                        if f.name() != function {
                            return;
                        }
                        let mut slot = seen.lock().unwrap_or_else(|p| p.into_inner());
                        if slot.is_some() {
                            return;
                        }
                        *slot = mutate_answer(function, &strategy, seed, patch.as_ref(), body);
                    });
                service.set_answer_filter(Some(filter));
                let obs = run(&mut world, "lpa.download", args, mutations);
                service.set_answer_filter(None);
                let applied = record.lock().unwrap_or_else(|p| p.into_inner()).take();
                world.end_download();
                return Ok((obs, applied, world.secrets.clone()));
            }
            "lpa.download"
        }
    };
    let mut obs = run(&mut world, action, args, mutations);
    if let Some(mut a) = applied {
        // A mutation the fuzzer made itself (profile package, activation code) is answered by
        // the download as a whole.
        a.answer = match (&obs.outcome, &obs.pir) {
            (Some(o), _) if o == "installed" => Some(mutation::Answer::Accepted),
            (_, Some(Some((b, r)))) => Some(mutation::Answer::Refused(format!(
                "PIR error bppCommandId {b} errorReason {r}"
            ))),
            (Some(o), _) => Some(mutation::Answer::Refused(o.clone())),
            _ => None,
        };
        obs.fuzz = Some(a);
    }
    world.end_download();
    let applied = obs.fuzz.clone();
    Ok((obs, applied, world.secrets.clone()))
}

/// Changes one SM-DP+ answer body for the LPA under test.
fn mutate_answer(
    function: &str,
    strategy: &str,
    seed: u64,
    patch: Option<&Minimized>,
    body: &mut Vec<u8>,
) -> Option<mutation::FuzzApplied> {
    let original = String::from_utf8_lossy(body).into_owned();
    let mut rng = Rng::new(seed);
    let (kind, name) = strategy.split_once(':').unwrap_or((strategy, ""));
    let description = if let Some(p) = patch {
        let patch = mutation::Patch::parse(&p.patch).ok()?;
        *body = patch.apply(body).ok()?;
        format!("patch {}", patch.render())
    } else if kind == "answer-bytes" {
        let s = BytesStrategy::from_name(name)?;
        let (bytes, what) = mutate::mutate_bytes(body, s, &mut rng);
        *body = bytes;
        format!("answer-bytes:{} {what}", s.name())
    } else {
        let s = JsonStrategy::from_name(name)?;
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let m = mutate::mutate_json(&value, s, &mutation::key_type, &mut rng).ok()?;
        *body = m.body.to_string().into_bytes();
        m.description
    };
    Some(mutation::FuzzApplied {
        function: function.into(),
        description,
        path: format!("{function} answer"),
        breaks_message: false,
        drops_mandatory: false,
        json_key: None,
        patch_base: Some((
            hex::encode_upper(original.as_bytes()),
            hex::encode_upper(&*body),
        )),
        original,
        mutated: String::from_utf8_lossy(body).into_owned(),
        answer: None,
    })
}

/// Shrinks the finding's change to the smallest byte patch that still gives the same
/// signature (greedy halving of the inserted and deleted bytes, at most
/// [`MINIMIZE_TRIALS`] iterations).
fn minimize(
    dut: &Dut,
    config: &CampaignConfig,
    it: &Iteration,
    outcome: &Outcome,
    signature: &str,
) -> Option<Minimized> {
    let applied = outcome.applied.as_ref()?;
    let (before, after) = applied.patch_base.as_ref()?;
    let before = hex::decode(before).ok()?;
    let after = hex::decode(after).ok()?;
    let target = Target::by_name(&it.target)?;
    let field = match target.kind {
        TargetKind::Remote { .. } => Some(applied.json_key.clone()?),
        _ => None,
    };
    let mut best = mutation::Patch::between(&before, &after);
    let original_size = best.delete + best.insert.len();
    let mut trials = 0u32;
    let role = dut.ics.role;
    let attempt = |p: &mutation::Patch, trials: &mut u32| -> bool {
        *trials += 1;
        let m = Minimized {
            patch: p.render(),
            field: field.clone(),
            key: None,
            trials: 0,
            original_size,
        };
        let o = run_iteration(dut, config, it, Some(&m));
        o.reaction.is_finding() && Finding::signature_of(role, target, it, &o) == signature
    };
    // The exact patch must reproduce, or minimizing means nothing (e.g. a random value in the
    // message changed between sessions).
    if !attempt(&best, &mut trials) {
        return None;
    }
    'shrink: while trials < MINIMIZE_TRIALS {
        for candidate in shrink(&best) {
            if trials >= MINIMIZE_TRIALS {
                break 'shrink;
            }
            if attempt(&candidate, &mut trials) {
                best = candidate;
                continue 'shrink;
            }
        }
        break;
    }
    Some(Minimized {
        patch: best.render(),
        field,
        key: None,
        trials,
        original_size,
    })
}

/// Smaller patches than `p`, most promising first.
fn shrink(p: &mutation::Patch) -> Vec<mutation::Patch> {
    let mut out = Vec::new();
    let ins = p.insert.len();
    if ins > 1 {
        let half = ins / 2;
        out.push(mutation::Patch {
            insert: p.insert[..half].to_vec(),
            ..p.clone()
        });
        out.push(mutation::Patch {
            insert: p.insert[half..].to_vec(),
            ..p.clone()
        });
    }
    if p.delete > 1 {
        let half = p.delete / 2;
        out.push(mutation::Patch {
            delete: p.delete - half,
            ..p.clone()
        });
        out.push(mutation::Patch {
            start: p.start + half,
            delete: p.delete - half,
            ..p.clone()
        });
    }
    out
}

/// Replays a stored finding: the same iteration (its minimized patch when it has one).
pub fn replay(dut: &Dut, config: &CampaignConfig, finding: &Finding) -> Outcome {
    let it = Iteration {
        index: finding.iteration,
        target: finding.target.clone(),
        strategy: finding.strategy.clone(),
        mutation_seed: finding.mutation_seed,
        world_seed: finding.world_seed,
    };
    run_iteration(dut, config, &it, finding.minimized.as_ref())
}
