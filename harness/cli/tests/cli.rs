//! The binary as a user runs it: exit codes, output, redaction.

use std::process::{Command, Output};

fn rspcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn help_lists_commands() {
    let o = rspcheck(&["--help"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for cmd in ["run", "decode", "types", "ac", "eid", "iccid", "lpa"] {
        assert!(out.contains(cmd), "{cmd} missing from:\n{out}");
    }
}

#[test]
fn decode_detects_type_and_redacts_matching_id() {
    let ctx = "A01780064142432D3132A10D800435290611A10582030D0000";
    let o = rspcheck(&["decode", "-t", "CtxParams1", ctx]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("matchingId [80] = <redacted, 6 bytes>"),
        "{out}"
    );
    assert!(!out.contains("ABC-12"));
    let o = rspcheck(&["decode", "-t", "CtxParams1", "--show-secrets", ctx]);
    assert!(stdout(&o).contains("\"ABC-12\""));
}

#[test]
fn decode_picks_by_tag_and_reports_schema_errors() {
    let o = rspcheck(&["decode", "BF2E1280100102030405060708090A0B0C0D0E0F10"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("valid GetEuiccChallengeResponse"));
    let o = rspcheck(&["decode", "BF2E11800F000102030405060708090A0B0C0D0E"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("euiccChallenge: expected 16 bytes, got 15"));
    let o = rspcheck(&["decode", "BF2E"]);
    assert_eq!(o.status.code(), Some(1));
    let o = rspcheck(&["decode", "zz"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn activation_code_parse_and_lint() {
    let o = rspcheck(&[
        "ac",
        "parse",
        "LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1",
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("SMDP.GSMA.COM") && out.contains("required:  yes"));
    assert!(!out.contains("04386-AGYFT"), "matching ID leaked:\n{out}");
    let o = rspcheck(&["ac", "parse", "1$smdp.example.com:8443$X"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        rspcheck(&["ac", "parse", "--lab", "1$smdp.example.com:8443$X"])
            .status
            .success()
    );
    let o = rspcheck(&["ac", "lint", "1$smdp.gsma.com$abc"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(rspcheck(&["ac", "lint", "1$SMDP.GSMA.COM$ABC"])
        .status
        .success());
}

#[test]
fn eid_and_iccid() {
    let o = rspcheck(&["eid", "compute", "890490321234512345123456789012"]);
    assert_eq!(stdout(&o).trim(), "89049032123451234512345678901235");
    assert!(
        rspcheck(&["eid", "check", "89049032123451234512345678901235"])
            .status
            .success()
    );
    assert_eq!(
        rspcheck(&["eid", "check", "89049032123451234512345678901335"])
            .status
            .code(),
        Some(1)
    );
    let o = rspcheck(&["iccid", "bcd:98001032547698103214"]);
    let out = stdout(&o);
    assert!(
        out.contains("89000123456789012341") && out.contains("valid"),
        "{out}"
    );
}

#[test]
fn pki_generate_then_verify() {
    let dir = std::env::temp_dir().join(format!("rspcheck-cli-pki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let o = rspcheck(&[
        "pki", "generate", "--out", d, "--seed", "3", "--curves", "nist",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = rspcheck(&["pki", "verify", d, "--at", "2026-10-01T00:00:00Z"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("as expected, 0 not"), "{out}");
    assert!(
        out.contains("REJECTED") && out.contains("8.1.2/6.3"),
        "{out}"
    );
    // The same set judged far in the future: the DP certificates have expired.
    let o = rspcheck(&["pki", "verify", d, "--at", "2040-01-01T00:00:00Z"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("FAIL"));
    let o = rspcheck(&["pki", "verify", d, "--at", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn profile_decode_ts48() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/ts48-v7/BERTLV_SUCI.der"
    );
    if !std::path::Path::new(path).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "TS.48 vectors missing at {path}: CI must have them"
        );
        eprintln!("TS.48 vectors not found at {path}; skipped outside CI");
        return;
    }
    let o = rspcheck(&["profile", "decode", path]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("0 schema error(s), 0 unknown field(s)"),
        "{out}"
    );
    assert!(
        out.contains("opc [")
            && !out
                .lines()
                .any(|l| l.trim_start().starts_with("opc [") && !l.contains("<redacted"))
    );
}

#[test]
fn profile_build_matches_the_committed_vector() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/profiles");
    let out = std::env::temp_dir().join(format!("rspcheck-cli-build-{}.der", std::process::id()));
    let o = rspcheck(&[
        "profile",
        "build",
        &format!("{dir}/minimal-milenage.toml"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let built = std::fs::read(&out).unwrap();
    assert_eq!(
        built,
        std::fs::read(format!("{dir}/minimal-milenage.der")).unwrap()
    );
    let o = rspcheck(&["profile", "decode", out.to_str().unwrap()]);
    assert!(stdout(&o).contains("0 schema error(s), 0 unknown field(s)"));
    std::fs::remove_file(&out).unwrap();
    let bad = std::env::temp_dir().join(format!("rspcheck-cli-bad-{}.toml", std::process::id()));
    std::fs::write(&bad, "iccid = \"1\"\n").unwrap();
    let o = rspcheck(&[
        "profile",
        "build",
        bad.to_str().unwrap(),
        "--out",
        "/dev/null",
    ]);
    assert_eq!(o.status.code(), Some(1));
    std::fs::remove_file(&bad).unwrap();
}

#[test]
fn profile_lint_of_built_profiles_has_no_errors() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/profiles");
    for name in [
        "minimal-milenage",
        "usim-isim-full",
        "iccid19-operational",
        "tuak256",
    ] {
        let file = format!("{dir}/{name}.der");
        let o = rspcheck(&["profile", "lint", &file]);
        assert!(o.status.success(), "{name}:\n{}", stdout(&o));
        let o = rspcheck(&["profile", "lint", "--json", &file]);
        let out = stdout(&o);
        assert!(out.trim_start().starts_with('['), "{out}");
        assert!(!out.contains("\"error\""), "{name}: {out}");
    }
    let o = rspcheck(&[
        "profile",
        "lint",
        concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn profile_fs_of_a_built_profile() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles/minimal-milenage.der"
    );
    let o = rspcheck(&["profile", "fs", file]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("MF/ADF.USIM/EF.IMSI"), "{out}");
    assert!(
        out.contains("K <redacted") && !out.contains("OPc 0"),
        "{out}"
    );
    let o = rspcheck(&["profile", "fs", "--digest", file]);
    assert!(stdout(&o).contains("fnv1a"));
}

#[test]
fn profile_variants_are_written_and_decode() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles/usim-isim-full.der"
    );
    let dir = std::env::temp_dir().join(format!("rspcheck-cli-variants-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = rspcheck(&["profile", "variants", file, "--out", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(dir.join("manifest.toml").exists());
    let ders: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "der"))
        .collect();
    assert!(ders.len() >= 4, "{out}");
    for d in ders {
        let o = rspcheck(&["profile", "decode", d.path().to_str().unwrap()]);
        assert!(o.status.success(), "{}", d.path().display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `serve smdp` as a lab runs it: ES9+, ES2+ and the admin port from one configuration file,
/// faults armed over the admin port, and a bounded run that ends by itself.
#[test]
fn serve_smdp_serves_es9_es2_and_admin_and_stops_after_its_requests() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    let dir = std::env::temp_dir().join(format!("rspcheck-cli-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("smdp.toml");
    std::fs::write(
        &config,
        "in_memory = true\nbind = \"127.0.0.1:0\"\norder_ttl_seconds = 60\n\
         [es2]\nbind = \"127.0.0.1:0\"\n[admin]\nbind = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(["serve", "smdp", "--config"])
        .arg(&config)
        .args(["--max-requests", "1"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve smdp starts");
    // Kill the server if an assertion fails first.
    struct Guard(std::process::Child);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stderr = child.stderr.take().unwrap();
    let mut guard = Guard(child);
    let mut lines = BufReader::new(stderr).lines();
    let mut es9 = None;
    let mut admin = None;
    let mut es2 = None;
    while es9.is_none() || admin.is_none() || es2.is_none() {
        let line = lines.next().expect("server output").unwrap();
        let after = |marker: &str| {
            line.split_once(marker)
                .map(|(_, rest)| rest.split(['/', ' ']).next().unwrap_or_default().to_owned())
        };
        if line.contains("serving ES9+") {
            es9 = after("https://");
        } else if line.contains("ES2+ on") {
            es2 = after("https://");
        } else if line.contains("fault injection") {
            admin = after("http://");
        }
    }
    let admin = admin.unwrap();
    let http = |request: String| {
        let mut s = TcpStream::connect(&admin).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    };
    let fault = r#"{"function":"getBoundProfilePackage","fault":{"kind":"bppSegment","index":3,"damage":"mac"}}"#;
    let armed = http(format!(
        "POST /faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{fault}",
        fault.len()
    ));
    assert!(armed.starts_with("HTTP/1.1 201"), "{armed}");
    let listed = http("GET /faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into());
    assert!(listed.contains("\"bppSegment\""), "{listed}");
    let bad = http(
        "POST /faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
            .into(),
    );
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");

    // ES2+ without an operator certificate: the handshake fails.
    let mut anonymous = rsp_http::ClientConfig::new(rsp_http::Trust::InsecureAcceptAny);
    anonymous.retries = 0;
    let anonymous = rsp_http::HttpClient::new(anonymous).unwrap();
    assert!(anonymous
        .post(
            &format!("https://{}/gsma/rsp2/es2plus/downloadOrder", es2.unwrap()),
            "application/json",
            b"{}"
        )
        .is_err());

    // One ES9+ request, answered with an SGP.22 status; then the server stops by itself.
    let r = anonymous
        .post(
            &format!(
                "https://{}/gsma/rsp2/es9plus/initiateAuthentication",
                es9.unwrap()
            ),
            "application/json",
            b"{}",
        )
        .expect("ES9+ answers");
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("\"Failed\""));
    let status = guard.0.wait().expect("server exits");
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ics_template_round_trips_through_check_and_typos_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for role in ["euicc", "smdp", "smds", "lpa"] {
        let t = rspcheck(&["ics", "template", "--role", role]);
        assert!(t.status.success(), "{role}");
        let path = dir.path().join(format!("{role}.toml"));
        std::fs::write(&path, &t.stdout).unwrap();
        let c = rspcheck(&["ics", "check", path.to_str().unwrap()]);
        assert!(
            c.status.success(),
            "{role}: {}",
            String::from_utf8_lossy(&c.stderr)
        );
        assert!(stdout(&c).starts_with(&format!("role = {role}\n")));
        assert!(stdout(&c).contains("curve.nist = true\n"));
    }
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "role = \"smdp\"\n[options]\nes2pluss = true\n").unwrap();
    let c = rspcheck(&["ics", "check", bad.to_str().unwrap()]);
    assert_eq!(c.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&c.stderr).contains("unknown option \"es2pluss\""));
    assert_eq!(
        rspcheck(&["ics", "template", "--role", "modem"])
            .status
            .code(),
        Some(2)
    );
}
