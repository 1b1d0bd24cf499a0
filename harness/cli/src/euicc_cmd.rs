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
    let credentials = Credentials::load(&pki)
        .map_err(|e| Failure(format!("eUICC credentials from {}: {e}", pki.display()), 1))?;
    let config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Failure(format!("cannot read {}: {e}", p.display()), 2))?;
            EuiccConfig::from_toml(&text)
                .map_err(|e| Failure(format!("{}: {e}", p.display()), 2))?
        }
        None => EuiccConfig::default(),
    };
    let card = Euicc::new(config, credentials, Box::new(SeededRandom::new(args.seed)))
        .map_err(|e| Failure(e.to_string(), 2))?;
    match &args.state {
        Some(p) => card
            .with_state_file(p)
            .map_err(|e| Failure(e.to_string(), 1)),
        None => Ok(card),
    }
}

fn generated_pki(seed: u64) -> Result<PathBuf, Failure> {
    let dir = std::env::temp_dir().join(format!("rspcheck-pki-{seed}"));
    if !dir.join("manifest.toml").exists() {
        pkigen::generate_to_dir(
            &dir,
            &GenerateOptions {
                seed,
                ..GenerateOptions::default()
            },
        )
        .map_err(|e| Failure(format!("generating a test PKI: {e}"), 1))?;
    }
    eprintln!(
        "rspcheck: using the generated test PKI {} (seed {seed}); --pki DIR for another",
        dir.display()
    );
    Ok(dir)
}

pub fn serve(role: ServeRole) -> Result<(), Failure> {
    let ServeRole::Euicc {
        card,
        vpcd: addr,
        no_reconnect,
    } = role;
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

fn report_save_errors(euicc: &mut Euicc) -> Result<(), Failure> {
    let errors = euicc.take_save_errors();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure(format!("state file: {}", errors.join("; ")), 1))
    }
}
