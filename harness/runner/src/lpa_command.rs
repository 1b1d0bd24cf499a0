//! An LPA under test driven by a command template: rspcheck serves the SM-DP+ and SM-DS on
//! 127.0.0.1 and hands the LPA its eUICC, runs the command, and judges the LPA by what the
//! reference roles saw (the SM-DP+'s ledger, the card's state) and by its exit status.
//!
//! Placeholders (each replaced inside one argument; the template is split into arguments
//! first, so values are never interpreted by a shell):
//! `{activation_code}`, `{confirmation_code}` (empty when none), `{smdp}` (the SM-DP+ address),
//! `{smdp_resolve}` / `{smds_resolve}` (`NAME=127.0.0.1:PORT` for the LPA's host overrides),
//! `{card}` (`ref:STATEFILE`: the reference eUICC's state, loaded back after the command),
//! `{euicc_config}` (that card's configuration, TOML), `{pki}` (the PKI folder),
//! `{rspcheck}` (this executable, so the self-test can put rspcheck's own LPA under test),
//! `{reader}` (the PC/SC reader where rspcheck's eUICC is served through pcscd's vpcd driver
//! while the command runs; needs the `pcsc` feature and pcscd with vsmartcard-vpcd).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rsp_euicc::store::CardState;
use rsp_lpa::{CancelReason, Card, CardOptions};

use crate::actions::{Ctx, Observation, ObservedStatus};
use crate::world::{CardTransport, SmdpSide, SMDP_ADDRESS, SMDS_ADDRESS};

/// Longest stdout/stderr kept in the report per stream.
const OUTPUT_KEPT: usize = 4096;

/// Splits a template into arguments: whitespace separates, '…' and "…" group (no escapes).
pub fn split_template(template: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in template.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    args.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            (None, c) => {
                current.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return Err(format!("LPA command template {template:?}: unclosed quote"));
    }
    if started {
        args.push(current);
    }
    if args.is_empty() {
        return Err("the LPA command template is empty".into());
    }
    Ok(args)
}

/// What a command is expected to do, which decides how its effect is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A download (activation code, default SM-DP+, SM-DS event): judged by the SM-DP+'s ledger.
    Download,
    /// Sending notifications: judged by its exit status (and by later checks of the card).
    Notifications,
}

/// Runs one of the LPA's commands with the reference roles around it.
pub fn run_command(ctx: &mut Ctx<'_>, template: &str, kind: Kind) -> Result<Observation, String> {
    ctx.world.end_download();
    let work = tempfile::tempdir().map_err(|e| format!("work folder: {e}"))?;
    let state_path = work.path().join("euicc-state.json");
    let config_path = work.path().join("euicc.toml");

    // The card leaves the world for the command's duration: its state goes to a file.
    let card = ctx.world.card.take().ok_or("the card is in use")?;
    let mut transport = card
        .close()
        .map_err(|e| format!("close the ISD-R channel: {e}"))?;
    let restore = |ctx: &mut Ctx<'_>, transport: CardTransport| -> Result<(), String> {
        let card = Card::open(transport, CardOptions::default())
            .map_err(|e| format!("open the ISD-R after the LPA: {e}"))?;
        ctx.world.card = Some(card);
        Ok(())
    };
    let Some(euicc) = transport.reference() else {
        restore(ctx, transport)?;
        return Err("an LPA under test needs the reference eUICC (the card here is a DUT)".into());
    };
    euicc
        .state()
        .save(&state_path)
        .map_err(|e| format!("eUICC state: {e}"))?;
    let config = crate::world::reference_card_config(&ctx.world.spec).map_err(|e| e.to_string())?;
    std::fs::write(
        &config_path,
        toml::to_string(&config).map_err(|e| format!("eUICC config: {e}"))?,
    )
    .map_err(|e| format!("eUICC config: {e}"))?;

    let activation_code = ctx
        .args
        .get("activation_code")
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .or_else(|| ctx.world.vars.get("activation_code").cloned())
        .unwrap_or_default();
    let confirmation_code = ctx
        .args
        .get("cc")
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .or_else(|| ctx.world.vars.get("cc").cloned())
        .unwrap_or_default();
    let smdp_resolve = match &ctx.world.smdp {
        SmdpSide::Reference { handle, .. } => format!("{SMDP_ADDRESS}={}", handle.local_addr()),
        SmdpSide::Dut { address } => address.clone(),
    };
    let smds_resolve = ctx
        .world
        .smds
        .as_ref()
        .map(|s| format!("{SMDS_ADDRESS}={}", s.es11.local_addr()))
        .unwrap_or_default();
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "rspcheck".into());
    let values: [(&str, String); 10] = [
        ("{reader}", VPCD_READER.to_owned()),
        ("{activation_code}", activation_code),
        ("{confirmation_code}", confirmation_code),
        ("{smdp}", ctx.world.smdp.address()),
        ("{smdp_resolve}", smdp_resolve),
        ("{smds_resolve}", smds_resolve),
        ("{card}", format!("ref:{}", state_path.display())),
        ("{euicc_config}", config_path.display().to_string()),
        ("{pki}", ctx.world.spec.pki.dir.display().to_string()),
        ("{rspcheck}", exe),
    ];
    let mut argv = Vec::new();
    for word in split_template(template)? {
        let mut w = word;
        for (k, v) in &values {
            w = w.replace(k, v);
        }
        if w.contains('{') && w.contains('}') {
            return Err(format!(
                "LPA command argument {w:?}: unknown placeholder (known: {})",
                values.map(|(k, _)| k).join(" ")
            ));
        }
        argv.push(w);
    }

    let audit_before = audit_len(ctx);
    let mut obs = Observation::default();
    let limit = ctx.world.spec.timeout * 3;
    let outcome = if template.contains("{reader}") {
        // The card is served through pcscd while the command runs, then comes back as it is.
        let Some(euicc) = transport.reference() else {
            return Err("an LPA under test needs the reference eUICC".into());
        };
        let r = with_vpcd(euicc, || run(&argv, work.path(), limit));
        restore(ctx, transport)?;
        r?
    } else {
        let outcome = run(&argv, work.path(), limit);
        // The card comes back with whatever the LPA left in its state file.
        if let Some(euicc) = transport.reference() {
            match CardState::load(&state_path) {
                Ok(state) => euicc.set_state(state),
                Err(e) => obs
                    .notes
                    .push(format!("the LPA left no readable card state: {e}")),
            }
        }
        restore(ctx, transport)?;
        outcome
    };

    let (code, stdout, stderr) = match outcome {
        Ok(x) => x,
        Err(RunFailure::Start(e)) => return Err(format!("start {:?}: {e}", argv[0])),
        Err(RunFailure::Timeout) => {
            obs.no_response = true;
            obs.outcome = Some("timeout".into());
            return Ok(obs);
        }
    };
    obs.facts.insert("exit_code".into(), code.to_string());
    if kind == Kind::Notifications {
        for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            if !text.trim().is_empty() {
                let kept: String = text.chars().take(OUTPUT_KEPT).collect();
                obs.notes.push(format!("{name}: {}", kept.trim_end()));
            }
        }
        let sent = audit_since(ctx, audit_before)
            .iter()
            .filter(|(e, _)| e == "notification" || e == "installed" || e == "install-failed")
            .count();
        obs.facts
            .insert("received_by_smdp".into(), sent.to_string());
        if code == 0 {
            obs.status = Some(ObservedStatus::Success);
        } else {
            obs.dut_error = Some(format!("the notification command exited with {code}"));
        }
        return Ok(obs);
    }
    for (name, text) in [("stdout", stdout), ("stderr", stderr)] {
        if !text.trim().is_empty() {
            let kept: String = text.chars().take(OUTPUT_KEPT).collect();
            obs.notes.push(format!("{name}: {}", kept.trim_end()));
        }
    }
    // What the SM-DP+ saw of this LPA is what judges it.
    let seen = audit_since(ctx, audit_before);
    obs.outcome = Some(if seen.iter().any(|(e, _)| e == "installed") {
        "installed".to_owned()
    } else if seen.iter().any(|(e, _)| e == "install-failed") {
        "install_failed".to_owned()
    } else if let Some((_, detail)) = seen.iter().find(|(e, _)| e == "cancelled") {
        let code: Option<i64> = detail
            .strip_prefix("reason ")
            .and_then(|c| c.trim().parse().ok());
        match CancelReason::ALL
            .into_iter()
            .find(|r| Some(r.code()) == code)
        {
            Some(r) => format!("cancelled:{}", r.name()),
            None => format!("cancelled:{detail}"),
        }
    } else if code != 0 && seen.is_empty() {
        "ac_refused".to_owned()
    } else {
        "failed".to_owned()
    });
    obs.status = Some(ObservedStatus::Success);
    Ok(obs)
}

/// The PC/SC reader pcscd's vpcd driver shows for its first slot.
pub const VPCD_READER: &str = "Virtual PCD 00 00";

/// Runs `f` while `euicc` is the card in [`VPCD_READER`] (served to pcscd's vpcd driver on
/// 127.0.0.1:35963); the card is taken out again before this returns.
#[cfg(feature = "pcsc")]
fn with_vpcd<R>(
    euicc: &mut rsp_euicc::Euicc,
    f: impl FnOnce() -> Result<R, RunFailure>,
) -> Result<Result<R, RunFailure>, String> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use rsp_euicc::pcsc_transport::{wait_for_card, wait_for_empty};
    use rsp_euicc::vpcd::{run_vpcd, VpcdOptions, DEFAULT_PORT};

    let stop = Arc::new(AtomicBool::new(false));
    let options = VpcdOptions {
        addr: ([127, 0, 0, 1], DEFAULT_PORT).into(),
        reconnect: false,
        stop: Some(stop.clone()),
        ..VpcdOptions::default()
    };
    std::thread::scope(|scope| {
        let served = scope.spawn(|| run_vpcd(euicc, &options));
        let present = wait_for_card(VPCD_READER, Duration::from_secs(20));
        let result = match present {
            Ok(_) => Ok(f()),
            Err(e) => Err(format!(
                "the eUICC did not appear in {VPCD_READER:?} (is pcscd running with \
                 vsmartcard-vpcd?): {e}"
            )),
        };
        stop.store(true, Ordering::SeqCst);
        let ended = served
            .join()
            .map_err(|_| "the vpcd card thread panicked".to_owned())
            .and_then(|r| r.map_err(|e| format!("vpcd: {e}")));
        // The next case must not see this card still leaving.
        let _ = wait_for_empty(VPCD_READER, Duration::from_secs(10));
        let result = result?;
        ended?;
        Ok(result)
    })
}

#[cfg(not(feature = "pcsc"))]
fn with_vpcd<R>(
    _euicc: &mut rsp_euicc::Euicc,
    _f: impl FnOnce() -> Result<R, RunFailure>,
) -> Result<Result<R, RunFailure>, String> {
    Err(
        "the {reader} placeholder serves the eUICC through pcscd: build with --features pcsc"
            .into(),
    )
}

enum RunFailure {
    Start(std::io::Error),
    Timeout,
}

/// Runs `argv` in `dir` with a deadline; `(exit code, stdout, stderr)`.
fn run(argv: &[String], dir: &Path, limit: Duration) -> Result<(i32, String, String), RunFailure> {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunFailure::Start)?;
    // Readers on their own threads: a chatty LPA must not block on a full pipe.
    let out = child.stdout.take().map(reader);
    let err = child.stderr.take().map(reader);
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunFailure::Timeout);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(RunFailure::Start(e)),
        }
    };
    let collect = |h: Option<std::thread::JoinHandle<String>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok((status.code().unwrap_or(-1), collect(out), collect(err)))
}

fn reader(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        // Bounded: the report keeps a few kB, the rest is drained and dropped.
        let mut chunk = [0u8; 8192];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if buf.len() < 64 * 1024 {
                buf.extend_from_slice(&chunk[..n]);
            }
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

pub(crate) fn audit_len(ctx: &Ctx<'_>) -> usize {
    ctx.world
        .smdp
        .reference()
        .map(|s| s.with(|s| rsp_smdp::OrderStore::audit_log(s.store()).len()))
        .unwrap_or(0)
}

/// `(event, detail)` of the SM-DP+'s ledger entries after the first `from`.
pub(crate) fn audit_since(ctx: &Ctx<'_>, from: usize) -> Vec<(String, String)> {
    ctx.world
        .smdp
        .reference()
        .map(|s| {
            s.with(|s| {
                rsp_smdp::OrderStore::audit_log(s.store())
                    .into_iter()
                    .skip(from)
                    .map(|e| (e.event.name().to_owned(), e.detail))
                    .collect()
            })
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_arguments_without_a_shell() {
        assert_eq!(
            split_template("lpa  download --ac {activation_code} 'two words' \"x y\"").unwrap(),
            vec![
                "lpa",
                "download",
                "--ac",
                "{activation_code}",
                "two words",
                "x y"
            ]
        );
        assert_eq!(split_template("a ''").unwrap(), vec!["a", ""]);
        assert!(split_template("a 'open").is_err());
        assert!(split_template("   ").is_err());
    }
}
