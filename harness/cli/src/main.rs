//! `rspcheck`: the one binary of the SGP.22 conformance suite and protocol fuzzer.
//!
//! `rspcheck` with no command runs the self-test (every suite against the reference
//! implementations) and writes the report; `rspcheck --help` lists every command.

use std::io::Read as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod euicc_cmd;
mod fuzz_cmd;
mod lpa_cmd;
mod report_cmd;
mod run_cmd;
mod smds_cmd;
use rsp_codec::activation::{lint, ActivationCode, ParseOptions};
use rsp_codec::eid::{compute_check_digits, Eid};
use rsp_codec::iccid::Iccid;
use rsp_codec::named::PrettyOptions;
use rsp_codec::tlv::Tlv;
use rsp_codec::{schema, Message};

#[derive(Parser)]
#[command(
    name = "rspcheck",
    version,
    about = "GSMA SGP.22 eSIM RSP conformance test suite and protocol fuzzer",
    long_about = "GSMA SGP.22 eSIM RSP conformance test suite and protocol fuzzer.\n\n\
                  Without a command: `rspcheck run`, the self-test of the reference SM-DP+, \
                  SM-DS, eUICC and LPA against each other, with its report. Not yet \
                  available (planned): `fuzz`."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario suites against a device under test (`--ics FILE`) or, without one, the
    /// self-test of the reference implementations; writes the journal and the reports.
    /// `rspcheck` with no command is `rspcheck run`.
    Run(run_cmd::RunArgs),
    /// The profile-compatibility matrix for one profile: it and each of its equivalent
    /// variants downloaded to the eUICC (the reference one, under `--personality`s, or a card
    /// under test with `--ics`), enabled and read back over the UICC interface; the report's
    /// compat.html shows the matrix.
    Compat(run_cmd::CompatArgs),
    /// Live protocol fuzzing: a campaign of nominal sessions against the DUT (`--ics`) or a
    /// reference role (`--role`, `--planted` to plant a bug), each with one message changed by a
    /// structure-aware mutation; every finding stored with what replays it (`--replay`).
    Fuzz(fuzz_cmd::FuzzArgs),
    /// Decode an SGP.22 message (DER, as hex or from a file) into a named tree and validate it.
    Decode {
        /// Schema type name, e.g. AuthenticateServerResponse (see `rspcheck types`); omit to pick
        /// by the top-level tag.
        #[arg(long = "type", short = 't')]
        ty: Option<String>,
        /// Hex of the message, `@FILE` for a binary file, or `-` for hex on standard input.
        input: String,
        /// Print matching IDs, confirmation-code hashes and keys instead of redacting them.
        #[arg(long)]
        show_secrets: bool,
    },
    /// List the schema types `decode` knows.
    Types,
    /// Activation codes: parse (with field breakdown) and lint.
    Ac {
        #[command(subcommand)]
        action: AcAction,
    },
    /// EIDs: verify, or compute the check digits of a 30-digit base.
    Eid {
        #[command(subcommand)]
        action: EidAction,
    },
    /// Test PKI: generate an SGP.26-shaped certificate set, or verify a set's chains.
    Pki {
        #[command(subcommand)]
        action: PkiAction,
    },
    /// SAIP profile packages (a run of DER ProfileElements).
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// Serve a reference role: `serve euicc --vpcd 127.0.0.1:35963` exposes the reference eUICC
    /// to PC/SC applications through pcscd's vpcd driver.
    Serve {
        #[command(subcommand)]
        role: euicc_cmd::ServeRole,
    },
    /// The reference SM-DP+'s records: `smdp audit --db FILE`.
    Smdp {
        #[command(subcommand)]
        action: euicc_cmd::SmdpAction,
    },
    /// The reference SM-DS's records: `smds audit --db FILE`.
    Smds {
        #[command(subcommand)]
        action: smds_cmd::SmdsAction,
    },
    /// The reference eUICC directly: send APDUs, show its state.
    Euicc {
        #[command(subcommand)]
        action: euicc_cmd::EuiccAction,
    },
    /// rspcheck's LPA on a card: chip info, profiles (list, enable, disable, delete,
    /// nickname, download, discover), notifications, memory reset, default SM-DP+ address.
    /// `--card ref:STATEFILE` is the reference eUICC kept in STATEFILE; `--card pcsc:READER` a
    /// card in a PC/SC reader (build with `--features pcsc`).
    Lpa(lpa_cmd::LpaArgs),
    /// The ICS (implementation conformance statement) of a device under test.
    Ics {
        #[command(subcommand)]
        action: IcsAction,
    },
    /// ICCIDs: decode digits or EF.ICCID BCD, show both codings and the Luhn check.
    Iccid {
        /// Digits (18-20), or `bcd:HEX` for the 10-byte EF.ICCID coding.
        value: String,
    },
    /// Re-render a run directory's reports from its journal; --against OTHER_RUN compares two
    /// runs (new failures, fixed, changed, added, removed; OTHER_RUN is the base).
    Report {
        run_dir: std::path::PathBuf,
        #[arg(long)]
        against: Option<std::path::PathBuf>,
        /// The journal was recorded with secrets revealed: say so on the index.
        #[arg(long)]
        reveal_secrets: bool,
    },
}

#[derive(Subcommand)]
enum IcsAction {
    /// Print a commented ICS for a role (euicc, smdp, smds, lpa), every option at its default.
    Template {
        #[arg(long)]
        role: String,
    },
    /// Load an ICS and print every option as it will be used (declared or defaulted).
    Check { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum AcAction {
    /// Parse an activation code or `LPA:` QR payload.
    Parse {
        code: String,
        /// Enforce the strict character set and form.
        #[arg(long, conflicts_with = "lab")]
        strict: bool,
        /// Accept host:port addresses (lab servers).
        #[arg(long)]
        lab: bool,
        /// Print the matching ID instead of redacting it.
        #[arg(long)]
        show_secrets: bool,
    },
    /// Report what lenient LPAs accept but a conforming SM-DP+ should not issue.
    Lint { code: String },
}

#[derive(Subcommand)]
enum PkiAction {
    /// Write a complete SGP.26-shaped set (CI, EUM, eUICC, DPauth, DPpb, DPtls, DSauth, DStls,
    /// operator, and the invalid variants) in the SGP.26 file layout. Same seed, same files.
    Generate {
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Comma-separated: nist, brp.
        #[arg(long, default_value = "nist,brp")]
        curves: String,
    },
    /// Verify every chain of a set in the SGP.26 layout (SGP.26 itself, or generated): valid
    /// chains must verify, `invalid/` certificates must be refused for their named reason.
    Verify {
        dir: std::path::PathBuf,
        /// Time to judge validity at (RFC 3339 UTC, e.g. 2026-10-01T00:00:00Z). Required: a
        /// verdict must not depend on when it was run.
        #[arg(long)]
        at: String,
    },
}

#[derive(Subcommand)]
enum ProfileAction {
    /// Print every ProfileElement as a named tree and validate it against PEDefinitions v3.3.1.
    Decode {
        /// Profile package file (DER).
        file: std::path::PathBuf,
        /// Print K, OPc, PIN/PUK values and keys instead of redacting them.
        #[arg(long)]
        show_secrets: bool,
    },
    /// The file system a conforming eUICC must create from the profile (templates expanded,
    /// fill patterns and contents applied), with PIN/PUK/AKA/SD summaries (secrets redacted).
    Fs {
        file: std::path::PathBuf,
        /// Show contents as length + digest instead of bytes.
        #[arg(long)]
        digest: bool,
    },
    /// Write semantically equivalent variants (explicit, compressed, omit-<param>, efFileSize
    /// encodings, template-version swaps) with a manifest; each is checked to expand to the
    /// same file system as the source.
    Variants {
        file: std::path::PathBuf,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Structure and compatibility findings (rule id, severity, PE, path, explanation).
    /// Exits 1 when any finding is an error.
    Lint {
        file: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Build a profile package from a TOML description (see vectors/profiles/).
    Build {
        description: std::path::PathBuf,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum EidAction {
    /// Verify a 32-digit EID (mod-97 check digits).
    Check { eid: String },
    /// Append check digits to a 30-digit base.
    Compute { base: String },
}

/// A command's failure: the message and the process exit code.
struct Failure(String, u8);

/// Structured logs on stderr; `RSPCHECK_LOG` overrides `default` (e.g.
/// `RSPCHECK_LOG=rsp_smdp=debug`). A conformance run defaults to `warn`, keeping the reference
/// servers' per-request lines out of its progress display.
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RSPCHECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(match cli.command {
        None | Some(Command::Run(_)) | Some(Command::Compat(_)) | Some(Command::Fuzz(_)) => "warn",
        _ => "info",
    });
    let result = match cli.command {
        None => run_cmd::run(run_cmd::RunArgs::default_self_test()),
        Some(Command::Run(args)) => run_cmd::run(args),
        Some(Command::Compat(args)) => run_cmd::compat(args),
        Some(Command::Fuzz(args)) => fuzz_cmd::fuzz(args),
        Some(Command::Decode {
            ty,
            input,
            show_secrets,
        }) => decode(ty.as_deref(), &input, show_secrets),
        Some(Command::Types) => {
            for t in schema::ALL_TYPES {
                let tag = t.tag.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
                println!("{tag:>6}  {}", t.name);
            }
            Ok(())
        }
        Some(Command::Ac { action }) => activation(action),
        Some(Command::Eid { action }) => eid(action),
        Some(Command::Pki { action }) => pki(action),
        Some(Command::Profile { action }) => profile(action),
        Some(Command::Serve { role }) => euicc_cmd::serve(role),
        Some(Command::Euicc { action }) => euicc_cmd::euicc(action),
        Some(Command::Smdp { action }) => euicc_cmd::smdp(action),
        Some(Command::Smds { action }) => smds_cmd::smds(action),
        Some(Command::Lpa(args)) => lpa_cmd::lpa(args),
        Some(Command::Ics { action }) => ics(action),
        Some(Command::Iccid { value }) => iccid(&value),
        Some(Command::Report {
            run_dir,
            against,
            reveal_secrets,
        }) => report_cmd::report(&run_dir, against.as_deref(), reveal_secrets),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg, code)) => {
            eprintln!("rspcheck: {msg}");
            ExitCode::from(code)
        }
    }
}

fn ics(action: IcsAction) -> Result<(), Failure> {
    use rsp_runner::ics::{self, Ics, Role};
    match action {
        IcsAction::Template { role } => {
            let role = Role::parse(&role).ok_or_else(|| {
                Failure(
                    format!("unknown role {role:?}: one of euicc, smdp, smds, lpa"),
                    2,
                )
            })?;
            print!("{}", ics::template(role));
            Ok(())
        }
        IcsAction::Check { file } => {
            let ics = Ics::load(&file).map_err(|e| Failure(e.to_string(), 1))?;
            println!("role = {}", ics.role.name());
            for (name, value) in &ics.options {
                println!("{name} = {value}");
            }
            Ok(())
        }
    }
}

fn read_input(input: &str) -> Result<Vec<u8>, Failure> {
    let usage = |m: String| Failure(m, 2);
    if let Some(path) = input.strip_prefix('@') {
        return std::fs::read(path).map_err(|e| usage(format!("cannot read {path}: {e}")));
    }
    let text = if input == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
        s
    } else {
        input.to_owned()
    };
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    hex::decode(&clean).map_err(|e| usage(format!("input is not hex: {e}")))
}

fn decode(ty: Option<&str>, input: &str, show_secrets: bool) -> Result<(), Failure> {
    let bytes = read_input(input)?;
    let ty = match ty {
        Some(name) => schema::lookup(name).ok_or_else(|| {
            Failure(
                format!("unknown type {name:?}; `rspcheck types` lists them"),
                2,
            )
        })?,
        None => {
            let (tlv, _) = Tlv::parse_prefix(&bytes).map_err(|e| Failure(e.to_string(), 1))?;
            let candidates: Vec<_> = schema::by_tag(tlv.tag()).collect();
            // Requests and responses share tags: take the one the bytes fit best (fewest
            // fields the type does not know, then fewest schema errors).
            candidates
                .iter()
                .copied()
                .filter_map(|t| {
                    let m = Message::parse(t, &bytes).ok()?;
                    let d = m.named();
                    Some(((d.root.unknown_paths().len(), d.errors.len()), t))
                })
                .min_by_key(|(score, _)| *score)
                .map(|(_, t)| t)
                .ok_or_else(|| {
                    Failure(
                        format!("no message type has tag {}; give --type", tlv.tag()),
                        1,
                    )
                })?
        }
    };
    let message = Message::parse(ty, &bytes).map_err(|e| Failure(e.to_string(), 1))?;
    let opts = PrettyOptions {
        redact_secrets: !show_secrets,
        ..PrettyOptions::default()
    };
    print!("{}", message.pretty_with(&opts));
    let errors = message.validate();
    if errors.is_empty() {
        println!("valid {} ({} bytes)", ty.name, bytes.len());
        Ok(())
    } else {
        for e in &errors {
            println!("error: {e}");
        }
        Err(Failure(
            format!("{} schema error(s) in {}", errors.len(), ty.name),
            1,
        ))
    }
}

fn activation(action: AcAction) -> Result<(), Failure> {
    match action {
        AcAction::Parse {
            code,
            strict,
            lab,
            show_secrets,
        } => {
            let opts = if strict {
                ParseOptions::strict()
            } else if lab {
                ParseOptions::lab()
            } else {
                ParseOptions::default()
            };
            let ac = ActivationCode::parse(&code, &opts).map_err(|e| Failure(e.to_string(), 1))?;
            println!("format:                      {}", ac.format);
            println!("SM-DP+ address:              {}", ac.smdp_address);
            if show_secrets {
                println!("matching ID:                 {}", ac.matching_id);
            } else {
                println!(
                    "matching ID:                 <redacted, {} characters>",
                    ac.matching_id.chars().count()
                );
            }
            println!(
                "SM-DP+ OID:                  {}",
                ac.smdp_oid.as_deref().unwrap_or("(none)")
            );
            println!(
                "confirmation code required:  {}",
                if ac.confirmation_code_required {
                    "yes"
                } else {
                    "no"
                }
            );
            if !ac.extra_fields.is_empty() {
                println!("later-version fields:        {:?}", ac.extra_fields);
            }
            let canonical = if show_secrets {
                ac.to_string()
            } else {
                ac.redacted()
            };
            println!("canonical:                   {canonical}");
            Ok(())
        }
        AcAction::Lint { code } => {
            let findings = lint(&code);
            if findings.is_empty() {
                println!("no findings");
                return Ok(());
            }
            for f in &findings {
                println!("{f}");
            }
            Err(Failure(format!("{} lint finding(s)", findings.len()), 1))
        }
    }
}

fn eid(action: EidAction) -> Result<(), Failure> {
    match action {
        EidAction::Check { eid } => {
            let e = Eid::parse(&eid).map_err(|e| Failure(e.to_string(), 1))?;
            println!("valid EID {e} (BCD {})", hex::encode_upper(e.as_bytes()));
            Ok(())
        }
        EidAction::Compute { base } => {
            let check = compute_check_digits(&base).map_err(|e| Failure(e.to_string(), 1))?;
            println!("{base}{}", String::from_utf8_lossy(&check));
            Ok(())
        }
    }
}

fn pki(action: PkiAction) -> Result<(), Failure> {
    use rsp_crypto::pkigen::{generate_to_dir, GenerateOptions};
    use rsp_crypto::Curve;
    match action {
        PkiAction::Generate { out, seed, curves } => {
            let curves = curves
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| match c.to_ascii_lowercase().as_str() {
                    "nist" | "p256" | "p-256" => Ok(Curve::NistP256),
                    "brp" | "brainpool" | "brainpoolp256r1" => Ok(Curve::BrainpoolP256r1),
                    other => Err(Failure(
                        format!("unknown curve {other:?} (use nist, brp)"),
                        2,
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let opts = GenerateOptions {
                seed,
                curves,
                ..GenerateOptions::default()
            };
            let files = generate_to_dir(&out, &opts).map_err(|e| Failure(e.to_string(), 1))?;
            println!(
                "wrote {} files to {} (seed {seed}); see manifest.toml there",
                files.len(),
                out.display()
            );
            Ok(())
        }
        PkiAction::Verify { dir, at } => {
            let at: rsp_crypto::cert::Time =
                at.parse().map_err(|e| Failure(format!("--at: {e:?}"), 2))?;
            let set =
                rsp_crypto::pkiset::PkiSet::load(&dir).map_err(|e| Failure(e.to_string(), 1))?;
            let reports = set.verify_all(at);
            for r in &reports {
                println!("{r}");
            }
            let bad = reports.iter().filter(|r| !r.as_expected()).count();
            println!(
                "{} chains at {at}: {} as expected, {bad} not",
                reports.len(),
                reports.len() - bad
            );
            if bad == 0 {
                Ok(())
            } else {
                Err(Failure(format!("{bad} chain(s) not as expected"), 1))
            }
        }
    }
}

fn profile(action: ProfileAction) -> Result<(), Failure> {
    match action {
        ProfileAction::Decode { file, show_secrets } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure(format!("cannot read {}: {e}", file.display()), 2))?;
            let package = rsp_profile::ProfilePackage::parse(&bytes)
                .map_err(|e| Failure(format!("{}: {e}", file.display()), 1))?;
            let opts = PrettyOptions {
                redact_secrets: !show_secrets,
                ..PrettyOptions::default()
            };
            print!("{}", package.pretty_with(&opts));
            let errors = package.validate();
            let unknown = package.unknowns();
            for u in &unknown {
                println!("unknown: {u}");
            }
            for e in &errors {
                println!("error: {e}");
            }
            println!(
                "{} ProfileElements, {} bytes, {} schema error(s), {} unknown field(s)",
                package.len(),
                bytes.len(),
                errors.len(),
                unknown.len()
            );
            if errors.is_empty() {
                Ok(())
            } else {
                Err(Failure(format!("{} schema error(s)", errors.len()), 1))
            }
        }
        ProfileAction::Fs { file, digest } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure(format!("cannot read {}: {e}", file.display()), 2))?;
            let package = rsp_profile::ProfilePackage::parse(&bytes)
                .map_err(|e| Failure(format!("{}: {e}", file.display()), 1))?;
            let fs = rsp_profile::expand::expand(&package)
                .map_err(|e| Failure(format!("{}: {e}", file.display()), 1))?;
            if digest {
                print!("{fs:#}");
            } else {
                print!("{fs}");
            }
            Ok(())
        }
        ProfileAction::Variants { file, out } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure(format!("cannot read {}: {e}", file.display()), 2))?;
            let package = rsp_profile::ProfilePackage::parse(&bytes)
                .map_err(|e| Failure(format!("{}: {e}", file.display()), 1))?;
            let set = rsp_profile::variants::variants(&package);
            set.write(&out)
                .map_err(|e| Failure(format!("cannot write {}: {e}", out.display()), 2))?;
            for v in &set.variants {
                println!("variant  {:<40} {}", v.name, v.description);
            }
            for (name, why) in &set.skipped {
                println!("skipped  {name:<40} {why}");
            }
            println!(
                "{} variants, {} skipped; see {}/manifest.toml",
                set.variants.len(),
                set.skipped.len(),
                out.display()
            );
            Ok(())
        }
        ProfileAction::Lint { file, json } => {
            use rsp_profile::lint::{lint, max_severity, to_json, Severity};
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure(format!("cannot read {}: {e}", file.display()), 2))?;
            let package = rsp_profile::ProfilePackage::parse(&bytes)
                .map_err(|e| Failure(format!("{}: {e}", file.display()), 1))?;
            let findings = lint(&package);
            if json {
                println!("{}", to_json(&findings));
            } else {
                for f in &findings {
                    println!("{f}");
                }
                println!("{} finding(s)", findings.len());
            }
            if max_severity(&findings) == Some(Severity::Error) {
                Err(Failure("the profile has errors".into(), 1))
            } else {
                Ok(())
            }
        }
        ProfileAction::Build { description, out } => {
            use rsp_profile::builder::{build_der, ProfileDescription};
            let text = std::fs::read_to_string(&description)
                .map_err(|e| Failure(format!("cannot read {}: {e}", description.display()), 2))?;
            let desc = ProfileDescription::from_toml(&text)
                .map_err(|e| Failure(format!("{}: {e}", description.display()), 1))?;
            let der = build_der(&desc)
                .map_err(|e| Failure(format!("{}: {e}", description.display()), 1))?;
            std::fs::write(&out, &der)
                .map_err(|e| Failure(format!("cannot write {}: {e}", out.display()), 2))?;
            println!("wrote {} ({} bytes)", out.display(), der.len());
            Ok(())
        }
    }
}

fn iccid(value: &str) -> Result<(), Failure> {
    let parsed = match value.strip_prefix("bcd:") {
        Some(h) => {
            let bytes = hex::decode(h).map_err(|e| Failure(format!("not hex: {e}"), 2))?;
            Iccid::from_bcd(&bytes)
        }
        None => Iccid::parse(value),
    }
    .map_err(|e| Failure(e.to_string(), 1))?;
    println!("ICCID:            {}", parsed.as_str());
    println!("EF.ICCID BCD:     {}", hex::encode_upper(parsed.to_bcd()));
    println!(
        "plain-order BCD:  {}",
        hex::encode_upper(parsed.to_plain_bcd())
    );
    println!(
        "Luhn check digit: {}",
        if parsed.luhn_valid() {
            "valid"
        } else {
            "INVALID"
        }
    );
    Ok(())
}
