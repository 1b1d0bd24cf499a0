//! Load test of the reference SM-DP+ over HTTPS on 127.0.0.1 (bounded: fixed counts, then exit).
//!
//! `cargo run --release -p rsp-smdp --example loadtest -- [--concurrent 1000] [--sequential 10000]
//!  [--abandoned 1000] [--threads 64] [--seq-threads 1] [--seed 1] [--ttl 300] [--max-rss-mb 50]`
//!
//! The SM-DP+ runs in a child process (this binary with `--serve`) so that its memory is read
//! alone from /proc/<pid>/status. Phases: `concurrent` downloads all in flight at once (every
//! session takes step k before any takes step k + 1); `abandoned` sessions that stop after
//! InitiateAuthentication; the SM-DP+'s clock moved past the session TTL; `sequential` whole
//! downloads one after another per client thread, whose traffic purges the expired sessions.
//! Exits non-zero unless: no errors, every order installed, the SM-DP+'s RSS with the
//! concurrent sessions at their peak within the limit, an expired session answered 8.10.1/3.9,
//! and no session left at the end.
//!
//! `--threads` client threads share keep-alive connections, so it is also the number of TLS
//! connections. The RSS limit is checked at 1,000 sessions over 64 of them; with one connection
//! per session (`--threads 1000`) the HTTP server's blocking pool grows to 512 threads and the
//! process to about 80 MB — a matter for rsp-http's thread and buffer limits, not the sessions.

#[path = "../tests/loadkit/mod.rs"]
mod loadkit;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use loadkit::*;
use rsp_crypto::Curve;

struct Args {
    serve: bool,
    concurrent: usize,
    sequential: usize,
    abandoned: usize,
    threads: usize,
    seq_threads: usize,
    seed: u64,
    ttl: u64,
    max_rss_mb: u64,
    orders: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        serve: false,
        concurrent: 1000,
        sequential: 10_000,
        abandoned: 1000,
        threads: 64,
        seq_threads: 1,
        seed: 1,
        ttl: 300,
        max_rss_mb: 50,
        orders: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--serve" {
            a.serve = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{flag}: {value} is not a number"))?;
        let n_usize = usize::try_from(n).map_err(|_| format!("{flag}: too large"))?;
        match flag.as_str() {
            "--concurrent" => a.concurrent = n_usize,
            "--sequential" => a.sequential = n_usize,
            "--abandoned" => a.abandoned = n_usize,
            "--threads" => a.threads = n_usize.max(1),
            "--seq-threads" => a.seq_threads = n_usize.max(1),
            "--seed" => a.seed = n,
            "--ttl" => a.ttl = n,
            "--max-rss-mb" => a.max_rss_mb = n,
            "--orders" => a.orders = n_usize,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(a)
}

/// Child: serve until the parent closes our stdin.
fn serve(a: &Args) -> ExitCode {
    let opts = ServerOptions {
        orders: a.orders,
        seed: a.seed,
        session_ttl: Duration::from_secs(a.ttl),
        ..ServerOptions::default()
    };
    let (handle, _server) = match start_server(&opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loadtest server: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("LISTEN {}", handle.local_addr());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(handle);
    ExitCode::SUCCESS
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn spawn(a: &Args, orders: usize) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
        let mut child = Command::new(exe)
            .args(["--serve", "--orders", &orders.to_string()])
            .args(["--seed", &a.seed.to_string(), "--ttl", &a.ttl.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the SM-DP+: {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("SM-DP+ output: {e}"))?;
        let addr = line
            .trim()
            .strip_prefix("LISTEN ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("SM-DP+ did not start: {line:?}"))?;
        Ok(Server { child, addr })
    }

    /// `(VmRSS, VmHWM)` of the SM-DP+ process in MB.
    fn memory_mb(&self) -> (f64, f64) {
        let (rss, hwm) = memory_kb(Some(self.child.id())).unwrap_or_default();
        (rss as f64 / 1024.0, hwm as f64 / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin tells the child to stop; kill it (by its own pid) if it does not.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Checks(Vec<(String, bool)>);

impl Checks {
    fn check(&mut self, what: String, ok: bool) {
        println!("  [{}] {what}", if ok { "ok" } else { "FAIL" });
        self.0.push((what, ok));
    }
    fn all_ok(&self) -> bool {
        self.0.iter().all(|(_, ok)| *ok)
    }
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn run(a: &Args) -> Result<bool, String> {
    let started = Instant::now();
    let orders = a.concurrent + a.sequential;
    let server = Server::spawn(a, orders)?;
    let addr = server.addr;
    let http = http_client(addr, true).map_err(|e| e.to_string())?;
    let card = LeanEuicc::new(Curve::NistP256).map_err(|e| e.to_string())?;
    let timings = Timings::default();
    let mut checks = Checks(Vec::new());
    let stats = || server_stats(&http, addr).map_err(|e| e.to_string());
    let (rss0, _) = server.memory_mb();
    println!(
        "SM-DP+ pid {} on {addr}: {orders} orders, session TTL {} s, RSS {rss0:.1} MB at start",
        server.child.id(),
        a.ttl
    );

    // Concurrent: all sessions in flight at once.
    let t = Instant::now();
    let mut peak = (0usize, 0.0f64, 0u64);
    let mut stat_error = None;
    run_concurrent(
        &card,
        &http,
        addr,
        0,
        a.concurrent,
        a.threads,
        a.seed,
        &timings,
        |step| {
            if step == 2 {
                // Every session authenticated and holding a bound BPP: the peak.
                match stats() {
                    Ok(s) => {
                        let threads = threads(server.child.id()).unwrap_or_default();
                        peak = (s.sessions, server.memory_mb().0, threads)
                    }
                    Err(e) => stat_error = Some(e),
                }
            }
        },
    );
    let d = t.elapsed();
    let (_, hwm) = server.memory_mb();
    println!(
        "concurrent: {} downloads, {} client threads, {:.1} s ({:.0}/s); {} sessions at the peak, \
         SM-DP+ RSS {:.1} MB and {} threads there, VmHWM {hwm:.1} MB",
        a.concurrent,
        a.threads,
        d.as_secs_f64(),
        rate(a.concurrent, d),
        peak.0,
        peak.1,
        peak.2
    );
    if let Some(e) = stat_error {
        return Err(e);
    }
    checks.check(
        format!(
            "{} sessions in flight at once (server count {})",
            a.concurrent, peak.0
        ),
        peak.0 == a.concurrent,
    );
    checks.check(
        format!(
            "SM-DP+ RSS {:.1} MB ≤ {} MB at {} concurrent sessions",
            peak.1, a.max_rss_mb, peak.0
        ),
        peak.1 <= a.max_rss_mb as f64,
    );

    // Abandoned sessions, then the clock past their TTL.
    let t = Instant::now();
    let txs = run_abandoned(
        &card,
        &http,
        addr,
        orders,
        a.abandoned,
        a.threads,
        a.seed,
        &timings,
    );
    let s = stats()?;
    println!(
        "abandoned: {} sessions left after InitiateAuthentication in {:.1} s; server holds {}",
        txs.len(),
        t.elapsed().as_secs_f64(),
        s.sessions
    );
    checks.check(
        format!("{} abandoned sessions held before expiry", a.abandoned),
        s.sessions == a.abandoned,
    );
    advance_clock(&http, addr, i64::try_from(a.ttl).unwrap_or(i64::MAX))
        .map_err(|e| e.to_string())?;
    if let Some(tx) = txs.first() {
        let status = probe_unknown(&http, addr, tx).map_err(|e| e.to_string())?;
        checks.check(
            format!("an expired session answers 8.10.1/3.9 (got {status:?})"),
            status == Some(("8.10.1".into(), "3.9".into())),
        );
    }

    // Sequential: whole downloads one after another; their requests purge the expired sessions.
    let t = Instant::now();
    run_sequential(
        &card,
        &http,
        addr,
        a.concurrent,
        a.sequential,
        a.seq_threads,
        a.seed,
        &timings,
    );
    let d = t.elapsed();
    let s = stats()?;
    let (rss, hwm) = server.memory_mb();
    println!(
        "sequential: {} downloads, {} client thread(s), {:.1} s ({:.0}/s); SM-DP+ RSS {rss:.1} MB, \
         VmHWM {hwm:.1} MB",
        a.sequential,
        a.seq_threads,
        d.as_secs_f64(),
        rate(a.sequential, d)
    );
    let errors = timings.errors();
    checks.check(
        format!(
            "no errors ({errors}{})",
            timings
                .first_errors
                .lock()
                .map(|e| e
                    .first()
                    .map(|e| format!(", first: {e}"))
                    .unwrap_or_default())
                .unwrap_or_default()
        ),
        errors == 0,
    );
    checks.check(
        format!(
            "every order installed ({} of {}; downloads {})",
            s.installed,
            orders,
            timings.downloads()
        ),
        s.installed == orders && timings.downloads() as usize == orders,
    );
    checks.check(
        format!(
            "no session left: expired ones purged by traffic ({})",
            s.sessions
        ),
        s.sessions == 0,
    );
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(checks.all_ok())
}

fn main() -> ExitCode {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return ExitCode::from(2);
        }
    };
    if a.serve {
        return serve(&a);
    }
    match run(&a) {
        Ok(true) => {
            println!("loadtest: passed");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("loadtest: FAILED");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("loadtest: {e}");
            ExitCode::FAILURE
        }
    }
}
