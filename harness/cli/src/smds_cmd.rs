//! `rspcheck serve smds --config FILE` and `rspcheck smds audit --db FILE`: the reference
//! SM-DS on HTTPS (ES11 for LPAs, ES12 on a mutual-TLS listener for SM-DP+s, optional cascade
//! to a parent SM-DS) and its audit trail.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use rsp_smds::config::ServeConfig;
use rsp_smds::http::SystemClock;
use rsp_smds::sqlite::{format_audit, AuditFilter, SqliteEventStore};

use crate::Failure;

/// `serve smds` arguments.
#[derive(Args)]
pub struct ServeSmdsArgs {
    /// TOML: address, pki | pki_seed, bind, es12_bind, es12_client_auth, database | in_memory,
    /// [parent] (cascade), [limits]. See rsp_smds::config.
    #[arg(long)]
    config: PathBuf,
    /// Seed of the server's randomness (transaction ids, challenges).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Serves until every listener has stopped (`[limits] max_requests`) or the process is killed.
pub fn serve(args: ServeSmdsArgs) -> Result<(), Failure> {
    let config = ServeConfig::load(&args.config).map_err(|e| Failure(e.to_string(), 2))?;
    let pki_dir = match &config.pki {
        Some(p) => p.clone(),
        None => crate::euicc_cmd::generated_pki(config.pki_seed)?,
    };
    let pki = rsp_crypto::pkiset::PkiSet::load(&pki_dir)
        .map_err(|e| Failure(format!("PKI {}: {e}", pki_dir.display()), 1))?;
    let running = config
        .start(&pki, args.seed, Box::new(SystemClock))
        .map_err(|e| {
            let code = match e {
                rsp_smds::config::ConfigError::Invalid(_) => 2,
                _ => 1,
            };
            Failure(e.to_string(), code)
        })?;
    eprintln!(
        "rspcheck: SM-DS {} serving ES11 on https://{}",
        config.address,
        running.es11.local_addr()
    );
    match &running.es12 {
        Some(h) => eprintln!(
            "rspcheck: SM-DS {} serving ES12 (mutual TLS) on https://{}",
            config.address,
            h.local_addr()
        ),
        None => eprintln!(
            "rspcheck: ES12 served on the ES11 listener without client certificates (lab)"
        ),
    }
    if let Some(p) = &config.parent {
        eprintln!("rspcheck: cascading forwarded events to {}", p.url);
    }
    running.wait();
    Ok(())
}

#[derive(Subcommand)]
pub enum SmdsAction {
    /// Print the append-only audit trail of an SM-DS database (EventIDs as fingerprints).
    Audit {
        /// The SQLite database of `serve smds`.
        #[arg(long)]
        db: PathBuf,
        /// Only this EID.
        #[arg(long)]
        eid: Option<String>,
    },
}

pub fn smds(action: SmdsAction) -> Result<(), Failure> {
    let SmdsAction::Audit { db, eid } = action;
    let store = SqliteEventStore::open_existing(&db).map_err(|e| Failure(e.to_string(), 1))?;
    let entries = store
        .audit_report(&AuditFilter { eid, since: None })
        .map_err(|e| Failure(e.to_string(), 1))?;
    print!("{}", format_audit(&entries));
    Ok(())
}
