//! `rspcheck fuzz`: live protocol fuzzing of a device under test (or of a reference role, with
//! or without a planted bug), and `--replay` of a stored finding.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use rsp_runner::engine::Dut;
use rsp_runner::fuzz::{self, CampaignConfig, CampaignSummary, Target};
use rsp_runner::ics::Role;
use rsp_runner::world::PlantedBug;

use crate::Failure;

#[derive(Args, Debug)]
pub struct FuzzArgs {
    /// The device under test's ICS; without it, a reference implementation (`--role`).
    #[arg(long)]
    ics: Option<PathBuf>,
    /// Without --ics: the reference role to fuzz (euicc, smdp, smds, lpa); repeatable, default
    /// all four, one campaign each.
    #[arg(long = "role")]
    roles: Vec<String>,
    /// Plant a bug in the reference role (the fuzzer's self-test): euicc-mac-blind-segment-3,
    /// smdp-500-on-unknown-key, smds-accepts-bad-signature, lpa-panic-on-multibyte-ac.
    #[arg(long)]
    planted: Option<String>,
    /// Message kinds to fuzz (repeatable; default every one of the DUT's role). `--list`
    /// shows them.
    #[arg(long = "target")]
    targets: Vec<String>,
    /// Strategies to use (repeatable, e.g. `bit-flip`, `der:length-huge`); default all.
    #[arg(long = "strategy")]
    strategies: Vec<String>,
    /// Iterations per campaign (default 100 when --time is not given).
    #[arg(long)]
    iterations: Option<u64>,
    /// Time budget per campaign, seconds.
    #[arg(long)]
    time: Option<u64>,
    /// Seed of the campaign: every iteration derives from it and its index.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A nominal health session every this many iterations (and after each finding).
    #[arg(long, default_value_t = 25)]
    health_every: u64,
    /// Longest one iteration may take before it counts as a hang, milliseconds.
    #[arg(long, default_value_t = 20_000)]
    timeout_ms: u64,
    /// Keep findings as found (no minimization).
    #[arg(long)]
    no_minimize: bool,
    /// Output directory (default: reports/fuzz/<UTC timestamp>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Show matching IDs and other secrets in the findings and the report.
    #[arg(long)]
    reveal_secrets: bool,
    /// Host overrides for DUT servers: NAME=IP:PORT (repeatable).
    #[arg(long)]
    resolve: Vec<String>,
    /// Replay a finding file (fuzz/findings/NNN-….json) against the DUT given the same way as
    /// in the campaign; exit status 1 when it still reproduces, 0 when it does not.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// List the targets and their strategies, run nothing.
    #[arg(long)]
    list: bool,
}

pub fn fuzz(args: FuzzArgs) -> Result<(), Failure> {
    let usage = |m: String| Failure(m, 2);
    if args.list {
        for t in fuzz::TARGETS {
            println!("{:<32} {:<6} {}", t.name, t.role.name(), t.about);
            println!("{:<32}        {}", "", t.strategies().join(" "));
        }
        return Ok(());
    }
    let planted = args
        .planted
        .as_deref()
        .map(|p| {
            PlantedBug::from_name(p).ok_or_else(|| {
                usage(format!(
                    "--planted {p:?}: one of {}",
                    PlantedBug::ALL.map(PlantedBug::name).join(", ")
                ))
            })
        })
        .transpose()?;
    if planted.is_some() && args.ics.is_some() {
        return Err(usage(
            "--planted plants a bug in a reference role: not with --ics".into(),
        ));
    }
    let roles: Vec<Role> = if let Some(p) = planted {
        vec![p.role()]
    } else if args.ics.is_some() {
        vec![
            rsp_runner::ics::Ics::load(args.ics.as_deref().unwrap_or_else(|| unreachable!()))
                .map_err(|e| usage(e.to_string()))?
                .role,
        ]
    } else if args.roles.is_empty() {
        Role::ALL.to_vec()
    } else {
        args.roles
            .iter()
            .map(|r| {
                Role::parse(r)
                    .ok_or_else(|| usage(format!("--role {r:?}: euicc, smdp, smds or lpa")))
            })
            .collect::<Result<_, _>>()?
    };
    let timeout = Duration::from_millis(args.timeout_ms.max(100));
    if let Some(file) = &args.replay {
        let finding = fuzz::store::load(file).map_err(|e| usage(e.to_string()))?;
        let role = Role::parse(&finding.role)
            .ok_or_else(|| usage(format!("{}: unknown role {}", file.display(), finding.role)))?;
        let dut = dut(&args, role, planted, timeout)?;
        let config = config(
            &args,
            &[],
            args.out.clone().unwrap_or_else(std::env::temp_dir),
            timeout,
        );
        let outcome = fuzz::replay(&dut, &config, &finding);
        let target = Target::by_name(&finding.target)
            .ok_or_else(|| usage(format!("unknown target {}", finding.target)))?;
        let it = fuzz::Iteration {
            index: finding.iteration,
            target: finding.target.clone(),
            strategy: finding.strategy.clone(),
            mutation_seed: finding.mutation_seed,
            world_seed: finding.world_seed,
        };
        let signature = fuzz::Finding::signature_of(role, target, &it, &outcome);
        println!("finding:  {}", finding.signature);
        println!("replayed: {} ({})", outcome.reaction.describe(), signature);
        return if outcome.reaction.is_finding() && signature == finding.signature {
            Err(Failure("the finding reproduces".into(), 1))
        } else {
            println!("the finding does not reproduce");
            Ok(())
        };
    }
    let out_root = args.out.clone().unwrap_or_else(|| {
        rsp_runner::engine::repo_root()
            .join("reports/fuzz")
            .join(timestamp())
    });
    let mut total_findings = 0;
    for &role in &roles {
        let out = if roles.len() == 1 {
            out_root.clone()
        } else {
            out_root.join(role.name())
        };
        let targets: Vec<&'static Target> = if args.targets.is_empty() {
            Target::of_role(role)
        } else {
            args.targets
                .iter()
                .map(|t| {
                    Target::by_name(t).ok_or_else(|| {
                        usage(format!(
                            "--target {t:?}: one of {}",
                            fuzz::TARGETS
                                .iter()
                                .map(|t| t.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })
                })
                .collect::<Result<_, _>>()?
        };
        let targets: Vec<&'static Target> =
            targets.into_iter().filter(|t| t.role == role).collect();
        let dut = dut(&args, role, planted, timeout)?;
        let config = config(&args, &targets, out.clone(), timeout);
        eprintln!(
            "fuzzing the {} ({}): {} targets, seed {}",
            role.name(),
            dut.identity.adapter,
            targets.len(),
            args.seed
        );
        let summary = fuzz::run_campaign(&dut, &config, &|it, o| {
            if o.reaction.is_finding() {
                eprintln!(
                    "  finding at iteration {} ({} {}): {}",
                    it.index,
                    it.target,
                    it.strategy,
                    o.reaction.describe()
                );
            }
        })
        .map_err(|e| Failure(e.to_string(), 2))?;
        let paths = fuzz::report::write(&out, &summary, args.reveal_secrets)
            .map_err(|e| Failure(e.to_string(), 2))?;
        print_summary(&summary);
        println!("report: {}", paths.index_html.display());
        total_findings += summary.findings.len();
    }
    if total_findings > 0 {
        Err(Failure(format!("{total_findings} finding(s)"), 1))
    } else {
        Ok(())
    }
}

fn dut(
    args: &FuzzArgs,
    role: Role,
    planted: Option<PlantedBug>,
    timeout: Duration,
) -> Result<Dut, Failure> {
    let mut dut = crate::run_cmd::fuzz_dut(args.ics.clone(), role, args.resolve.clone(), timeout)?;
    if let Some(p) = planted {
        dut.world.planted = Some(p);
        dut.identity.adapter = format!("{} with planted bug {}", dut.identity.adapter, p.name());
        if p == PlantedBug::LpaPanicOnMultibyteAc {
            if let Some(c) = dut.world.lpa_command.as_mut() {
                c.download.push_str(" --planted-bug panic-on-multibyte-ac");
            }
        }
    }
    Ok(dut)
}

fn config(
    args: &FuzzArgs,
    targets: &[&'static Target],
    out: PathBuf,
    timeout: Duration,
) -> CampaignConfig {
    let mut dut_args = String::new();
    if let Some(ics) = &args.ics {
        dut_args.push_str(&format!(" --ics {}", ics.display()));
    }
    if let Some(p) = &args.planted {
        dut_args.push_str(&format!(" --planted {p}"));
    }
    for r in &args.resolve {
        dut_args.push_str(&format!(" --resolve {r}"));
    }
    CampaignConfig {
        seed: args.seed,
        targets: targets.to_vec(),
        strategies: args.strategies.clone(),
        iterations: args.iterations,
        time: args.time.map(Duration::from_secs),
        health_every: args.health_every,
        timeout,
        minimize: !args.no_minimize,
        reveal_secrets: args.reveal_secrets,
        replay_template: format!(
            "rspcheck fuzz{dut_args} --replay {}",
            out.join("fuzz").join("{finding}").display()
        ),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        started_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
        out_dir: out,
        vectors: rsp_runner::engine::shared_vectors(),
        repo_vectors: rsp_runner::engine::repo_root().join("vectors"),
    }
}

fn print_summary(s: &CampaignSummary) {
    println!(
        "{}: {} iterations in {:.1} s ({:.1}/s), {} health sessions, {} findings",
        s.role,
        s.iterations,
        s.wall_ms as f64 / 1000.0,
        s.per_second,
        s.health_sessions,
        s.findings.len()
    );
    for t in &s.targets {
        let reactions: Vec<String> = t
            .reactions
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!(
            "  {:<32} {:>5}  {}",
            t.target,
            t.iterations,
            reactions.join(", ")
        );
    }
    for f in &s.findings {
        println!(
            "  finding {}: {} ×{}",
            f.signature,
            f.reaction.describe(),
            f.duplicates + 1
        );
        println!("    replay: {}", f.replay);
    }
    if let Some(why) = &s.stopped {
        println!("  stopped: {why}");
    }
}

fn timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rsp_runner::report::utc_date(secs).replace([' ', ':'], "-")
}
