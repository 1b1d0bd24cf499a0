//! `rspcheck run`: scenario suites against a device under test (or, without one, the self-test
//! of the reference implementations), the results journal, and the reports.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rsp_runner::engine::{self, Dut, RunConfig, Selection};
use rsp_runner::expectations::Expectations;
use rsp_runner::ics::{Ics, Role};
use rsp_runner::journal::{self, CaseRecord, DutIdentity};
use rsp_runner::report::{self, ReportOptions};
use rsp_runner::scenario::{self, Catalogue};
use rsp_runner::world::Pki;

use crate::Failure;

#[derive(Args, Debug, Default)]
pub struct RunArgs {
    /// The device under test's ICS (TOML, see `rspcheck ics template`). Without it: the
    /// self-test, every role played by rspcheck's reference implementations.
    #[arg(long)]
    ics: Option<PathBuf>,
    /// Self-test only these roles (euicc, smdp, smds, lpa); repeatable.
    #[arg(long = "role")]
    roles: Vec<String>,
    /// Known failures of the DUT (TOML: case glob, reason, optional message, link).
    #[arg(long)]
    expectations: Option<PathBuf>,
    /// Scenario folder (default: the suites/ of this source tree).
    #[arg(long)]
    suites: Option<PathBuf>,
    /// Case id globs to run (repeatable); default all.
    #[arg(long = "id")]
    ids: Vec<String>,
    /// Tags to run (repeatable); default all.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Case id globs to leave out (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// Seed of the run: every case's randomness derives from it and the case id.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Cases run side by side (each in its own world).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Guard timeout per case, seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Run directory (default: reports/out/<UTC timestamp>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in this directory: finished cases are kept, the rest run.
    #[arg(long, conflicts_with = "out")]
    resume: Option<PathBuf>,
    /// Print the catalogue with each case's applicability under the ICS, run nothing.
    #[arg(long)]
    list: bool,
    /// Show matching IDs, confirmation codes and keys in the reports.
    #[arg(long)]
    reveal_secrets: bool,
    /// Host overrides for DUT servers: NAME=IP:PORT (repeatable).
    #[arg(long)]
    resolve: Vec<String>,
    /// Leave out the self-test's own known failures (`rspcheck compat` judges a profile).
    #[arg(skip)]
    without_selftest_expectations: bool,
    /// Self-test without a selection: after the cases, a live-fuzz campaign of this many
    /// iterations against each reference role (`fuzz-<role>/` in the run; 0: none).
    #[arg(long, default_value_t = SELF_TEST_FUZZ_ITERATIONS)]
    fuzz_iterations: u64,
}

/// Iterations of the self-test's live-fuzz campaign per role.
const SELF_TEST_FUZZ_ITERATIONS: u64 = 40;

#[derive(Args, Debug)]
pub struct CompatArgs {
    /// The profile package (DER ProfileElements).
    profile: PathBuf,
    /// Reference eUICC personalities to run it under (repeatable; `all` for every one).
    /// Without any: the reference eUICC as it is, or the card of `--ics`.
    #[arg(long = "personality")]
    personalities: Vec<String>,
    /// The eUICC under test's ICS (its PC/SC reader); default the reference eUICC.
    #[arg(long)]
    ics: Option<PathBuf>,
    /// Known failures of the eUICC (TOML: case glob, reason, …).
    #[arg(long)]
    expectations: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Run directory (default: reports/out/<UTC timestamp>).
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long)]
    reveal_secrets: bool,
}

/// `rspcheck compat`: a one-file suite declaring the matrix for the profile, run like
/// `rspcheck run` restricted to the eUICC.
pub fn compat(args: CompatArgs) -> Result<(), Failure> {
    let profile = std::fs::canonicalize(&args.profile)
        .map_err(|e| Failure(format!("{}: {e}", args.profile.display()), 2))?;
    let personalities: Vec<String> = if args.personalities.iter().any(|p| p == "all") {
        rsp_euicc::Personality::ALL
            .iter()
            .map(|p| p.name().to_owned())
            .collect()
    } else {
        args.personalities.clone()
    };
    if !personalities.is_empty() && args.ics.is_some() {
        return Err(Failure(
            "--personality applies to the reference eUICC, not to a card under test (--ics)".into(),
            2,
        ));
    }
    let suites = tempfile::tempdir().map_err(|e| Failure(format!("temporary suite: {e}"), 2))?;
    // JSON string quoting is valid TOML basic-string quoting.
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut text = format!(
        "dut = \"euicc\"\ninterface = \"Profile package\"\ngroup = \"Compatibility\"\n\
         tags = [\"compat\"]\n\n[[matrix]]\nprofiles = [{}]\n",
        quote(&format!("file:{}", profile.display()))
    );
    if !personalities.is_empty() {
        let list: Vec<String> = personalities.iter().map(|p| quote(p)).collect();
        text.push_str(&format!("personalities = [{}]\n", list.join(", ")));
    }
    let dir = suites.path().join("compat");
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("compat.toml"), text))
        .map_err(|e| Failure(format!("temporary suite: {e}"), 2))?;
    run(RunArgs {
        ics: args.ics,
        roles: vec!["euicc".into()],
        expectations: args.expectations,
        suites: Some(suites.path().to_owned()),
        seed: args.seed,
        jobs: args.jobs,
        timeout: 60,
        out: args.out,
        reveal_secrets: args.reveal_secrets,
        without_selftest_expectations: true,
        ..RunArgs::default()
    })
}

/// The self-test's LPA under test: rspcheck's own LPA command line (card, trust, host
/// overrides), then what it is asked to do.
const SELF_TEST_LPA_CARD: &str = "{rspcheck} lpa --card {card} --pki {pki} \
     --euicc-config {euicc_config} --resolve {smdp_resolve} --resolve {smds_resolve}";
const SELF_TEST_LPA_DOWNLOAD: &str =
    "profile download --ac {activation_code} --confirmation-code {confirmation_code}";

impl RunArgs {
    /// `rspcheck` with no arguments: the self-test with the defaults `rspcheck run` has.
    pub fn default_self_test() -> RunArgs {
        RunArgs {
            seed: 1,
            jobs: 2,
            timeout: 60,
            fuzz_iterations: SELF_TEST_FUZZ_ITERATIONS,
            ..RunArgs::default()
        }
    }
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let suites = args
        .suites
        .clone()
        .unwrap_or_else(|| engine::repo_root().join("suites"));
    let catalogue = scenario::load_dir(&suites).map_err(|e| Failure(format!("suites: {e}"), 2))?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    let mut duts = duts(&args, timeout)?;
    if !args.list {
        for d in &mut duts {
            let read = engine::identify(d, &engine::repo_root().join("vectors"));
            d.identity.identity.extend(read);
        }
    }
    let selection = Selection {
        ids: args.ids.clone(),
        tags: args.tags.clone(),
        exclude: args.exclude.clone(),
    };
    if args.list {
        list(&catalogue, &selection, &duts);
        return Ok(());
    }
    // The one read of the wall clock: it names the run directory and dates the journal.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let started_at = i64::try_from(now).unwrap_or(i64::MAX);
    let (run_dir, resume) = match (&args.resume, &args.out) {
        (Some(dir), _) => (dir.clone(), true),
        (None, Some(dir)) => (dir.clone(), false),
        (None, None) => (
            PathBuf::from("reports/out").join(timestamp(started_at)),
            false,
        ),
    };
    let command = command_line(&args);
    let config = RunConfig {
        run_dir: run_dir.clone(),
        seed: args.seed,
        selection: selection.clone(),
        duts,
        jobs: args.jobs,
        case_timeout: timeout,
        resume,
        reveal_secrets: args.reveal_secrets,
        command: command.clone(),
        rerun_template: rerun_template(&args),
        vectors: engine::shared_vectors(),
        repo_vectors: engine::repo_root().join("vectors"),
        started_at,
    };
    let planned = engine::plan(&catalogue, &selection, &config.duts).len();
    let bar = ProgressBar::new(planned as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let failures = Mutex::new(Vec::<String>::new());
    let on_case = |c: &CaseRecord| {
        bar.inc(1);
        bar.set_message(c.id.clone());
        let known = matches!(
            c.expectation,
            Some(journal::ExpectationMark::ExpectedFail { .. })
        );
        if matches!(c.outcome.name(), "fail" | "error" | "inconclusive") && !known {
            let line = format!(
                "{:<12} {}: {}",
                c.outcome.name(),
                c.id,
                c.outcome.reason().unwrap_or_default()
            );
            // A hidden bar (no terminal: CI logs) prints nothing itself.
            if bar.is_hidden() {
                println!("{line}");
            } else {
                bar.println(&line);
            }
            failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(line);
        }
    };
    let summary =
        engine::run(&catalogue, &config, &on_case).map_err(|e| Failure(format!("run: {e}"), 2))?;
    bar.finish_and_clear();
    let fuzz_findings = if args.ics.is_none()
        && args.fuzz_iterations > 0
        && args.ids.is_empty()
        && args.tags.is_empty()
        && args.exclude.is_empty()
    {
        self_test_fuzz(&args, &config, timeout)?
    } else {
        0
    };
    let contents = journal::read(&run_dir.join(journal::JOURNAL_FILE))
        .map_err(|e| Failure(format!("journal: {e}"), 2))?;
    let paths = report::write_all(
        &run_dir,
        &contents,
        &ReportOptions {
            reveal_secrets: args.reveal_secrets,
        },
    )
    .map_err(|e| Failure(format!("report: {e}"), 2))?;
    print_summary(&summary.cases);
    let known = summary
        .cases
        .iter()
        .filter(|c| {
            matches!(
                c.expectation,
                Some(journal::ExpectationMark::ExpectedFail { .. })
            )
        })
        .count();
    if known > 0 {
        println!(
            "{known} of the failures are known and expected ({}; see the report).",
            match &args.expectations {
                Some(p) => p.display().to_string(),
                None => "selftest.expectations.toml: the personality compatibility matrix".into(),
            }
        );
    }
    // The self-test's own expectations cover cases a selection may leave out.
    let builtin_expectations =
        args.ics.is_none() && args.expectations.is_none() && !args.without_selftest_expectations;
    for (role, entry) in &summary.stale {
        if !builtin_expectations {
            println!("stale expectation ({role}): {entry} matches no case of this run");
        }
    }
    println!(
        "{} cases in {:.1} s (seed {}).",
        summary.cases.len(),
        summary.wall.as_secs_f64(),
        args.seed
    );
    println!("report: {}", paths.index_html.display());
    if summary.unexpected > 0 {
        return Err(Failure(
            format!("{} unexpected outcomes (see above)", summary.unexpected),
            1,
        ));
    }
    if fuzz_findings > 0 {
        return Err(Failure(
            format!("{fuzz_findings} live-fuzz finding(s) against the reference roles"),
            1,
        ));
    }
    Ok(())
}

/// The self-test's live fuzzing: a campaign against each reference role of the run, into
/// `fuzz-<role>/`; returns the number of findings.
fn self_test_fuzz(args: &RunArgs, config: &RunConfig, timeout: Duration) -> Result<usize, Failure> {
    let mut findings = 0;
    for dut in &config.duts {
        let role = dut.ics.role;
        let out = config.run_dir.join(format!("fuzz-{}", role.name()));
        let campaign = rsp_runner::fuzz::CampaignConfig {
            seed: args.seed,
            targets: rsp_runner::fuzz::Target::of_role(role),
            strategies: Vec::new(),
            iterations: Some(args.fuzz_iterations),
            time: None,
            health_every: 25,
            timeout: timeout.min(Duration::from_secs(30)),
            minimize: true,
            reveal_secrets: args.reveal_secrets,
            replay_template: format!(
                "rspcheck fuzz --role {} --seed {} --replay {}",
                role.name(),
                args.seed,
                out.join("fuzz").join("{finding}").display()
            ),
            command: format!(
                "rspcheck fuzz --role {} --seed {} --iterations {}",
                role.name(),
                args.seed,
                args.fuzz_iterations
            ),
            started_at: config.started_at,
            out_dir: out.clone(),
            vectors: config.vectors.clone(),
            repo_vectors: config.repo_vectors.clone(),
        };
        let summary = rsp_runner::fuzz::run_campaign(dut, &campaign, &|_, _| {})
            .map_err(|e| Failure(format!("fuzz {}: {e}", role.name()), 2))?;
        rsp_runner::fuzz::report::write(&out, &summary, args.reveal_secrets)
            .map_err(|e| Failure(format!("fuzz report: {e}"), 2))?;
        println!(
            "live fuzzing {}: {} iterations ({:.0}/s), {} findings",
            role.name(),
            summary.iterations,
            summary.per_second,
            summary.findings.len()
        );
        for f in &summary.findings {
            println!("  {}: {}", f.signature, f.replay);
        }
        findings += summary.findings.len();
    }
    Ok(findings)
}

/// The DUT of a fuzz campaign: the one the ICS describes, or the reference implementation of
/// `role` (the LPA through its command line, as in the self-test).
pub(crate) fn fuzz_dut(
    ics: Option<PathBuf>,
    role: Role,
    resolve: Vec<String>,
    timeout: Duration,
) -> Result<Dut, Failure> {
    let args = RunArgs {
        roles: vec![role.name().to_owned()],
        ics,
        resolve,
        without_selftest_expectations: true,
        ..RunArgs::default_self_test()
    };
    duts(&args, timeout)?
        .into_iter()
        .next()
        .ok_or_else(|| Failure("no DUT".into(), 2))
}

/// The DUTs: from the ICS, or every reference role for the self-test.
fn duts(args: &RunArgs, timeout: Duration) -> Result<Vec<Dut>, Failure> {
    let expectations = match &args.expectations {
        Some(p) => Expectations::load(p).map_err(|e| Failure(e.to_string(), 2))?,
        None => Expectations::default(),
    };
    let Some(ics_path) = &args.ics else {
        let roles: Vec<Role> = if args.roles.is_empty() {
            Role::ALL.to_vec()
        } else {
            args.roles
                .iter()
                .map(|r| {
                    Role::parse(r).ok_or_else(|| {
                        Failure(format!("--role {r:?}: euicc, smdp, smds or lpa"), 2)
                    })
                })
                .collect::<Result<_, _>>()?
        };
        let mut duts = rsp_runner::selftest::reference_duts(&roles, timeout)
            .map_err(|e| Failure(e.to_string(), 2))?;
        let builtin = match &args.expectations {
            Some(_) => None,
            None if args.without_selftest_expectations => None,
            None => {
                Some(rsp_runner::selftest::expectations().map_err(|e| Failure(e.to_string(), 2))?)
            }
        };
        for d in &mut duts {
            d.expectations = match (&builtin, d.ics.role) {
                (Some(b), Role::Euicc) => b.clone(),
                _ => expectations.clone(),
            };
            // The LPA under test is this binary's own `rspcheck lpa`, driven the way a
            // vendor's LPA is: through the command template.
            if d.ics.role == Role::Lpa {
                let lpa = |tail: &str| format!("{SELF_TEST_LPA_CARD} {tail}");
                d.world.lpa_command = Some(rsp_runner::world::LpaCommands {
                    download: lpa(SELF_TEST_LPA_DOWNLOAD),
                    default_smdp: Some(lpa("profile download --default-smdp")),
                    discover: Some(lpa("profile discover --download")),
                    notifications: Some(lpa("notification process")),
                });
                d.identity.adapter = format!("command: {}", lpa(SELF_TEST_LPA_DOWNLOAD));
            }
        }
        return Ok(duts);
    };
    let ics = Ics::load(ics_path).map_err(|e| Failure(e.to_string(), 2))?;
    let pki = match &ics.pki.dir {
        Some(dir) => {
            let dir = if dir.is_relative() {
                ics_path.parent().unwrap_or(Path::new(".")).join(dir)
            } else {
                dir.clone()
            };
            std::sync::Arc::new(Pki::load(dir).map_err(|e| Failure(e.to_string(), 2))?)
        }
        None => Pki::generated().map_err(|e| Failure(e.to_string(), 2))?,
    };
    let mut world = rsp_runner::selftest::reference_world(pki, timeout);
    world.resolve = resolve(&args.resolve)?;
    let adapter;
    match ics.role {
        Role::Smdp => {
            let server = ics.endpoints.server.clone().ok_or_else(|| {
                Failure("the ICS of an SM-DP+ needs [endpoints] server".into(), 2)
            })?;
            adapter = format!("https://{server}");
            world.smdp_dut = Some(server);
            world.es2_dut = ics.endpoints.es2plus.clone();
            world.dut_iccids = std::sync::Arc::new(rsp_runner::world::DutInventory::new(
                ics.endpoints.iccids.clone(),
            ));
        }
        Role::Smds => {
            let server =
                ics.endpoints.server.clone().ok_or_else(|| {
                    Failure("the ICS of an SM-DS needs [endpoints] server".into(), 2)
                })?;
            adapter = format!("https://{server}");
            world.smds_dut = Some(server);
            world.smds_es12_dut = ics.endpoints.es12.clone();
        }
        Role::Euicc => {
            let reader =
                ics.endpoints.reader.clone().ok_or_else(|| {
                    Failure("the ICS of an eUICC needs [endpoints] reader".into(), 2)
                })?;
            adapter = format!("pcsc:{reader}");
            world.card_dut = Some(card_opener(&reader)?);
        }
        Role::Lpa => {
            let command = ics.endpoints.lpa_command.clone().ok_or_else(|| {
                Failure("the ICS of an LPA needs [endpoints] lpa_command".into(), 2)
            })?;
            adapter = format!("command: {command}");
            world.lpa_command = Some(rsp_runner::world::LpaCommands {
                download: command,
                default_smdp: ics.endpoints.lpa_command_default.clone(),
                discover: ics.endpoints.lpa_command_discover.clone(),
                notifications: ics.endpoints.lpa_command_notifications.clone(),
            });
        }
    }
    let mut identity = vec![("ICS".to_owned(), ics_path.display().to_string())];
    if let Some(name) = &ics.name {
        identity.push(("name".into(), name.clone()));
    }
    Ok(vec![Dut {
        identity: DutIdentity {
            role: ics.role.name().to_owned(),
            adapter,
            identity,
        },
        ics,
        world,
        expectations,
    }])
}

#[cfg(feature = "pcsc")]
fn card_opener(reader: &str) -> Result<rsp_runner::world::CardOpener, Failure> {
    let reader = reader.to_owned();
    Ok(std::sync::Arc::new(move || {
        rsp_euicc::pcsc_transport::PcscTransport::connect(&reader)
            .map(|t| Box::new(t) as Box<dyn rsp_codec::apdu::Transport>)
            .map_err(|e| e.to_string())
    }))
}

#[cfg(not(feature = "pcsc"))]
fn card_opener(_reader: &str) -> Result<rsp_runner::world::CardOpener, Failure> {
    Err(Failure(
        "an eUICC in a PC/SC reader needs rspcheck built with --features pcsc".into(),
        2,
    ))
}

fn resolve(entries: &[String]) -> Result<Vec<(String, std::net::SocketAddr)>, Failure> {
    entries
        .iter()
        .map(|e| {
            let (name, addr) = e
                .split_once('=')
                .ok_or_else(|| Failure(format!("--resolve {e:?}: NAME=IP:PORT"), 2))?;
            let addr = addr
                .parse()
                .map_err(|x| Failure(format!("--resolve {e:?}: {x}"), 2))?;
            Ok((name.to_owned(), addr))
        })
        .collect()
}

fn list(catalogue: &Catalogue, selection: &Selection, duts: &[Dut]) {
    for (case, dut) in engine::plan(catalogue, selection, duts) {
        let applies = match engine::applicability(case, &duts[dut].ics) {
            Ok(()) => "applies".to_owned(),
            Err(reason) => format!("not applicable: {reason}"),
        };
        println!(
            "{:<50} {:<6} {}  [{applies}]",
            case.id,
            case.dut.name(),
            case.title
        );
    }
}

fn print_summary(cases: &[CaseRecord]) {
    const OUTCOMES: [&str; 5] = ["pass", "inconclusive", "fail", "error", "not-applicable"];
    println!(
        "{:<8} {:>6} {:>13} {:>6} {:>6} {:>15} {:>6}",
        "role", "pass", "inconclusive", "fail", "error", "not-applicable", "total"
    );
    let mut roles: Vec<&str> = cases.iter().map(|c| c.meta.dut.as_str()).collect();
    roles.sort();
    roles.dedup();
    let row = |label: &str, of: &dyn Fn(&CaseRecord) -> bool| {
        let n = |o: &str| {
            cases
                .iter()
                .filter(|c| of(c) && c.outcome.name() == o)
                .count()
        };
        println!(
            "{:<8} {:>6} {:>13} {:>6} {:>6} {:>15} {:>6}",
            label,
            n(OUTCOMES[0]),
            n(OUTCOMES[1]),
            n(OUTCOMES[2]),
            n(OUTCOMES[3]),
            n(OUTCOMES[4]),
            cases.iter().filter(|c| of(c)).count()
        );
    };
    for r in roles {
        row(r, &|c: &CaseRecord| c.meta.dut == r);
    }
    row("all", &|_| true);
}

/// `YYYYMMDD-HHMMSS` (UTC) of Unix seconds.
fn timestamp(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The command line as given (no secrets travel on it).
fn command_line(args: &RunArgs) -> String {
    let mut parts = vec!["rspcheck run".to_owned()];
    if let Some(i) = &args.ics {
        parts.push(format!("--ics {}", i.display()));
    }
    for r in &args.roles {
        parts.push(format!("--role {r}"));
    }
    for i in &args.ids {
        parts.push(format!("--id '{i}'"));
    }
    for t in &args.tags {
        parts.push(format!("--tag {t}"));
    }
    for e in &args.exclude {
        parts.push(format!("--exclude '{e}'"));
    }
    parts.push(format!("--seed {}", args.seed));
    parts.join(" ")
}

/// The command that re-runs one case alone with the same seed.
fn rerun_template(args: &RunArgs) -> String {
    let mut t = "rspcheck run".to_owned();
    if let Some(i) = &args.ics {
        t.push_str(&format!(" --ics {}", i.display()));
    }
    if let Some(e) = &args.expectations {
        t.push_str(&format!(" --expectations {}", e.display()));
    }
    t.push_str(" --id '{id}' --seed {seed}");
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_civil_dates() {
        assert_eq!(timestamp(0), "19700101-000000");
        assert_eq!(timestamp(1_795_310_000), "20261122-011320");
        assert_eq!(timestamp(951_782_400), "20000229-000000");
    }
}
