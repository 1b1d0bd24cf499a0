//! `rspcheck lpa` as a user runs it, against `rspcheck serve smdp` and `rspcheck serve smds`
//! processes on 127.0.0.1 that stop by themselves after their requests (`--max-requests`,
//! `[limits] max_requests`), with the reference eUICC in a temporary state file.
//!
//! Every process of a test runs with TMPDIR set to the test's own directory, so the default
//! generated test PKI (what `serve smdp` and a `ref:` card use without --pki) is the test's own:
//! the tests also prove that the defaults interoperate out of the box. Every process is bounded
//! in time; a server still running when its test ends is killed.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rstest::rstest;
use serde_json::Value;

const SMDP: &str = "testsmdpplus1.example.com";
const SMDS: &str = "testsmds.example.com";
const MINIMAL_ICCID: &str = "89999000000000000018";
const MINIMAL_AID: &str = "A0000005591010FFFFFFFF8900001000";
/// Longest any one process may take.
const LIMIT: Duration = Duration::from_secs(90);

fn vectors() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles"
    ))
}

/// A finished process.
struct Run {
    args: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> &Run {
        assert_eq!(
            self.code,
            Some(0),
            "`{}` failed:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    fn fails_with(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "`{}`:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Stdout as exactly one JSON object.
    fn json(&self) -> Value {
        let v: Value = serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`{}`: stdout is not one JSON value ({e}):\n{}",
                self.args, self.stdout
            )
        });
        assert!(v.is_object(), "`{}`: {v}", self.args);
        v
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `command` to its end, killing it after [`LIMIT`].
fn run_bounded(mut command: Command) -> Run {
    let args = format!("{command:?}");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("rspcheck runs");
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let err = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{args}` did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        args,
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// A test's directory: TMPDIR and working directory of every process it starts.
struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        Lab {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rspcheck"));
        c.args(args)
            .env("TMPDIR", self.dir.path())
            .env("RSPCHECK_LOG", "warn")
            .current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        run_bounded(self.command(args))
    }

    /// `rspcheck lpa --card ref:card.json --timeout 10 ARGS` (without the `--card` when ARGS
    /// name one).
    fn lpa(&self, args: &[&str]) -> Run {
        let mut all = vec!["lpa", "--timeout", "10"];
        if !args.contains(&"--card") {
            all.extend(["--card", "ref:card.json"]);
        }
        all.extend_from_slice(args);
        self.run(&all)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The default generated test PKI (created by the first command that needs it).
    fn default_pki(&self) -> PathBuf {
        self.path("rspcheck-pki-0")
    }

    fn eid(&self) -> String {
        let info = self.lpa(&["chip", "info", "--json"]);
        info.ok().json()["eid"].as_str().unwrap().to_owned()
    }
}

/// A server process; killed when dropped if it has not stopped by itself.
struct Server {
    child: Child,
    log: Arc<Mutex<String>>,
    drain: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts `rspcheck ARGS` and waits for one address after each of `markers` in its stderr.
    fn start(lab: &Lab, args: &[&str], markers: &[&str]) -> (Server, Vec<SocketAddr>) {
        let mut command = lab.command(args);
        command
            .env("RSPCHECK_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("server starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let mut server = Server {
            child,
            log: log.clone(),
            drain: None,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        // One thread reads the whole log (so the server never blocks on a full pipe) and
        // reports each line until the addresses are known.
        server.drain = Some(std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                log.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        }));
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut found: Vec<Option<SocketAddr>> = vec![None; markers.len()];
        while found.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "server {args:?} did not start:\n{}",
                    server.log.lock().unwrap()
                )
            });
            for (m, slot) in markers.iter().zip(found.iter_mut()) {
                if let Some(rest) = line.split(m).nth(1) {
                    *slot = rest
                        .split_whitespace()
                        .next()
                        .and_then(|a| a.trim_end_matches('/').parse().ok());
                }
            }
        }
        (server, found.into_iter().map(Option::unwrap).collect())
    }

    /// Waits until the server has stopped by itself (its request budget spent); its log.
    fn stops(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop by itself (requests left over):\n{}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        if let Some(d) = self.drain.take() {
            let _ = d.join();
        }
        let log = self.log.lock().unwrap().clone();
        assert!(status.success(), "{status}:\n{log}");
        log
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `serve smdp` with `profiles` (TOML `[[profile]]` bodies) and a database, stopping after
/// `requests` ES9+ requests; its ES9+ address.
fn serve_smdp(lab: &Lab, profiles: &[String], requests: u64) -> (Server, SocketAddr) {
    let mut config = "database = \"smdp.db\"\nbind = \"127.0.0.1:0\"\n".to_owned();
    for p in profiles {
        config.push_str("\n[[profile]]\n");
        config.push_str(p);
    }
    let path = lab.write("smdp.toml", &config);
    let (server, addrs) = Server::start(
        lab,
        &[
            "serve",
            "smdp",
            "--config",
            path.to_str().unwrap(),
            "--max-requests",
            &requests.to_string(),
        ],
        &["serving ES9+ on https://"],
    );
    (server, addrs[0])
}

fn released(description: &str, matching_id: &str, extra: &str) -> String {
    format!(
        "description = {:?}\nstate = \"released\"\nmatching_id = {matching_id:?}\n{extra}",
        vectors().join(description).display().to_string()
    )
}

fn resolve(host: &str, addr: SocketAddr) -> String {
    format!("{host}={addr}")
}

/// The states of the card's profiles by ICCID.
fn states(lab: &Lab) -> Vec<(String, String)> {
    lab.lpa(&["profile", "list", "--json"]).ok().json()["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["iccid"].as_str().unwrap().to_owned(),
                p["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The whole life of a profile: chip info, download with an activation code, list, enable,
/// nickname, disable, delete, the three notifications delivered, the used code refused, and
/// the SM-DP+'s audit log showing what arrived.
#[test]
fn a_profile_from_download_to_deletion_against_serve_smdp() {
    let lab = Lab::new();
    const MID: &str = "MATCH-SECRET-4711";

    let info = lab.lpa(&["chip", "info", "--json"]);
    let info = info.ok().json();
    let eid = info["eid"].as_str().unwrap();
    assert_eq!(eid.len(), 32, "{info}");
    assert!(info["euicc_info2"]["svn"].is_string(), "{info}");
    assert!(
        !info["euicc_info2"]["ci_pkids_for_verification"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{info}"
    );
    let human = lab.lpa(&["chip", "info"]);
    assert!(human.ok().stdout.contains(eid), "{}", human.stdout);
    assert!(human.stdout.contains("root SM-DS address"));

    // 4 for the download, 3 notifications, 2 for the refused second download.
    let (mut server, addr) = serve_smdp(&lab, &[released("minimal-milenage.toml", MID, "")], 9);
    let r = resolve(SMDP, addr);
    let code = format!("LPA:1${SMDP}${MID}");

    let d = lab.lpa(&["--resolve", &r, "profile", "download", "--ac", &code]);
    d.ok();
    assert!(d.stdout.contains(MINIMAL_ICCID), "{}", d.stdout);
    assert!(d.stderr.contains("authenticate_client"), "{}", d.stderr);
    assert!(
        d.stderr.contains("APDU"),
        "progress ends with the time split:\n{}",
        d.stderr
    );
    assert!(!d.all().contains(MID), "matching ID leaked:\n{}", d.all());
    assert!(d.stderr.contains("<redacted:17>"), "{}", d.stderr);

    assert_eq!(
        states(&lab),
        vec![(MINIMAL_ICCID.to_owned(), "disabled".to_owned())]
    );
    // `rspcheck euicc` sees the same card.
    let e = lab.run(&["euicc", "info", "--state", "card.json"]);
    assert!(
        e.ok().stdout.contains(&format!("EID {eid}")),
        "{}",
        e.stdout
    );
    assert!(e.stdout.contains("disabled"), "{}", e.stdout);

    // Management, by ICCID and by ISD-P AID.
    let steps: [(&[&str], &str, &str); 3] = [
        (&["profile", "enable", MINIMAL_ICCID], "enabled", "enabled"),
        (&["profile", "disable", MINIMAL_AID], "disabled", "disabled"),
        (&["profile", "delete", MINIMAL_ICCID], "deleted", ""),
    ];
    for (args, said, state) in steps {
        if state == "disabled" {
            lab.lpa(&["profile", "nickname", MINIMAL_ICCID, "travel"])
                .ok();
            let list = lab.lpa(&["profile", "list", "--enabled"]);
            assert!(list.ok().stdout.contains("travel"), "{}", list.stdout);
        }
        let o = lab.lpa(args);
        assert!(o.ok().stdout.contains(said), "{}", o.stdout);
        let now = states(&lab);
        if state.is_empty() {
            assert!(now.is_empty(), "{now:?}");
        } else {
            assert_eq!(now, vec![(MINIMAL_ICCID.to_owned(), state.to_owned())]);
        }
    }

    let list = lab.lpa(&["notification", "list", "--json"]).ok().json();
    let events: Vec<&str> = list["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["enable", "disable", "delete"], "{list}");
    let p = lab.lpa(&["--resolve", &r, "notification", "process"]);
    assert_eq!(
        p.ok().stdout.matches("delivered, removed").count(),
        3,
        "{}",
        p.stdout
    );
    let left = lab.lpa(&["notification", "list"]);
    assert!(left.ok().stdout.contains("no pending notifications"));

    // The code is used up: the SM-DP+'s status code is in the message, the matching ID is not.
    let again = lab.lpa(&["--resolve", &r, "profile", "download", "--ac", &code]);
    again.fails_with(1);
    assert!(
        again
            .stderr
            .contains("ES9+.AuthenticateClient: Failed 8.2.6/3.8"),
        "{}",
        again.stderr
    );
    assert!(!again.all().contains(MID), "{}", again.all());

    server.stops();
    let audit = lab.run(&["smdp", "audit", "--db", "smdp.db"]);
    let lines: Vec<&str> = audit.ok().stdout.lines().collect();
    for event in ["enable", "disable", "delete"] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains("notification") && l.trim_end().ends_with(event)),
            "no {event} notification in the audit log:\n{}",
            audit.stdout
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("installed")),
        "{}",
        audit.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("download-refused") && l.contains("8.2.6/3.8")),
        "{}",
        audit.stdout
    );
}

/// Postpone keeps the order, reject ends it; a confirmation code is asked for (and the order
/// survives the question); a download whose notification stays on the card; JSON throughout.
#[test]
fn consent_confirmation_code_and_deferred_notification() {
    let lab = Lab::new();
    const CC: &str = "73914682";
    let profiles = [
        released("minimal-milenage.toml", "MID-POSTPONE-A", ""),
        released(
            "usim-isim-full.toml",
            "MID-CODE-B",
            &format!("confirmation_code = {CC:?}\n"),
        ),
        released("iccid19-operational.toml", "MID-REJECT-C", ""),
    ];
    // A: postpone 3 + download 3 + its notification 1; B: no code 3 + with code 4;
    // C: reject 3 + refused 2.
    let (mut server, addr) = serve_smdp(&lab, &profiles, 19);
    let r = resolve(SMDP, addr);
    let dl = |args: &[&str]| {
        let mut all = vec!["--resolve", r.as_str(), "profile", "download", "--json"];
        all.extend_from_slice(args);
        lab.lpa(&all)
    };

    let p = dl(&[
        "--smdp",
        SMDP,
        "--matching-id",
        "MID-POSTPONE-A",
        "--postpone",
    ]);
    let v = p.ok().json();
    assert_eq!(
        (v["result"].as_str(), v["reason"].as_str()),
        (Some("cancelled"), Some("postponed")),
        "{v}"
    );
    let a = dl(&[
        "--smdp",
        SMDP,
        "--matching-id",
        "MID-POSTPONE-A",
        "--no-notify",
    ]);
    let v = a.ok().json();
    assert_eq!(v["result"], "installed", "{v}");
    assert_eq!(v["iccid"], MINIMAL_ICCID, "{v}");
    assert_eq!(v["notification_sent"], false, "{v}");
    assert!(v["time"]["apdu_commands"].as_u64().unwrap() > 0, "{v}");
    assert!(!a.all().contains("MID-POSTPONE-A"), "{}", a.all());
    let pending = lab.lpa(&["notification", "list", "--json"]).ok().json();
    assert_eq!(pending["notifications"][0]["event"], "install", "{pending}");
    let seq = pending["notifications"][0]["seq_number"]
        .as_i64()
        .unwrap()
        .to_string();

    let b = dl(&["--smdp", SMDP, "--matching-id", "MID-CODE-B"]);
    let e = b.fails_with(1).json();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("requires a confirmation code"),
        "{e}"
    );
    let b = dl(&[
        "--smdp",
        SMDP,
        "--matching-id",
        "MID-CODE-B",
        "--confirmation-code",
        CC,
    ]);
    assert_eq!(b.ok().json()["result"], "installed");
    assert!(
        !b.all().contains(CC),
        "confirmation code leaked:\n{}",
        b.all()
    );

    let c = dl(&["--ac", &format!("1${SMDP}$MID-REJECT-C"), "--reject"]);
    assert_eq!(c.ok().json()["reason"], "endUserRejection");
    let c = dl(&["--ac", &format!("1${SMDP}$MID-REJECT-C")]);
    let e = c.fails_with(1).json();
    assert!(e["error"].as_str().unwrap().contains("8.2.6/3.8"), "{e}");
    assert!(!c.all().contains("MID-REJECT-C"), "{}", c.all());

    let sent = lab.lpa(&[
        "--resolve",
        &r,
        "notification",
        "process",
        "--seq",
        &seq,
        "--json",
    ]);
    let v = sent.ok().json();
    assert_eq!(v["notifications"][0]["delivered"], true, "{v}");
    assert_eq!(v["notifications"][0]["removed"], true, "{v}");
    server.stops();
    let audit = lab.run(&["smdp", "audit", "--db", "smdp.db"]);
    assert!(audit.ok().stdout.contains("cancelled"), "{}", audit.stdout);
}

/// Discovery at `serve smds`: two events registered over ES12 (mutual TLS with the SM-DP+'s
/// TLS certificate), found over ES11 and each downloaded from `serve smdp`, event IDs redacted.
#[test]
fn discover_and_download_each_event() {
    use rsp_crypto::cert::Role;
    use rsp_crypto::Curve;
    use rsp_http::{ClientConfig, ClientIdentity, HttpClient, Trust};

    let lab = Lab::new();
    let eid = lab.eid();
    let events = [
        ("EVENT-SECRET-ONE", "minimal-milenage.toml"),
        ("EVENT-SECRET-TWO", "usim-isim-full.toml"),
    ];
    let profiles: Vec<String> = events
        .iter()
        .map(|(id, d)| released(d, id, &format!("eid = {eid:?}\n")))
        .collect();
    let (mut smdp, smdp_addr) = serve_smdp(&lab, &profiles, 8);
    let smds_config = lab.write(
        "smds.toml",
        "in_memory = true\n[limits]\nmax_requests = 2\n",
    );
    let (mut smds, addrs) = Server::start(
        &lab,
        &["serve", "smds", "--config", smds_config.to_str().unwrap()],
        &["serving ES11 on https://", "(mutual TLS) on https://"],
    );
    let (es11, es12) = (addrs[0], addrs[1]);

    let set = rsp_crypto::pkiset::PkiSet::load(lab.default_pki()).unwrap();
    let nist = set.curve(Curve::NistP256).unwrap();
    let mut c = ClientConfig::new(Trust::RspRole {
        roots: vec![nist.ci.cert.der().to_vec()],
        role: Role::DsTls,
    });
    c.resolve = vec![(SMDS.into(), es12)];
    c.timeout = Duration::from_secs(10);
    c.client_identity = Some(ClientIdentity {
        cert_chain_der: vec![nist.dp_tls.cert.der().to_vec()],
        key_der: rsp_http::load_private_key(nist.dp_tls.key_path.as_ref().unwrap()).unwrap(),
    });
    let dp = HttpClient::new(c).unwrap();
    for (i, (id, _)) in events.iter().enumerate() {
        let body = format!(
            r#"{{"header":{{"functionRequesterIdentifier":"dp","functionCallIdentifier":"{i}"}},"eid":"{eid}","rspServerAddress":"{SMDP}","eventId":"{id}","forwardingIndicator":false}}"#
        );
        let r = dp
            .post(
                &format!(
                    "https://{SMDS}:{}/gsma/rsp2/es12/registerEvent",
                    es12.port()
                ),
                "application/json",
                body.as_bytes(),
            )
            .unwrap();
        assert!(String::from_utf8_lossy(&r.body).contains("Executed-Success"));
    }

    let d = lab.lpa(&[
        "--resolve",
        &resolve(SMDS, es11),
        "--resolve",
        &resolve(SMDP, smdp_addr),
        "profile",
        "discover",
        "--smds",
        SMDS,
        "--download",
        "--json",
    ]);
    let v = d.ok().json();
    assert_eq!(v["events"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["events"][0]["rsp_server_address"], SMDP, "{v}");
    let installed: Vec<&str> = v["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["result"].as_str().unwrap_or("failed"))
        .collect();
    assert_eq!(installed, ["installed", "installed"], "{v}");
    for (id, _) in events {
        assert!(!d.all().contains(id), "event ID leaked:\n{}", d.all());
    }
    assert_eq!(states(&lab).len(), 2);
    smds.stops();
    smdp.stops();
}

/// Refusals that need no server: each names what failed, with the exit code for a usage error
/// (2) or a failed operation (1), and `--json` still prints one object.
#[rstest]
#[case::not_a_profile_id(&["profile", "enable", "1234"], 2, "neither an ICCID nor an ISD-P AID")]
#[case::no_such_profile(&["profile", "delete", MINIMAL_ICCID], 1, "DeleteProfile: eUICC answered iccidOrAidNotFound")]
#[case::nothing_to_reset(&["memory-reset"], 2, "choose at least one")]
#[case::bad_resolve(&["--resolve", "nohost", "chip", "info"], 2, "HOST=IP:PORT")]
#[case::bad_card(&["--card", "nfc:1", "chip", "info"], 2, "ref:STATEFILE or pcsc:READER")]
#[case::no_default_smdp(&["profile", "download", "--default-smdp"], 1, "no default SM-DP+ address")]
#[case::unreachable_smdp(
    &["--resolve", "dp.invalid.example=127.0.0.1:9", "profile", "download", "--ac",
      "LPA:1$dp.invalid.example$SECRET-MID-77"],
    1,
    "ES9+.InitiateAuthentication: dp.invalid.example unreachable"
)]
#[case::nothing_to_remove(&["notification", "remove", "42"], 1, "RemoveNotificationFromList: eUICC answered nothingToDelete")]
fn refusals_name_what_failed(#[case] args: &[&str], #[case] code: i32, #[case] message: &str) {
    let lab = Lab::new();
    for json in [false, true] {
        let mut all = args.to_vec();
        if json {
            all.push("--json");
        }
        let o = lab.lpa(&all);
        o.fails_with(code);
        assert!(o.stderr.contains(message), "{}", o.stderr);
        assert!(!o.all().contains("SECRET-MID-77"), "{}", o.all());
        if json {
            let v = o.json();
            assert!(v["error"].as_str().unwrap().contains(message), "{v}");
        } else {
            assert!(o.stdout.is_empty(), "{}", o.stdout);
        }
    }
}

/// The hidden `--planted-bug panic-on-multibyte-ac` (for the live fuzzer's self-test) makes the
/// LPA panic on an activation code with a multi-byte character across byte 12; without it, or
/// with an ASCII code, the download fails as usual (the SM-DP+ is unreachable).
#[test]
fn the_planted_multibyte_ac_bug_panics_only_when_asked_for() {
    let lab = Lab::new();
    let resolve = "d.ex=127.0.0.1:9";
    // 11 ASCII bytes, then a 3-byte euro sign across byte 12.
    let multibyte = "LPA:1$d.ex$\u{20ac}MID";
    let planted = ["--planted-bug", "panic-on-multibyte-ac"];
    let dl = |ac: &str, extra: &[&str]| {
        let mut args = vec!["--resolve", resolve, "profile", "download", "--ac", ac];
        args.extend_from_slice(extra);
        lab.lpa(&args)
    };
    let o = dl(multibyte, &planted);
    o.fails_with(101);
    assert!(o.stderr.contains("char boundary"), "{}", o.stderr);

    let plain = dl(multibyte, &[]);
    assert_ne!(plain.code, Some(101), "{}", plain.all());
    assert!(!plain.stderr.contains("panicked"), "{}", plain.stderr);

    let ascii = "LPA:1$d.ex$MID-ASCII";
    let with = dl(ascii, &planted);
    with.fails_with(1);
    assert!(with.stderr.contains("unreachable"), "{}", with.stderr);
    dl(ascii, &[]).fails_with(1);

    // Hidden from the help.
    let help = lab.lpa(&["profile", "download", "--help"]);
    assert!(!help.stdout.contains("planted"), "{}", help.stdout);
}

#[test]
fn pcsc_cards_need_the_feature_or_a_reader() {
    let lab = Lab::new();
    let o = lab.run(&["lpa", "--card", "pcsc:No Such Reader", "chip", "info"]);
    if cfg!(feature = "pcsc") {
        o.fails_with(1);
        assert!(o.stderr.contains("No Such Reader"), "{}", o.stderr);
    } else {
        o.fails_with(2);
        assert!(o.stderr.contains("--features pcsc"), "{}", o.stderr);
    }
}

#[test]
fn default_address_and_memory_reset() {
    let lab = Lab::new();
    let set = lab.lpa(&["default-address", "dp.example.com", "--json"]);
    assert_eq!(set.ok().json()["default_dp_address"], "dp.example.com");
    let shown = lab.lpa(&["default-address"]);
    assert!(
        shown.ok().stdout.contains("dp.example.com"),
        "{}",
        shown.stdout
    );
    lab.lpa(&["memory-reset", "--default-address"]).ok();
    let v = lab.lpa(&["default-address", "--json"]).ok().json();
    assert!(v["default_dp_address"].is_null(), "{v}");
}
