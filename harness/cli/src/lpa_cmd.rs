//! `rspcheck lpa`: rspcheck's own LPA (rsp-lpa) on the command line, on the reference eUICC
//! kept in a state file (`--card ref:FILE`, the same card `rspcheck euicc --state FILE` shows)
//! or on a card in a PC/SC reader (`--card pcsc:READER`, cargo feature `pcsc`).
//!
//! Human output is aligned tables on stdout; `--json` prints exactly one JSON object per command
//! on stdout (also on failure: `{"error": …}`). Download progress and the time split go to
//! stderr in human mode. Matching IDs, confirmation codes, activation codes and SM-DS event IDs
//! are redacted unless `--reveal-secrets`, in results and in error messages alike.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use rsp_codec::activation::{AcFormat, ActivationCode, ParseOptions};
use rsp_codec::apdu::Transport;
use rsp_codec::iccid::Iccid;
use rsp_codec::json::Secret;
use rsp_codec::tlv::Tlv;
use rsp_codec::views::{EuiccInfo2, NotificationEvent, StoreMetadataRequest, View};
use rsp_lpa::discovery;
use rsp_lpa::download::{default_device_info, TimeSplit};
use rsp_lpa::es10::{ConfiguredAddresses, ResetOptions};
use rsp_lpa::notifications::{self, RetryPolicy};
use rsp_lpa::server::ServerStats;
use rsp_lpa::{
    CancelReason, Card, CardOptions, Consent, Download, DownloadError, DownloadOptions, Es10Error,
    HttpsServer, ProfileFilter, ProfileId, ProfileInfo, ServerTrust, Source, Step,
};
use serde_json::{json, Value};

use crate::euicc_cmd::{build_reference_card, generated_pki, report_save_errors};
use crate::Failure;

/// `rspcheck lpa …`: the options every LPA command shares (accepted before or after the
/// command), then the command.
#[derive(Args)]
pub struct LpaArgs {
    /// The eUICC: `ref:STATEFILE` (the reference eUICC, its profiles and notifications kept in
    /// STATEFILE, created when missing) or `pcsc:READER` (a card in the PC/SC reader whose name
    /// is READER or contains it; needs a build with `--features pcsc`).
    #[arg(long, global = true, value_name = "ref:STATEFILE|pcsc:READER")]
    card: Option<String>,

    /// PKI folder in the SGP.26 layout: the reference eUICC's credentials come from it, and the
    /// LPA trusts every CI in it (with the SGP.22 TLS role check). Default: the generated test
    /// PKI the reference servers use by default.
    #[arg(long, global = true)]
    pki: Option<PathBuf>,
    /// Seed of the generated test PKI when --pki is not given (as `serve smdp` and `euicc`).
    #[arg(long, global = true, default_value_t = 0)]
    pki_seed: u64,
    /// eUICC configuration for `ref:` cards (TOML, as `rspcheck euicc --config`).
    #[arg(long, global = true)]
    euicc_config: Option<PathBuf>,
    /// Seed of a `ref:` card's randomness (as `rspcheck euicc --seed`).
    #[arg(long, global = true, default_value_t = 1)]
    euicc_seed: u64,

    /// Trust this CI certificate (DER or PEM) for SM-DP+ and SM-DS TLS, with the SGP.22 role
    /// check. Repeatable; replaces the default trust (adds to --pki's CIs).
    #[arg(long = "ci", global = true, value_name = "FILE")]
    ci: Vec<PathBuf>,
    /// Accept any server certificate (a lab server from no known CI). Not for production.
    #[arg(long, global = true, conflicts_with = "ci")]
    insecure: bool,
    /// Connect to IP:PORT for HOST (TLS still checks the name). Repeatable.
    #[arg(long, global = true, value_name = "HOST=IP:PORT")]
    resolve: Vec<String>,
    /// Bound on each server call (connect, TLS, request, answer), in seconds.
    #[arg(long, global = true, default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,

    /// Print exactly one JSON object on stdout instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Print matching IDs, confirmation codes, activation codes and event IDs.
    #[arg(long, global = true)]
    reveal_secrets: bool,
    /// STORE DATA block size (data bytes per APDU).
    #[arg(long, global = true, default_value_t = 120,
          value_parser = clap::value_parser!(u16).range(1..=255))]
    block_size: u16,
    /// Select the ISD-R on the basic channel instead of opening a logical channel.
    #[arg(long, global = true)]
    basic_channel: bool,

    #[command(subcommand)]
    command: LpaCommand,
}

#[derive(Subcommand)]
enum LpaCommand {
    /// The eUICC itself.
    Chip {
        #[command(subcommand)]
        action: ChipAction,
    },
    /// Profiles: list, enable, disable, delete, nickname, download, discover.
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// Pending notifications: list, send to the SM-DP+ (process), remove.
    Notification {
        #[command(subcommand)]
        action: NotificationAction,
    },
    /// eUICCMemoryReset: delete operational and/or field-loaded test profiles, and/or reset the
    /// default SM-DP+ address. Give at least one.
    MemoryReset {
        /// Delete the operational profiles.
        #[arg(long)]
        operational: bool,
        /// Delete the field-loaded test profiles.
        #[arg(long)]
        test: bool,
        /// Reset the default SM-DP+ address.
        #[arg(long)]
        default_address: bool,
    },
    /// Show the configured addresses, or set the default SM-DP+ address ("" clears it).
    DefaultAddress { address: Option<String> },
}

#[derive(Subcommand)]
enum ChipAction {
    /// EID, EUICCInfo2 essentials (versions, CI keys, free memory) and configured addresses.
    Info,
}

#[derive(Clone, Copy, ValueEnum)]
enum ClassArg {
    Test,
    Provisioning,
    Operational,
}

#[derive(Subcommand)]
enum ProfileAction {
    /// The installed profiles (GetProfilesInfo).
    List {
        #[arg(long, conflicts_with = "disabled")]
        enabled: bool,
        #[arg(long)]
        disabled: bool,
        #[arg(long, value_enum)]
        class: Option<ClassArg>,
    },
    /// EnableProfile; ID is an ICCID or an ISD-P AID in hex.
    Enable {
        id: String,
        /// Send refreshFlag false (no REFRESH by the eUICC).
        #[arg(long)]
        no_refresh: bool,
    },
    /// DisableProfile; ID is an ICCID or an ISD-P AID in hex.
    Disable {
        id: String,
        /// Send refreshFlag false (no REFRESH by the eUICC).
        #[arg(long)]
        no_refresh: bool,
    },
    /// DeleteProfile; ID is an ICCID or an ISD-P AID in hex.
    Delete { id: String },
    /// SetNickname.
    Nickname { iccid: String, name: String },
    /// Download a profile: from an activation code, the eUICC's default SM-DP+, or an SM-DP+
    /// address with an optional matching ID.
    Download(DownloadArgs),
    /// Ask an SM-DS for this eUICC's events (ES11); with --download, download each.
    Discover {
        /// SM-DS address; default: the eUICC's root SM-DS address.
        #[arg(long)]
        smds: Option<String>,
        /// Download the profile of each event.
        #[arg(long)]
        download: bool,
        /// With --download: leave each installation notification on the card.
        #[arg(long, requires = "download")]
        no_notify: bool,
    },
}

#[derive(Args)]
struct DownloadArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Matching ID for --smdp.
    #[arg(long, requires = "smdp")]
    matching_id: Option<String>,
    /// Confirmation code, when the SM-DP+ asks for one.
    #[arg(long)]
    confirmation_code: Option<String>,
    /// Refuse the profile once its metadata is shown (CancelSession endUserRejection).
    #[arg(long, conflicts_with = "postpone")]
    reject: bool,
    /// Postpone once the metadata is shown (CancelSession postponed).
    #[arg(long)]
    postpone: bool,
    /// Leave the installation notification (PIR) on the card instead of sending it.
    #[arg(long)]
    no_notify: bool,
    /// A deliberately planted bug, for the live fuzzer's self-test only (hidden).
    #[arg(long, hide = true, value_enum)]
    planted_bug: Option<LpaPlantedBug>,
}

/// **Deliberately planted LPA bugs**, so the live fuzzer's self-test can show it finds real
/// ones. Off unless `--planted-bug` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LpaPlantedBug {
    /// Logs the activation code's first 12 bytes with a byte slice before parsing it: panics
    /// when byte 12 falls inside a multi-byte UTF-8 character (a classic LPA bug).
    PanicOnMultibyteAc,
}

/// The planted bug's log prefix: slices bytes, not characters, so it panics on a multi-byte
/// character across byte 12. Deliberately wrong; used only under `--planted-bug`.
fn planted_ac_log_prefix(ac: &str) -> &str {
    &ac[..12.min(ac.len())]
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct SourceArgs {
    /// Activation code (`LPA:1$ADDRESS$MATCHING-ID…` or `1$…`; host:port accepted).
    #[arg(long)]
    ac: Option<String>,
    /// The eUICC's default SM-DP+ address.
    #[arg(long)]
    default_smdp: bool,
    /// This SM-DP+ address (with --matching-id, or the default-SM-DP+ use case without).
    #[arg(long, value_name = "ADDRESS")]
    smdp: Option<String>,
}

#[derive(Subcommand)]
enum NotificationAction {
    /// The pending notifications (ListNotification).
    List,
    /// Send pending notifications to their SM-DP+ (retrying an unreachable one), then remove
    /// each delivered one from the card unless --keep.
    Process {
        /// Only this sequence number.
        #[arg(long)]
        seq: Option<i64>,
        /// Keep delivered notifications on the card.
        #[arg(long)]
        keep: bool,
    },
    /// RemoveNotificationFromList.
    Remove { seq: i64 },
}

// ------------------------------------------------------------------ output

/// How results are printed, and the secrets to keep out of them.
struct Out {
    json: bool,
    reveal: bool,
    secrets: RefCell<Vec<String>>,
    /// Whether the command's JSON object is out (a failure then adds none).
    printed: std::cell::Cell<bool>,
}

impl Out {
    /// `value`, or its redaction; it is also scrubbed from error messages from now on.
    fn secret(&self, value: &str) -> String {
        self.remember(value);
        if self.reveal || value.is_empty() {
            value.to_owned()
        } else {
            format!("<redacted:{}>", value.chars().count())
        }
    }

    fn remember(&self, value: &str) {
        // Very short secrets would blot out unrelated text; they are only redacted where shown.
        if value.chars().count() >= 4 {
            self.secrets.borrow_mut().push(value.to_owned());
        }
    }

    /// `text` with every remembered secret redacted (unless --reveal-secrets).
    fn scrub(&self, text: &str) -> String {
        if self.reveal {
            return text.to_owned();
        }
        let mut out = text.to_owned();
        let mut secrets = self.secrets.borrow().clone();
        // Longest first, so a secret containing another is redacted whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for s in secrets {
            out = out.replace(&s, &format!("<redacted:{}>", s.chars().count()));
        }
        out
    }

    /// A progress line (stderr, human mode only).
    fn progress(&self, line: &str) {
        if !self.json {
            eprintln!("{}", self.scrub(line));
        }
    }

    /// The result: `value` as JSON, or `human` as text.
    fn result(&self, value: &Value, human: &str) {
        self.printed.set(true);
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).expect("a JSON value serialises")
            );
        } else {
            print!("{human}");
            if !human.is_empty() && !human.ends_with('\n') {
                println!();
            }
        }
    }
}

/// Aligned columns, header first.
fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, c) in cells.enumerate() {
            l.push_str(&format!(
                "{c:<w$}  ",
                w = widths.get(i).copied().unwrap_or(0)
            ));
        }
        l.trim_end().to_owned() + "\n"
    };
    let mut out = line(&mut head.iter().copied());
    for r in rows {
        out.push_str(&line(&mut r.iter().map(String::as_str)));
    }
    out
}

/// Aligned `label  value` lines.
fn pairs(rows: &[(&str, String)]) -> String {
    let w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<w$}  {v}").trim_end().to_owned() + "\n")
        .collect()
}

/// Card- and server-supplied text made safe for a terminal.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty())
        .map(printable)
        .unwrap_or_else(|| "-".into())
}

fn version(v: &[u8; 3]) -> String {
    format!("{}.{}.{}", v[0], v[1], v[2])
}

fn state_name(state: Option<i64>) -> String {
    match state {
        Some(0) => "disabled".into(),
        Some(1) => "enabled".into(),
        Some(n) => format!("unknown({n})"),
        None => "-".into(),
    }
}

fn class_name(class: Option<i64>) -> String {
    match class {
        Some(0) => "test".into(),
        Some(1) => "provisioning".into(),
        Some(2) => "operational".into(),
        Some(n) => format!("unknown({n})"),
        None => "-".into(),
    }
}

fn ppr_names(bits: &[usize]) -> Vec<String> {
    bits.iter()
        .map(|b| match b {
            0 => "pprUpdateControl".to_owned(),
            1 => "ppr1".to_owned(),
            2 => "ppr2".to_owned(),
            3 => "ppr3".to_owned(),
            n => format!("bit{n}"),
        })
        .collect()
}

fn event_name(event: Option<NotificationEvent>) -> &'static str {
    match event {
        Some(NotificationEvent::Install) => "install",
        Some(NotificationEvent::Enable) => "enable",
        Some(NotificationEvent::Disable) => "disable",
        Some(NotificationEvent::Delete) => "delete",
        None => "unknown",
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// An ES10 failure as a message naming the function.
fn es10_failed(function: &'static str) -> impl FnOnce(Es10Error) -> Failure {
    move |e| {
        let m = e.to_string();
        if m.starts_with(function) {
            Failure(m, 1)
        } else {
            Failure(format!("{function}: {m}"), 1)
        }
    }
}

// ------------------------------------------------------------------ setup

/// Where the card is.
#[derive(Debug, PartialEq, Eq)]
enum CardSpec {
    Reference(PathBuf),
    Pcsc(String),
}

impl CardSpec {
    fn parse(text: &str) -> Result<CardSpec, Failure> {
        if let Some(path) = text.strip_prefix("ref:") {
            if path.is_empty() {
                return Err(Failure(
                    "--card ref:STATEFILE needs a state file path".into(),
                    2,
                ));
            }
            return Ok(CardSpec::Reference(PathBuf::from(path)));
        }
        if let Some(reader) = text.strip_prefix("pcsc:") {
            return Ok(CardSpec::Pcsc(reader.to_owned()));
        }
        Err(Failure(
            format!("--card {text:?}: give ref:STATEFILE or pcsc:READER"),
            2,
        ))
    }
}

#[cfg(feature = "pcsc")]
fn open_pcsc(reader: &str) -> Result<Box<dyn Transport>, Failure> {
    let t = rsp_euicc::pcsc_transport::PcscTransport::connect(reader)
        .map_err(|e| Failure(format!("PC/SC reader {reader:?}: {e}"), 1))?;
    eprintln!("rspcheck: card in PC/SC reader {:?}", t.reader());
    Ok(Box::new(t))
}

#[cfg(not(feature = "pcsc"))]
fn open_pcsc(reader: &str) -> Result<Box<dyn Transport>, Failure> {
    Err(Failure(
        format!(
            "--card pcsc:{reader}: this rspcheck was built without PC/SC support; rebuild it \
             with `cargo build --release --features pcsc` (needs libpcsclite-dev)"
        ),
        2,
    ))
}

fn parse_resolve(entries: &[String]) -> Result<Vec<(String, SocketAddr)>, Failure> {
    entries
        .iter()
        .map(|r| {
            r.split_once('=')
                .and_then(|(h, a)| {
                    let h = h.trim();
                    (!h.is_empty()).then_some(())?;
                    Some((h.to_owned(), a.trim().parse::<SocketAddr>().ok()?))
                })
                .ok_or_else(|| Failure(format!("--resolve {r:?}: HOST=IP:PORT expected"), 2))
        })
        .collect()
}

/// The CI certificates of a PKI folder.
fn cis_of(dir: &Path) -> Result<Vec<Vec<u8>>, Failure> {
    let set = rsp_crypto::pkiset::PkiSet::load(dir)
        .map_err(|e| Failure(format!("PKI {}: {e}", dir.display()), 1))?;
    Ok(set.cis().iter().map(|c| c.der().to_vec()).collect())
}

/// The server side, built when a command first needs it.
struct ServerSetup<'a> {
    args: &'a LpaArgs,
    /// The PKI folder already chosen for a `ref:` card (so it is not resolved twice).
    pki_dir: Option<PathBuf>,
}

impl ServerSetup<'_> {
    fn trust(&self) -> Result<ServerTrust, Failure> {
        let args = self.args;
        if args.insecure {
            eprintln!(
                "rspcheck: warning: --insecure: server certificates are not checked; anyone on \
                 the path can impersonate the SM-DP+ or SM-DS"
            );
            return Ok(ServerTrust::InsecureAcceptAny);
        }
        let mut roots = Vec::new();
        if let Some(p) = &args.pki {
            roots.extend(cis_of(p)?);
        }
        for f in &args.ci {
            roots.extend(
                rsp_http::load_certificates(f)
                    .map_err(|e| Failure(format!("--ci {}: {e}", f.display()), 2))?,
            );
        }
        if args.pki.is_none() && args.ci.is_empty() {
            let dir = match &self.pki_dir {
                Some(d) => d.clone(),
                None => generated_pki(args.pki_seed)?,
            };
            roots.extend(cis_of(&dir)?);
        }
        Ok(ServerTrust::CiWithRole(roots))
    }

    fn server(&self) -> Result<HttpsServer, Failure> {
        let resolve = parse_resolve(&self.args.resolve)?;
        HttpsServer::with_trust(
            self.trust()?,
            resolve,
            Duration::from_secs(self.args.timeout),
        )
        .map_err(|e| Failure(format!("HTTPS client: {e}"), 1))
    }
}

// ------------------------------------------------------------------ entry

/// `rspcheck lpa …`.
pub fn lpa(args: LpaArgs) -> Result<(), Failure> {
    let out = Out {
        json: args.json,
        reveal: args.reveal_secrets,
        secrets: RefCell::new(Vec::new()),
        printed: std::cell::Cell::new(false),
    };
    match run(&args, &out) {
        Ok(()) => Ok(()),
        Err(Failure(message, code)) => {
            let message = out.scrub(&message);
            if out.json && !out.printed.get() {
                out.result(&json!({ "error": message }), "");
            }
            Err(Failure(message, code))
        }
    }
}

fn run(args: &LpaArgs, out: &Out) -> Result<(), Failure> {
    // Parse what can be refused before touching the card.
    parse_resolve(&args.resolve)?;
    let spec = args.card.as_deref().ok_or_else(|| {
        Failure(
            "--card is required: ref:STATEFILE (reference eUICC) or pcsc:READER".into(),
            2,
        )
    })?;
    match CardSpec::parse(spec)? {
        CardSpec::Reference(state) => {
            let pki = match &args.pki {
                Some(p) => p.clone(),
                None => generated_pki(args.pki_seed)?,
            };
            let mut euicc = build_reference_card(
                &pki,
                args.euicc_config.as_deref(),
                Some(&state),
                args.euicc_seed,
            )?;
            let setup = ServerSetup {
                args,
                pki_dir: Some(pki),
            };
            let result = with_card(Box::new(&mut euicc), &setup, out);
            let saved = report_save_errors(&mut euicc);
            result.and(saved)
        }
        CardSpec::Pcsc(reader) => {
            let transport = open_pcsc(&reader)?;
            let setup = ServerSetup {
                args,
                pki_dir: None,
            };
            with_card(transport, &setup, out)
        }
    }
}

fn with_card<'t>(
    transport: Box<dyn Transport + 't>,
    setup: &ServerSetup<'_>,
    out: &Out,
) -> Result<(), Failure> {
    let args = setup.args;
    let options = CardOptions {
        block_size: usize::from(args.block_size),
        logical_channel: !args.basic_channel,
        ..CardOptions::default()
    };
    let mut card = Card::open(transport, options)
        .map_err(|e| Failure(format!("opening the ISD-R: {e}"), 1))?;
    let result = command(&mut card, &args.command, setup, out);
    if let Err(e) = card.close() {
        if result.is_ok() {
            eprintln!("rspcheck: warning: closing the logical channel: {e}");
        }
    }
    result
}

type LpaCard<'t> = Card<Box<dyn Transport + 't>>;

fn command(
    card: &mut LpaCard<'_>,
    command: &LpaCommand,
    setup: &ServerSetup<'_>,
    out: &Out,
) -> Result<(), Failure> {
    match command {
        LpaCommand::Chip {
            action: ChipAction::Info,
        } => chip_info(card, out),
        LpaCommand::Profile { action } => profile(card, action, setup, out),
        LpaCommand::Notification { action } => notification(card, action, setup, out),
        LpaCommand::MemoryReset {
            operational,
            test,
            default_address,
        } => memory_reset(
            card,
            ResetOptions {
                delete_operational_profiles: *operational,
                delete_field_loaded_test_profiles: *test,
                reset_default_smdp_address: *default_address,
            },
            out,
        ),
        LpaCommand::DefaultAddress { address } => default_address(card, address.as_deref(), out),
    }
}

// ------------------------------------------------------------------ chip

/// TS 102 226 extended card resources: 81 installed applications, 82 free NVM, 83 free RAM.
fn ext_card_resource(bytes: &[u8]) -> [Option<u64>; 3] {
    let mut found = [None; 3];
    let Ok(items) = Tlv::parse_all(bytes) else {
        return found;
    };
    for t in items {
        let slot = match t.tag().to_u32() {
            0x81 => 0,
            0x82 => 1,
            0x83 => 2,
            _ => continue,
        };
        if let Some(c) = t.content().filter(|c| !c.is_empty() && c.len() <= 8) {
            found[slot] = Some(c.iter().fold(0u64, |n, b| n << 8 | u64::from(*b)));
        }
    }
    found
}

const RSP_CAPABILITIES: [&str; 6] = [
    "additionalProfile",
    "crlSupport",
    "rpmSupport",
    "testProfileSupport",
    "deviceInfoExtensibilitySupport",
    "serviceSpecificDataSupport",
];

fn info2_json(info: &EuiccInfo2) -> Value {
    let [apps, nvm, ram] = ext_card_resource(&info.ext_card_resource);
    let caps: Vec<String> = info
        .rsp_capability
        .set_bits()
        .iter()
        .map(|b| {
            RSP_CAPABILITIES
                .get(*b)
                .map_or_else(|| format!("bit{b}"), |s| (*s).to_owned())
        })
        .collect();
    let hexes = |l: &[Vec<u8>]| l.iter().map(hex::encode_upper).collect::<Vec<_>>();
    json!({
        "svn": version(&info.svn),
        "profile_version": version(&info.profile_version),
        "firmware_version": version(&info.euicc_firmware_version),
        "globalplatform_version": info.globalplatform_version.as_ref().map(version),
        "ts102241_version": info.ts102241_version.as_ref().map(version),
        "pp_version": version(&info.pp_version),
        "sas_accreditation_number": info.sas_accreditation_number,
        "euicc_category": info.euicc_category.map(|c| match c {
            0 => "other".to_owned(),
            1 => "basic".to_owned(),
            2 => "medium".to_owned(),
            3 => "contactless".to_owned(),
            n => format!("unknown({n})"),
        }),
        "rsp_capability": caps,
        "ci_pkids_for_verification": hexes(&info.ci_pkids_for_verification),
        "ci_pkids_for_signing": hexes(&info.ci_pkids_for_signing),
        "installed_applications": apps,
        "free_nvm_bytes": nvm,
        "free_ram_bytes": ram,
    })
}

fn chip_info(card: &mut LpaCard<'_>, out: &Out) -> Result<(), Failure> {
    let eid = card.eid().map_err(es10_failed("GetEID"))?;
    let info2_raw = card.euicc_info2().map_err(es10_failed("GetEUICCInfo2"))?;
    let addresses = card
        .configured_addresses()
        .map_err(es10_failed("GetEuiccConfiguredAddresses"))?;
    // A card whose EUICCInfo2 does not read still shows its EID and addresses.
    let (info2, info2_error) = match EuiccInfo2::decode(&info2_raw) {
        Ok(i) => (Some(info2_json(&i)), None),
        Err(e) => (
            None,
            Some(format!("GetEUICCInfo2: answer does not read: {e}")),
        ),
    };
    let value = json!({
        "eid": eid.to_digits(),
        "euicc_info2": info2,
        "euicc_info2_error": info2_error,
        "configured_addresses": addresses_json(&addresses),
    });
    let mut rows: Vec<(&str, String)> = vec![("EID", eid.to_digits())];
    if let Some(i) = &info2 {
        let text = |k: &str| or_dash(i[k].as_str());
        let list = |k: &str| {
            let v: Vec<&str> = i[k]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if v.is_empty() {
                "-".to_owned()
            } else {
                v.join(", ")
            }
        };
        let bytes = |k: &str| {
            i[k].as_u64()
                .map_or_else(|| "-".to_owned(), |n| format!("{n} bytes"))
        };
        rows.extend([
            ("SVN", text("svn")),
            ("profile version (SAIP)", text("profile_version")),
            ("firmware version", text("firmware_version")),
            ("GlobalPlatform version", text("globalplatform_version")),
            ("TS 102 241 version", text("ts102241_version")),
            ("PP version", text("pp_version")),
            ("SAS accreditation", text("sas_accreditation_number")),
            ("category", text("euicc_category")),
            ("RSP capabilities", list("rsp_capability")),
            (
                "CI PKIds for verification",
                list("ci_pkids_for_verification"),
            ),
            ("CI PKIds for signing", list("ci_pkids_for_signing")),
            (
                "installed applications",
                i["installed_applications"]
                    .as_u64()
                    .map_or_else(|| "-".to_owned(), |n| n.to_string()),
            ),
            ("free NVM", bytes("free_nvm_bytes")),
            ("free RAM", bytes("free_ram_bytes")),
        ]);
    }
    if let Some(e) = &info2_error {
        rows.push(("EUICCInfo2", printable(e)));
    }
    rows.extend(addresses_rows(&addresses));
    out.result(&value, &pairs(&rows));
    Ok(())
}

fn addresses_json(a: &ConfiguredAddresses) -> Value {
    json!({
        "default_dp_address": a.default_dp_address,
        "root_ds_address": a.root_ds_address,
    })
}

fn addresses_rows(a: &ConfiguredAddresses) -> [(&'static str, String); 2] {
    [
        (
            "default SM-DP+ address",
            or_dash(a.default_dp_address.as_deref()),
        ),
        ("root SM-DS address", or_dash(a.root_ds_address.as_deref())),
    ]
}

fn default_address(
    card: &mut LpaCard<'_>,
    address: Option<&str>,
    out: &Out,
) -> Result<(), Failure> {
    if let Some(a) = address {
        card.set_default_dp_address(a.trim())
            .map_err(es10_failed("SetDefaultDpAddress"))?;
    }
    let addresses = card
        .configured_addresses()
        .map_err(es10_failed("GetEuiccConfiguredAddresses"))?;
    let mut value = addresses_json(&addresses);
    if address.is_some() {
        value["result"] = json!("ok");
    }
    out.result(&value, &pairs(&addresses_rows(&addresses)));
    Ok(())
}

fn memory_reset(card: &mut LpaCard<'_>, options: ResetOptions, out: &Out) -> Result<(), Failure> {
    let what: Vec<&str> = [
        (
            options.delete_operational_profiles,
            "operational profiles deleted",
        ),
        (
            options.delete_field_loaded_test_profiles,
            "field-loaded test profiles deleted",
        ),
        (
            options.reset_default_smdp_address,
            "default SM-DP+ address reset",
        ),
    ]
    .into_iter()
    .filter_map(|(on, text)| on.then_some(text))
    .collect();
    if what.is_empty() {
        return Err(Failure(
            "memory-reset: choose at least one of --operational, --test, --default-address".into(),
            2,
        ));
    }
    card.memory_reset(options)
        .map_err(es10_failed("eUICCMemoryReset"))?;
    let value = json!({
        "result": "ok",
        "delete_operational_profiles": options.delete_operational_profiles,
        "delete_field_loaded_test_profiles": options.delete_field_loaded_test_profiles,
        "reset_default_smdp_address": options.reset_default_smdp_address,
    });
    out.result(
        &value,
        &format!("eUICCMemoryReset ok: {}\n", what.join(", ")),
    );
    Ok(())
}

// ------------------------------------------------------------------ profiles

fn profile_json(p: &ProfileInfo) -> Value {
    json!({
        "iccid": p.iccid,
        "isdp_aid": p.isdp_aid,
        "state": state_name(p.state),
        "nickname": p.nickname,
        "service_provider_name": p.service_provider_name,
        "profile_name": p.profile_name,
        "class": class_name(p.class),
        "icon_type": p.icon_type,
        "policy_rules": p.policy_rules.as_deref().map(ppr_names),
    })
}

fn parse_id(text: &str) -> Result<ProfileId, Failure> {
    ProfileId::parse(text).map_err(|e| Failure(e, 2))
}

fn profile(
    card: &mut LpaCard<'_>,
    action: &ProfileAction,
    setup: &ServerSetup<'_>,
    out: &Out,
) -> Result<(), Failure> {
    match action {
        ProfileAction::List {
            enabled,
            disabled,
            class,
        } => {
            let filter = match class {
                None => ProfileFilter::All,
                Some(ClassArg::Test) => ProfileFilter::Class(0),
                Some(ClassArg::Provisioning) => ProfileFilter::Class(1),
                Some(ClassArg::Operational) => ProfileFilter::Class(2),
            };
            let profiles: Vec<ProfileInfo> = card
                .profiles(&filter)
                .map_err(es10_failed("GetProfilesInfo"))?
                .into_iter()
                .filter(|p| !enabled || p.enabled())
                .filter(|p| !disabled || p.state == Some(0))
                .collect();
            let value =
                json!({ "profiles": profiles.iter().map(profile_json).collect::<Vec<_>>() });
            let human = if profiles.is_empty() {
                "no profiles\n".to_owned()
            } else {
                let rows: Vec<Vec<String>> = profiles
                    .iter()
                    .map(|p| {
                        vec![
                            or_dash(p.iccid.as_deref()),
                            state_name(p.state),
                            class_name(p.class),
                            or_dash(p.nickname.as_deref()),
                            or_dash(p.service_provider_name.as_deref()),
                            or_dash(p.profile_name.as_deref()),
                            or_dash(p.isdp_aid.as_deref()),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ICCID",
                        "STATE",
                        "CLASS",
                        "NICKNAME",
                        "PROVIDER",
                        "NAME",
                        "ISD-P AID",
                    ],
                    &rows,
                )
            };
            out.result(&value, &human);
            Ok(())
        }
        ProfileAction::Enable { id, no_refresh } => {
            let pid = parse_id(id)?;
            card.enable_profile(&pid, !no_refresh)
                .map_err(es10_failed("EnableProfile"))?;
            managed(out, "enable", "enabled", id);
            Ok(())
        }
        ProfileAction::Disable { id, no_refresh } => {
            let pid = parse_id(id)?;
            card.disable_profile(&pid, !no_refresh)
                .map_err(es10_failed("DisableProfile"))?;
            managed(out, "disable", "disabled", id);
            Ok(())
        }
        ProfileAction::Delete { id } => {
            let pid = parse_id(id)?;
            card.delete_profile(&pid)
                .map_err(es10_failed("DeleteProfile"))?;
            managed(out, "delete", "deleted", id);
            Ok(())
        }
        ProfileAction::Nickname { iccid, name } => {
            let i = Iccid::parse(iccid.trim())
                .map_err(|e| Failure(format!("ICCID {iccid:?}: {e}"), 2))?;
            card.set_nickname(&i, name)
                .map_err(es10_failed("SetNickname"))?;
            let value = json!({ "result": "ok", "iccid": i.as_str(), "nickname": name });
            out.result(
                &value,
                &format!("nickname of {} set to {:?}\n", i.as_str(), printable(name)),
            );
            Ok(())
        }
        ProfileAction::Download(d) => profile_download(card, d, setup, out),
        ProfileAction::Discover {
            smds,
            download,
            no_notify,
        } => discover(card, smds.as_deref(), *download, *no_notify, setup, out),
    }
}

fn managed(out: &Out, operation: &str, done: &str, id: &str) {
    let value = json!({ "result": "ok", "operation": operation, "profile": id.trim() });
    out.result(&value, &format!("{done} {}\n", id.trim()));
}

/// The source of a download from the command line; secrets are remembered for redaction.
/// The confirmation code given; an empty one is the user entering nothing.
fn confirmation_code(args: &DownloadArgs) -> Option<&String> {
    args.confirmation_code.as_ref().filter(|c| !c.is_empty())
}

fn download_source(
    card: &mut LpaCard<'_>,
    args: &DownloadArgs,
    out: &Out,
) -> Result<(Source, String), Failure> {
    if let Some(code) = &args.source.ac {
        out.remember(code);
        if args.planted_bug == Some(LpaPlantedBug::PanicOnMultibyteAc) {
            out.progress(&format!(
                "activation code starts {:?}",
                planted_ac_log_prefix(code)
            ));
        }
        let ac = ActivationCode::parse(code.trim(), &ParseOptions::lab()).map_err(|e| {
            Failure(
                format!(
                    "activation code {}: {e}",
                    if out.reveal {
                        code.clone()
                    } else {
                        rsp_codec::activation::redact(code)
                    }
                ),
                2,
            )
        })?;
        out.remember(&ac.matching_id);
        if ac.confirmation_code_required && confirmation_code(args).is_none() {
            return Err(Failure(
                "the activation code says a confirmation code is required: give \
                 --confirmation-code"
                    .into(),
                2,
            ));
        }
        let shown = if out.reveal {
            ac.to_string()
        } else {
            ac.redacted()
        };
        return Ok((
            Source::ActivationCode(ac),
            format!("activation code {shown}"),
        ));
    }
    if let Some(address) = &args.source.smdp {
        return Ok(match &args.matching_id {
            Some(m) => {
                let shown = out.secret(m);
                let ac = ActivationCode {
                    format: AcFormat::V1,
                    smdp_address: address.trim().to_owned(),
                    matching_id: m.clone(),
                    smdp_oid: None,
                    confirmation_code_required: false,
                    extra_fields: Vec::new(),
                };
                (
                    Source::ActivationCode(ac),
                    format!("SM-DP+ {} with matching ID {shown}", address.trim()),
                )
            }
            None => (
                Source::DefaultSmdp {
                    address: address.trim().to_owned(),
                },
                format!("SM-DP+ {} without matching ID", address.trim()),
            ),
        });
    }
    // --default-smdp (the argument group makes one of the three present).
    let addresses = card
        .configured_addresses()
        .map_err(es10_failed("GetEuiccConfiguredAddresses"))?;
    let address = addresses.default_dp_address.ok_or_else(|| {
        Failure(
            "--default-smdp: the eUICC has no default SM-DP+ address (set one with \
             `default-address ADDRESS`)"
                .into(),
            1,
        )
    })?;
    let shown = format!("default SM-DP+ {}", printable(&address));
    Ok((Source::DefaultSmdp { address }, shown))
}

fn profile_download(
    card: &mut LpaCard<'_>,
    args: &DownloadArgs,
    setup: &ServerSetup<'_>,
    out: &Out,
) -> Result<(), Failure> {
    let (source, described) = download_source(card, args, out)?;
    let consent = if args.reject {
        Consent::Reject
    } else if args.postpone {
        Consent::Postpone
    } else {
        Consent::Accept
    };
    let options = DownloadOptions {
        confirmation_code: confirmation_code(args).map(|c| {
            out.remember(c);
            Secret::new(c.clone())
        }),
        consent,
        send_notification: !args.no_notify,
        ..DownloadOptions::default()
    };
    let mut server = setup.server()?;
    let value = download(card, &mut server, source, &described, options, out)?;
    out.result(&value, &download_human(&value));
    Ok(())
}

fn metadata_json(m: &StoreMetadataRequest) -> Value {
    json!({
        "iccid": Iccid::from_bcd(&m.iccid).ok().map(|i| i.as_str().to_owned()),
        "service_provider_name": m.service_provider_name,
        "profile_name": m.profile_name,
        "class": class_name(Some(m.effective_profile_class())),
        "icon_type": m.icon_type,
        "policy_rules": m.profile_policy_rules.as_ref().map(|b| ppr_names(&b.set_bits())),
    })
}

fn time_json(split: &TimeSplit) -> Value {
    let total: Duration = split.steps.iter().map(|(_, d)| *d).sum();
    json!({
        "total_ms": ms(total),
        "server_ms": ms(split.server.time),
        "server_calls": split.server.calls,
        "apdu_ms": ms(split.apdu.time),
        "apdu_commands": split.apdu.commands,
        "apdu_bytes_sent": split.apdu.bytes_sent,
        "apdu_bytes_received": split.apdu.bytes_received,
    })
}

fn time_line(split: &TimeSplit) -> String {
    let total: Duration = split.steps.iter().map(|(_, d)| *d).sum();
    format!(
        "  time: {} ms in all; server {} ms ({} calls); APDU {} ms ({} commands, {} bytes sent, {} \
         received)",
        ms(total),
        ms(split.server.time),
        split.server.calls,
        ms(split.apdu.time),
        split.apdu.commands,
        split.apdu.bytes_sent,
        split.apdu.bytes_received
    )
}

/// One download, step by step, with progress on stderr (human mode). The JSON result on
/// success (a requested rejection or postponement acknowledged by the SM-DP+ is a success).
fn download(
    card: &mut LpaCard<'_>,
    server: &mut HttpsServer,
    source: Source,
    described: &str,
    options: DownloadOptions,
    out: &Out,
) -> Result<Value, Failure> {
    let consent = options.consent;
    let has_code = options.confirmation_code.is_some();
    let address = source.address().to_owned();
    out.progress(&format!("rspcheck: download from {described}"));
    let mut d = Download::new(card, server, source, options);
    let mut steps = Vec::new();
    let mut failure = None;
    while let Some(next) = d.next_step() {
        let result = d.step();
        let took = d
            .time_split()
            .steps
            .last()
            .map(|(_, t)| *t)
            .unwrap_or_default();
        steps.push(json!({ "step": next.name(), "ms": ms(took), "ok": result.is_ok() }));
        let status = match &result {
            Ok(_) => "ok",
            Err(DownloadError::Cancelled { reason, .. }) if requested(consent, *reason) => {
                "cancelled"
            }
            Err(_) => "FAILED",
        };
        out.progress(&format!(
            "  {:<27} {status:<6} {:>6} ms",
            next.name(),
            ms(took)
        ));
        match result {
            // No code to give: postpone (the order stays usable for a retry with the code)
            // rather than let the session end with a rejection.
            Ok(Step::AuthenticateClient)
                if d.confirmation_code_required() && !has_code && consent == Consent::Accept =>
            {
                let cancelled = d.cancel(CancelReason::Postponed);
                out.progress(&format!(
                    "  confirmation code required: session postponed{}",
                    match &cancelled {
                        Ok(()) => String::new(),
                        Err(e) => format!(" (not acknowledged: {e})"),
                    }
                ));
                failure = Some((Step::Confirm, DownloadError::ConfirmationCodeRequired));
                break;
            }
            Ok(Step::AuthenticateClient) => {
                if let Some(m) = d.metadata() {
                    let iccid = Iccid::from_bcd(&m.iccid)
                        .map(|i| i.as_str().to_owned())
                        .unwrap_or_else(|_| hex::encode_upper(m.iccid));
                    out.progress(&format!(
                        "    profile {iccid}: {:?} from {:?}, class {}{}",
                        printable(&m.profile_name),
                        printable(&m.service_provider_name),
                        class_name(Some(m.effective_profile_class())),
                        if d.confirmation_code_required() {
                            ", confirmation code required"
                        } else {
                            ""
                        }
                    ));
                }
            }
            Ok(_) => {}
            Err(e) => {
                failure = Some((next, e));
                break;
            }
        }
    }
    let split = d.time_split();
    out.progress(&time_line(&split));
    let metadata = d.metadata().as_ref().map(metadata_json);
    let mut value = json!({
        "smdp_address": address,
        "source": out.scrub(described),
        "metadata": metadata,
        "steps": steps,
        "time": time_json(&split),
    });
    // After installation only the PIR's delivery failed: the profile is there, the PIR stays
    // on the card for `notification process`.
    let mut notification_error = None;
    if let Some((step, e)) = failure.take() {
        if step >= Step::HandleNotification {
            notification_error = Some(e.to_string());
            out.progress(&format!(
                "rspcheck: warning: installed, but the installation notification was not \
                 delivered: {e}"
            ));
        } else {
            failure = Some((step, e));
        }
    }
    if let Some((_, e)) = failure {
        return match e {
            DownloadError::Cancelled {
                reason, reported, ..
            } if reported && requested(consent, reason) => {
                value["result"] = json!("cancelled");
                value["reason"] = json!(reason.name());
                Ok(value)
            }
            DownloadError::ConfirmationCodeRequired => Err(Failure(
                "profile download failed: the SM-DP+ requires a confirmation code; give \
                 --confirmation-code (the session was postponed, the order stays usable)"
                    .into(),
                1,
            )),
            e => Err(Failure(format!("profile download failed: {e}"), 1)),
        };
    }
    let installed = d
        .installed()
        .map_err(|e| Failure(format!("profile download failed: {e}"), 1))?;
    value["result"] = json!("installed");
    value["iccid"] = json!(installed.iccid);
    value["isdp_aid"] = json!(installed.isdp_aid.as_deref().map(hex::encode_upper));
    value["notification_sent"] = json!(steps
        .iter()
        .any(|s| s["step"] == Step::HandleNotification.name() && s["ok"] == true));
    value["notification_error"] = json!(notification_error.map(|e| out.scrub(&e)));
    Ok(value)
}

/// Whether the end user asked for this cancellation.
fn requested(consent: Consent, reason: CancelReason) -> bool {
    matches!(
        (consent, reason),
        (Consent::Reject, CancelReason::EndUserRejection)
            | (Consent::Postpone, CancelReason::Postponed)
    )
}

fn download_human(v: &Value) -> String {
    let text = |k: &str| or_dash(v[k].as_str());
    if v["result"] == "cancelled" {
        return format!(
            "download cancelled ({}), reported to the SM-DP+ {}\n",
            text("reason"),
            text("smdp_address")
        );
    }
    let m = &v["metadata"];
    let mut rows = vec![
        ("installed", text("iccid")),
        ("ISD-P AID", text("isdp_aid")),
        ("provider", or_dash(m["service_provider_name"].as_str())),
        ("name", or_dash(m["profile_name"].as_str())),
        ("class", or_dash(m["class"].as_str())),
        ("SM-DP+", text("smdp_address")),
    ];
    if v["notification_sent"] != true {
        rows.push((
            "notification",
            "left on the card (`notification process` sends it)".into(),
        ));
    }
    pairs(&rows)
}

fn discover(
    card: &mut LpaCard<'_>,
    smds: Option<&str>,
    download_each: bool,
    no_notify: bool,
    setup: &ServerSetup<'_>,
    out: &Out,
) -> Result<(), Failure> {
    let smds = match smds {
        Some(a) => a.trim().to_owned(),
        None => card
            .configured_addresses()
            .map_err(es10_failed("GetEuiccConfiguredAddresses"))?
            .root_ds_address
            .ok_or_else(|| Failure("the eUICC has no root SM-DS address; give --smds".into(), 1))?,
    };
    let mut server = setup.server()?;
    let mut stats = ServerStats::default();
    let events = discovery::discover(card, &mut server, &mut stats, &smds, &default_device_info())
        .map_err(|e| Failure(format!("discovery at {smds}: {e}"), 1))?;
    let events_json: Vec<Value> = events
        .iter()
        .map(|e| {
            json!({
                "event_id": out.secret(e.event_id.expose()),
                "rsp_server_address": e.rsp_server_address,
            })
        })
        .collect();
    let mut human = if events.is_empty() {
        format!("no events at {}\n", printable(&smds))
    } else {
        let rows: Vec<Vec<String>> = events_json
            .iter()
            .map(|e| {
                vec![
                    or_dash(e["event_id"].as_str()),
                    or_dash(e["rsp_server_address"].as_str()),
                ]
            })
            .collect();
        table(&["EVENT ID", "SM-DP+ / SM-DS"], &rows)
    };
    let mut value = json!({ "smds_address": smds, "events": events_json });
    if download_each {
        let mut results = Vec::new();
        let mut failed = 0;
        for e in events {
            let described = format!(
                "SM-DP+ {} for event {}",
                printable(&e.rsp_server_address),
                out.secret(e.event_id.expose())
            );
            let source = Source::Event {
                address: e.rsp_server_address.clone(),
                event_id: e.event_id.clone(),
            };
            let options = DownloadOptions {
                send_notification: !no_notify,
                ..DownloadOptions::default()
            };
            match download(card, &mut server, source, &described, options, out) {
                Ok(v) => {
                    human.push('\n');
                    human.push_str(&download_human(&v));
                    results.push(v);
                }
                Err(Failure(m, _)) => {
                    failed += 1;
                    let m = out.scrub(&m);
                    human.push_str(&format!("\nevent download failed: {m}\n"));
                    results.push(json!({ "error": m }));
                }
            }
        }
        value["downloads"] = json!(results);
        if failed > 0 {
            value["error"] = json!(format!("{failed} event download(s) failed"));
            out.result(&value, &human);
            return Err(Failure(format!("{failed} event download(s) failed"), 1));
        }
    }
    out.result(&value, &human);
    Ok(())
}

// ------------------------------------------------------------------ notifications

fn notification(
    card: &mut LpaCard<'_>,
    action: &NotificationAction,
    setup: &ServerSetup<'_>,
    out: &Out,
) -> Result<(), Failure> {
    match action {
        NotificationAction::List => {
            let list = card
                .list_notifications(None)
                .map_err(es10_failed("ListNotification"))?;
            let items: Vec<Value> = list
                .iter()
                .map(|m| {
                    json!({
                        "seq_number": m.seq_number,
                        "event": event_name(m.event()),
                        "address": m.notification_address,
                        "iccid": m.iccid.and_then(|i| Iccid::from_bcd(&i).ok()).map(|i| i.as_str().to_owned()),
                    })
                })
                .collect();
            let human = if items.is_empty() {
                "no pending notifications\n".to_owned()
            } else {
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|n| {
                        vec![
                            n["seq_number"].to_string(),
                            or_dash(n["event"].as_str()),
                            or_dash(n["iccid"].as_str()),
                            or_dash(n["address"].as_str()),
                        ]
                    })
                    .collect();
                table(&["SEQ", "EVENT", "ICCID", "ADDRESS"], &rows)
            };
            out.result(&json!({ "notifications": items }), &human);
            Ok(())
        }
        NotificationAction::Process { seq, keep } => {
            let mut server = setup.server()?;
            let mut stats = ServerStats::default();
            let deliveries = notifications::process(
                card,
                &mut server,
                &mut stats,
                *seq,
                !keep,
                &RetryPolicy::default(),
            )
            .map_err(es10_failed("RetrieveNotificationsList"))?;
            let items: Vec<Value> = deliveries
                .iter()
                .map(|d| {
                    let (delivered, removed, error) = match &d.outcome {
                        Ok(removed) => (true, *removed, None),
                        // Delivered but not removed is reported as such by rsp-lpa.
                        Err(e) if e.starts_with("delivered") => (true, false, Some(e.clone())),
                        Err(e) => (false, false, Some(e.clone())),
                    };
                    json!({
                        "seq_number": d.seq_number,
                        "event": event_name(d.event),
                        "address": d.address,
                        "attempts": d.attempts,
                        "delivered": delivered,
                        "removed": removed,
                        "error": error.map(|e| out.scrub(&e)),
                    })
                })
                .collect();
            let failed = items.iter().filter(|i| !i["error"].is_null()).count();
            let human = if items.is_empty() {
                if seq.is_some() {
                    "no pending notification with that sequence number\n".to_owned()
                } else {
                    "no pending notifications\n".to_owned()
                }
            } else {
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|n| {
                        let outcome = match (&n["error"], n["removed"] == true) {
                            (Value::String(e), _) => format!("FAILED: {}", printable(e)),
                            (_, true) => "delivered, removed".to_owned(),
                            (_, false) => "delivered, kept".to_owned(),
                        };
                        vec![
                            n["seq_number"].to_string(),
                            or_dash(n["event"].as_str()),
                            or_dash(n["address"].as_str()),
                            n["attempts"].to_string(),
                            outcome,
                        ]
                    })
                    .collect();
                table(&["SEQ", "EVENT", "ADDRESS", "ATTEMPTS", "OUTCOME"], &rows)
            };
            let mut value = json!({ "notifications": items });
            if failed > 0 {
                value["error"] = json!(format!("{failed} notification(s) not processed"));
            }
            out.result(&value, &human);
            if failed > 0 {
                return Err(Failure(
                    format!("{failed} notification(s) not processed"),
                    1,
                ));
            }
            Ok(())
        }
        NotificationAction::Remove { seq } => {
            card.remove_notification(*seq)
                .map_err(es10_failed("RemoveNotificationFromList"))?;
            out.result(
                &json!({ "result": "ok", "seq_number": seq }),
                &format!("notification {seq} removed\n"),
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::short("1$a.b$")]
    #[case::ascii("LPA:1$smdp.example.com$MID")]
    #[case::multibyte_after_byte_12("LPA:1$dp.ex.$\u{20ac}")]
    #[case::multibyte_ending_at_byte_12("LPA:1$dp.e\u{e9}$MID")]
    fn the_planted_ac_prefix_is_12_bytes_when_they_end_on_a_character(#[case] ac: &str) {
        let p = planted_ac_log_prefix(ac);
        assert_eq!(p.len(), 12.min(ac.len()));
        assert!(ac.starts_with(p));
    }

    #[test]
    #[should_panic(expected = "is not a char boundary")]
    fn the_planted_ac_prefix_panics_inside_a_multibyte_character() {
        // 11 ASCII bytes, then the 3-byte euro sign across byte 12.
        planted_ac_log_prefix("LPA:1$d.ex$\u{20ac}\u{20ac}");
    }

    #[rstest]
    #[case::reference("ref:/tmp/card.json", Some(CardSpec::Reference("/tmp/card.json".into())))]
    #[case::pcsc("pcsc:Virtual PCD", Some(CardSpec::Pcsc("Virtual PCD".into())))]
    #[case::pcsc_any("pcsc:", Some(CardSpec::Pcsc(String::new())))]
    #[case::ref_without_path("ref:", None)]
    #[case::unknown("vpcd:1", None)]
    fn card_specs(#[case] text: &str, #[case] expected: Option<CardSpec>) {
        assert_eq!(CardSpec::parse(text).ok(), expected);
    }

    #[rstest]
    #[case::ok("smdp.example=127.0.0.1:8443", true)]
    #[case::no_port("smdp.example=127.0.0.1", false)]
    #[case::no_host("=127.0.0.1:1", false)]
    #[case::no_equals("127.0.0.1:1", false)]
    fn resolve_entries(#[case] entry: &str, #[case] ok: bool) {
        assert_eq!(parse_resolve(&[entry.to_owned()]).is_ok(), ok);
    }

    #[test]
    fn secrets_are_scrubbed_longest_first_unless_revealed() {
        let out = Out {
            json: false,
            reveal: false,
            secrets: RefCell::new(Vec::new()),
            printed: Default::default(),
        };
        assert_eq!(out.secret("MATCH"), "<redacted:5>");
        out.remember("MATCH-ID-1");
        out.remember("abc");
        assert_eq!(
            out.scrub("refused MATCH-ID-1 and MATCH, abc"),
            "refused <redacted:10> and <redacted:5>, abc"
        );
        let open = Out {
            json: false,
            reveal: true,
            secrets: RefCell::new(Vec::new()),
            printed: Default::default(),
        };
        assert_eq!(open.secret("MATCH"), "MATCH");
        assert_eq!(open.scrub("MATCH"), "MATCH");
    }

    #[test]
    fn tables_align_and_text_is_made_printable() {
        let t = table(
            &["A", "LONGER"],
            &[vec!["xyz".into(), "1".into()], vec!["".into(), "2".into()]],
        );
        assert_eq!(t, "A    LONGER\nxyz  1\n     2\n");
        assert_eq!(printable("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(
            ext_card_resource(
                &hex::decode("810102820400010000830210 00".replace(' ', "")).unwrap()
            ),
            [Some(2), Some(65536), Some(4096)]
        );
    }
}
