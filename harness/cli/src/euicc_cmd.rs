//! `rspcheck serve euicc` and `rspcheck euicc`: the reference eUICC as a virtual card behind
//! pcscd's vpcd driver, and direct APDU access to a card state file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use rsp_codec::apdu::sw;
use rsp_crypto::pkigen::{self, GenerateOptions};
use rsp_crypto::SeededRandom;
use rsp_euicc::vpcd::{self, VpcdOptions};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};

use crate::Failure;

/// How to build the card: PKI, configuration, state, seed.
#[derive(Args)]
pub struct CardArgs {
    /// PKI folder in the SGP.26 layout (e.g. ../shared/vectors/sgp26 or `rspcheck pki
    /// generate` output). Default: a test PKI generated with --pki-seed into the temp directory.
    #[arg(long)]
    pki: Option<PathBuf>,
    /// Seed of the generated test PKI when --pki is not given.
    #[arg(long, default_value_t = 0)]
    pki_seed: u64,
    /// eUICC configuration (TOML: personality, svn, capabilities, addresses, limits …).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Keep profiles and notifications in this file across restarts (written atomically).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seed of the card's randomness (challenges, one-time keys).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Subcommand)]
pub enum ServeRole {
    /// The reference eUICC as a virtual smart card: connects to pcscd's vpcd driver so that any
    /// PC/SC application (an LPA under test, pcsc_scan) sees an eUICC in reader "Virtual PCD".
    Euicc {
        #[command(flatten)]
        card: CardArgs,
        /// Where pcscd's vpcd driver listens.
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: SocketAddr,
        /// Stop instead of reconnecting when pcscd goes away.
        #[arg(long)]
        no_reconnect: bool,
    },
    /// The reference SM-DP+: ES9+ over HTTPS with the DPtls certificate, orders and audit log in
    /// SQLite (or in memory), inventory from the configuration file.
    Smdp {
        /// TOML: address, pki, bind, database | in_memory, limits, [[profile]] entries.
        #[arg(long)]
        config: PathBuf,
        /// Seed of the server's randomness (transaction ids, challenges, keys).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Stop after this many ES9+ requests (scripted runs and tests).
        #[arg(long)]
        max_requests: Option<u64>,
    },
    /// The reference SM-DS: ES11 over HTTPS with the DStls certificate, ES12 on a second,
    /// mutual-TLS listener, events and audit trail in SQLite (or in memory), optional cascade.
    Smds(crate::smds_cmd::ServeSmdsArgs),
}

#[derive(Subcommand)]
pub enum EuiccAction {
    /// Send APDUs (hex) to the reference eUICC and print the answers; with --state the card
    /// keeps what they change.
    Apdu {
        #[command(flatten)]
        card: CardArgs,
        /// Command APDUs in hex, sent in order.
        apdus: Vec<String>,
    },
    /// Print the card's EID, EUICCInfo2 and installed profiles.
    Info {
        #[command(flatten)]
        card: CardArgs,
    },
}

fn build_card(args: &CardArgs) -> Result<Euicc, Failure> {
    let pki = match &args.pki {
        Some(p) => p.clone(),
        None => generated_pki(args.pki_seed)?,
    };
    build_reference_card(
        &pki,
        args.config.as_deref(),
        args.state.as_deref(),
        args.seed,
    )
}

/// The reference eUICC as `rspcheck euicc`, `serve euicc` and `rspcheck lpa --card ref:` build
/// it: credentials from the PKI folder, the configuration (default when absent), the state file
/// (created when it does not exist) and the seed of its randomness. The same arguments give the
/// same card, so those commands all see one card.
pub(crate) fn build_reference_card(
    pki: &std::path::Path,
    config: Option<&std::path::Path>,
    state: Option<&std::path::Path>,
    seed: u64,
) -> Result<Euicc, Failure> {
    let credentials = Credentials::load(pki)
        .map_err(|e| Failure(format!("eUICC credentials from {}: {e}", pki.display()), 1))?;
    let config = match config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Failure(format!("cannot read {}: {e}", p.display()), 2))?;
            EuiccConfig::from_toml(&text)
                .map_err(|e| Failure(format!("{}: {e}", p.display()), 2))?
        }
        None => EuiccConfig::default(),
    };
    let card = Euicc::new(config, credentials, Box::new(SeededRandom::new(seed)))
        .map_err(|e| Failure(e.to_string(), 2))?;
    match state {
        Some(p) => card
            .with_state_file(p)
            .map_err(|e| Failure(format!("state file {e}"), 1)),
        None => Ok(card),
    }
}

pub(crate) fn generated_pki(seed: u64) -> Result<PathBuf, Failure> {
    let dir = std::env::temp_dir().join(format!("rspcheck-pki-{seed}"));
    if !dir.join("manifest.toml").exists() {
        // Generated beside and renamed into place: a server and an LPA started together never
        // see half a set.
        let tmp = std::env::temp_dir().join(format!("rspcheck-pki-{seed}.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        pkigen::generate_to_dir(
            &tmp,
            &GenerateOptions {
                seed,
                ..GenerateOptions::default()
            },
        )
        .map_err(|e| Failure(format!("generating a test PKI: {e}"), 1))?;
        // Losing the race to another process is fine: its set is the same. A stale folder
        // without a manifest is replaced.
        if std::fs::rename(&tmp, &dir).is_err() {
            if !dir.join("manifest.toml").exists() {
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::rename(&tmp, &dir)
                    .map_err(|e| Failure(format!("test PKI into {}: {e}", dir.display()), 1))?;
            }
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    eprintln!(
        "rspcheck: using the generated test PKI {} (seed {seed}); --pki DIR for another",
        dir.display()
    );
    Ok(dir)
}

pub fn serve(role: ServeRole) -> Result<(), Failure> {
    let (card, addr, no_reconnect) = match role {
        ServeRole::Euicc {
            card,
            vpcd,
            no_reconnect,
        } => (card, vpcd, no_reconnect),
        ServeRole::Smdp {
            config,
            seed,
            max_requests,
        } => return serve_smdp(&config, seed, max_requests),
        ServeRole::Smds(args) => return crate::smds_cmd::serve(args),
    };
    let mut euicc = build_card(&card)?;
    let stop = Arc::new(AtomicBool::new(false));
    eprintln!(
        "rspcheck: eUICC {} serving vpcd at {addr} (Ctrl-C to stop)",
        euicc.eid().to_digits()
    );
    let options = VpcdOptions {
        addr,
        reconnect: !no_reconnect,
        reconnect_delay: Duration::from_millis(500),
        max_frames: None,
        stop: Some(stop.clone()),
    };
    let stats = vpcd::run_vpcd(&mut euicc, &options).map_err(|e| Failure(e.to_string(), 1))?;
    stop.store(true, Ordering::Relaxed);
    for e in euicc.take_save_errors() {
        eprintln!("rspcheck: state file: {e}");
    }
    eprintln!(
        "rspcheck: vpcd ended ({:?}): {} connections, {} APDUs",
        stats.end, stats.connections, stats.apdus
    );
    Ok(())
}

pub fn euicc(action: EuiccAction) -> Result<(), Failure> {
    match action {
        EuiccAction::Apdu { card, apdus } => {
            let mut euicc = build_card(&card)?;
            for a in apdus {
                let bytes = hex::decode(a.replace([' ', ':'], ""))
                    .map_err(|e| Failure(format!("{a}: not hex: {e}"), 2))?;
                let r = euicc.process(&bytes);
                let (data, status) = r.split_at(r.len() - 2);
                let status = u16::from_be_bytes([status[0], status[1]]);
                println!("> {}", hex::encode_upper(&bytes));
                println!("< {} {}", hex::encode_upper(data), sw::describe(status));
            }
            report_save_errors(&mut euicc)
        }
        EuiccAction::Info { card } => {
            let mut euicc = build_card(&card)?;
            println!("EID {}", euicc.eid().to_digits());
            println!("personality {}", euicc.config().personality);
            let info2 = rsp_codec::views::View::encode(&euicc.euicc_info2());
            if let Ok(m) = rsp_codec::Message::parse(&rsp_codec::schema::EUICC_INFO2, &info2) {
                println!("{}", m.pretty());
            }
            for p in &euicc.state().profiles {
                println!(
                    "profile ICCID {} AID {} {} class {:?}{}",
                    hex::encode_upper(&p.iccid),
                    hex::encode_upper(&p.isdp_aid),
                    if p.enabled { "enabled" } else { "disabled" },
                    p.class,
                    p.nickname
                        .as_deref()
                        .map(|n| format!(" nickname {n:?}"))
                        .unwrap_or_default()
                );
            }
            report_save_errors(&mut euicc)
        }
    }
}

pub(crate) fn report_save_errors(euicc: &mut Euicc) -> Result<(), Failure> {
    let errors = euicc.take_save_errors();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure(format!("state file: {}", errors.join("; ")), 1))
    }
}

// ------------------------------------------------------------------ SM-DP+

#[derive(Subcommand)]
pub enum SmdpAction {
    /// Print the append-only audit log of an SM-DP+ database.
    Audit {
        /// The SQLite database of `serve smdp`.
        #[arg(long)]
        db: PathBuf,
        /// Only this ICCID.
        #[arg(long)]
        iccid: Option<String>,
        /// Only this EID.
        #[arg(long)]
        eid: Option<String>,
    },
}

pub fn smdp(action: SmdpAction) -> Result<(), Failure> {
    let SmdpAction::Audit { db, iccid, eid } = action;
    let store =
        rsp_smdp::sqlite::SqliteStore::open_existing(&db).map_err(|e| Failure(e.to_string(), 1))?;
    let entries = store
        .try_audit_report(&rsp_smdp::sqlite::AuditFilter {
            iccid,
            eid,
            since: None,
        })
        .map_err(|e| Failure(e.to_string(), 1))?;
    print!("{}", rsp_smdp::sqlite::format_audit(&entries));
    Ok(())
}

/// `serve smdp --config FILE`: loads the inventory into the store (orders already there keep
/// their state, so a restart never revives a used activation code) and serves ES9+ on HTTPS.
pub fn serve_smdp(
    config_path: &std::path::Path,
    seed: u64,
    max_requests: Option<u64>,
) -> Result<(), Failure> {
    use rsp_smdp::config::ServeConfig;
    use rsp_smdp::orders::OrderStore;
    let config = ServeConfig::load(config_path).map_err(|e| Failure(e.to_string(), 2))?;
    let orders = config
        .orders(config_path)
        .map_err(|e| Failure(e.to_string(), 2))?;
    let pki_dir = match &config.pki {
        Some(p) => p.clone(),
        None => generated_pki(0)?,
    };
    let pki = rsp_crypto::pkiset::PkiSet::load(&pki_dir)
        .map_err(|e| Failure(format!("PKI {}: {e}", pki_dir.display()), 1))?;
    let tls_cert = config
        .tls_cert
        .clone()
        .unwrap_or_else(|| pki_dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"));
    let tls_key = config
        .tls_key
        .clone()
        .unwrap_or_else(|| pki_dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem"));
    let tls = rsp_http::TlsConfig::from_pem_files(&tls_cert, &tls_key)
        .map_err(|e| Failure(format!("TLS certificate {}: {e}", tls_cert.display()), 1))?;
    let bind: SocketAddr = config
        .bind
        .parse()
        .map_err(|e| Failure(format!("bind {:?}: {e}", config.bind), 2))?;
    let now = rsp_crypto::cert::Time::from_unix(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    );
    struct Setup<'a> {
        config: &'a rsp_smdp::config::ServeConfig,
        pki: &'a rsp_crypto::pkiset::PkiSet,
        pki_dir: &'a std::path::Path,
        server_config: rsp_http::ServerConfig,
        seed: u64,
        now: rsp_crypto::cert::Time,
    }
    fn run<S: OrderStore + Send + 'static>(
        mut store: S,
        orders: Vec<rsp_smdp::Order>,
        setup: Setup<'_>,
    ) -> Result<(), Failure> {
        let config = setup.config;
        for o in orders {
            if store.get(&o.iccid).is_none() {
                store.put(o);
            }
        }
        if let Some(f) = store.take_failure() {
            return Err(Failure(f, 1));
        }
        let mut smdp = rsp_smdp::Smdp::new(
            config.smdp_config(),
            setup.pki,
            store,
            Box::new(SeededRandom::new(setup.seed)),
            setup.now,
        )
        .map_err(|e| Failure(e.to_string(), 1))?;
        let cis: Vec<Vec<u8>> = setup.pki.cis().iter().map(|c| c.der().to_vec()).collect();
        let dp_identity = || -> Result<rsp_http::ClientIdentity, Failure> {
            Ok(rsp_http::ClientIdentity {
                cert_chain_der: rsp_http::load_certificates(
                    &setup.pki_dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
                )
                .map_err(|e| Failure(format!("DP TLS certificate: {e}"), 1))?,
                key_der: rsp_http::load_private_key(
                    &setup.pki_dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem"),
                )
                .map_err(|e| Failure(format!("DP TLS key: {e}"), 1))?,
            })
        };
        if let Some(es12) = &config.es12 {
            let trust = if es12.insecure {
                rsp_http::Trust::InsecureAcceptAny
            } else {
                rsp_http::Trust::Roots(cis.clone())
            };
            let mut client = rsp_http::ClientConfig::new(trust);
            client.client_identity = Some(dp_identity()?);
            for r in &es12.resolve {
                let (host, addr) = r
                    .split_once('=')
                    .and_then(|(h, a)| Some((h.to_owned(), a.parse::<SocketAddr>().ok()?)))
                    .ok_or_else(|| {
                        Failure(format!("es12.resolve {r:?}: host=ip:port expected"), 2)
                    })?;
                client.resolve.push((host, addr));
            }
            let client =
                rsp_http::HttpClient::new(client).map_err(|e| Failure(e.to_string(), 1))?;
            smdp.set_event_registrar(Box::new(rsp_smdp::es12_client::HttpEventRegistrar::new(
                client,
            )));
        }
        let callback = config.es2.as_ref().and_then(|e| {
            e.callback_url
                .as_ref()
                .map(|u| (u.clone(), e.callback_insecure))
        });
        let service = Arc::new(
            match callback {
                Some((url, insecure)) => {
                    let trust = if insecure {
                        rsp_http::Trust::InsecureAcceptAny
                    } else {
                        rsp_http::Trust::Roots(cis.clone())
                    };
                    let mut client = rsp_http::ClientConfig::new(trust);
                    client.client_identity = Some(dp_identity()?);
                    let client =
                        rsp_http::HttpClient::new(client).map_err(|e| Failure(e.to_string(), 1))?;
                    let notifier = rsp_smdp::es2_http::ProgressNotifier::start(
                        client,
                        url,
                        config.address.clone(),
                    );
                    rsp_smdp::http::SmdpService::with_progress_notifier(smdp, notifier)
                }
                None => rsp_smdp::http::SmdpService::new(smdp),
            }
            .with_clock(Box::new(rsp_crypto::cert::SystemClock)),
        );
        let tls = setup.server_config.tls.clone();
        let server = rsp_http::serve(setup.server_config, service.clone())
            .map_err(|e| Failure(e.to_string(), 1))?;
        eprintln!(
            "rspcheck: SM-DP+ {} serving ES9+ on https://{} (Ctrl-C to stop)",
            config.address,
            server.local_addr()
        );
        let mut others = Vec::new();
        if let (Some(es2), Some(tls)) = (&config.es2, tls) {
            let bind: SocketAddr = es2
                .bind
                .parse()
                .map_err(|e| Failure(format!("es2.bind {:?}: {e}", es2.bind), 2))?;
            let roots = match &es2.operator_roots {
                Some(p) => rsp_http::load_certificates(p)
                    .map_err(|e| Failure(format!("es2.operator_roots: {e}"), 2))?,
                None => cis.clone(),
            };
            let es2_server = rsp_http::serve(
                rsp_http::ServerConfig {
                    bind,
                    tls: Some(tls.with_client_auth(roots)),
                    ..rsp_http::ServerConfig::default()
                },
                Arc::new(rsp_smdp::es2_http::Es2Service::new(service.clone())),
            )
            .map_err(|e| Failure(e.to_string(), 1))?;
            eprintln!(
                "rspcheck: ES2+ on https://{} (operator client certificate required)",
                es2_server.local_addr()
            );
            others.push(es2_server);
        }
        if let Some(admin) = &config.admin {
            let bind: SocketAddr = admin
                .bind
                .parse()
                .map_err(|e| Failure(format!("admin.bind {:?}: {e}", admin.bind), 2))?;
            if !bind.ip().is_loopback() {
                return Err(Failure(
                    format!("admin.bind {bind}: the admin interface binds loopback only"),
                    2,
                ));
            }
            let admin_server = rsp_http::serve(
                rsp_http::ServerConfig {
                    bind,
                    ..rsp_http::ServerConfig::default()
                },
                Arc::new(rsp_smdp::admin::AdminService::new(service.clone())),
            )
            .map_err(|e| Failure(e.to_string(), 1))?;
            eprintln!(
                "rspcheck: fault injection on http://{}/faults",
                admin_server.local_addr()
            );
            others.push(admin_server);
        }
        while !server.wait_stopped(Duration::from_secs(3600)) {}
        drop(others);
        Ok(())
    }
    let server_config = rsp_http::ServerConfig {
        bind,
        tls: Some(tls),
        max_requests,
        ..rsp_http::ServerConfig::default()
    };
    let setup = Setup {
        config: &config,
        pki: &pki,
        pki_dir: &pki_dir,
        server_config,
        seed,
        now,
    };
    match (&config.database, config.in_memory) {
        (Some(db), false) => {
            let store =
                rsp_smdp::sqlite::SqliteStore::open(db).map_err(|e| Failure(e.to_string(), 1))?;
            run(store, orders, setup)
        }
        (None, true) => run(rsp_smdp::MemoryStore::default(), orders, setup),
        _ => Err(Failure(
            "the configuration needs exactly one of `database = FILE` and `in_memory = true`"
                .into(),
            2,
        )),
    }
}
