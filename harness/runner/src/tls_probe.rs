//! Handshakes no TLS library rspcheck uses will send: a hand-built ClientHello offering only a
//! legacy version (1.0, 1.1) or only weak cipher suites, and the server's first record read
//! back. SGP.22 servers must refuse them (TLS 1.2 with ECDHE-ECDSA AES suites is the floor).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How the server reacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    /// It went on with the handshake (a ServerHello for the offered version).
    Accepted(String),
    /// An alert, a ServerHello for another version, or the connection closed.
    Refused(String),
    /// Nothing within the timeout.
    Silent,
}

/// ECDHE-ECDSA and ECDHE-RSA/RSA CBC suites that TLS 1.0/1.1 servers offer.
pub const LEGACY_SUITES: [u16; 6] = [0xC009, 0xC00A, 0xC013, 0xC014, 0x002F, 0x0035];

/// Suites no SGP.22 server may agree to: NULL encryption, RC4, 3DES, with ECDSA and RSA keys.
pub const WEAK_SUITES: [u16; 8] = [
    0xC006, // ECDHE_ECDSA_WITH_NULL_SHA
    0xC007, // ECDHE_ECDSA_WITH_RC4_128_SHA
    0xC008, // ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA
    0x0002, // RSA_WITH_NULL_SHA
    0x0004, // RSA_WITH_RC4_128_MD5
    0x000A, // RSA_WITH_3DES_EDE_CBC_SHA
    0xC011, // ECDHE_RSA_WITH_RC4_128_SHA
    0xC012, // ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
];

/// A ClientHello record for `version` (0x0301–0x0303) naming `host` (SNI) and offering
/// `suites`.
pub fn client_hello(host: &str, version: u16, suites: &[u16]) -> Vec<u8> {
    let mut ext = Vec::new();
    // server_name
    let name = host.split(':').next().unwrap_or(host).as_bytes();
    let mut sni = Vec::new();
    sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name);
    push_ext(&mut ext, 0x0000, &sni);
    // supported_groups: secp256r1; ec_point_formats: uncompressed
    push_ext(&mut ext, 0x000A, &[0x00, 0x02, 0x00, 0x17]);
    push_ext(&mut ext, 0x000B, &[0x01, 0x00]);
    // signature_algorithms (read from TLS 1.2 on): ecdsa_secp256r1_sha256, rsa_pkcs1_sha256.
    push_ext(&mut ext, 0x000D, &[0x00, 0x04, 0x04, 0x03, 0x04, 0x01]);

    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    // A fixed client random: the probe is a fingerprint, not a session anyone relies on.
    body.extend_from_slice(&[0x5A; 32]);
    body.push(0); // no session id
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for &s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]); // compression: null
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);

    let mut handshake = vec![0x01];
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);

    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

fn push_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

/// Reads the server's answer to a legacy ClientHello: its first record.
pub fn classify(first: &[u8], offered: u16) -> Handshake {
    match first {
        [] => Handshake::Refused("connection closed without an answer".into()),
        [0x15, _, _, _, _, level, desc, ..] => {
            Handshake::Refused(format!("alert level {level} description {desc}"))
        }
        [0x16, _, _, _, _, 0x02, _, _, _, hi, lo, ..] => {
            let v = u16::from_be_bytes([*hi, *lo]);
            if v == offered {
                Handshake::Accepted(format!("ServerHello for version {v:04X}"))
            } else {
                Handshake::Refused(format!("ServerHello for another version {v:04X}"))
            }
        }
        other => Handshake::Refused(format!(
            "an answer that is neither alert nor ServerHello: {}",
            hex::encode(&other[..other.len().min(16)])
        )),
    }
}

/// Connects to `socket`, offers only `version` and `suites`, and classifies the answer.
pub fn raw_handshake(
    socket: SocketAddr,
    host: &str,
    version: u16,
    suites: &[u16],
    timeout: Duration,
) -> Handshake {
    let mut stream = match TcpStream::connect_timeout(&socket, timeout) {
        Ok(s) => s,
        Err(e) => return Handshake::Refused(format!("TCP connect: {e}")),
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    if let Err(e) = stream.write_all(&client_hello(host, version, suites)) {
        return Handshake::Refused(format!("sending the ClientHello: {e}"));
    }
    // Enough for an alert or the start of a ServerHello.
    let mut buf = [0u8; 16];
    let mut got = 0;
    while got < 11 {
        match stream.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if got == 0 {
                    return Handshake::Silent;
                }
                break;
            }
            Err(e) if got == 0 => return Handshake::Refused(format!("connection: {e}")),
            Err(_) => break,
        }
        // An alert record is complete at 7 bytes.
        if got >= 7 && buf[0] == 0x15 {
            break;
        }
    }
    classify(&buf[..got], version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_hello_is_well_formed() {
        let r = client_hello("testsmdpplus1.example.com", 0x0302, &LEGACY_SUITES);
        assert_eq!(&r[..3], &[0x16, 0x03, 0x01]);
        let record_len = usize::from(u16::from_be_bytes([r[3], r[4]]));
        assert_eq!(record_len, r.len() - 5);
        assert_eq!(r[5], 0x01);
        let hs_len = usize::from(r[6]) << 16 | usize::from(r[7]) << 8 | usize::from(r[8]);
        assert_eq!(hs_len, r.len() - 9);
        assert_eq!(&r[9..11], &[0x03, 0x02]);
        assert!(r
            .windows(b"testsmdpplus1.example.com".len())
            .any(|w| w == b"testsmdpplus1.example.com"));
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify(&[0x15, 3, 3, 0, 2, 2, 70], 0x0302),
            Handshake::Refused("alert level 2 description 70".into())
        );
        assert!(matches!(
            classify(&[0x16, 3, 2, 0, 80, 0x02, 0, 0, 76, 3, 2], 0x0302),
            Handshake::Accepted(_)
        ));
        assert!(matches!(
            classify(&[0x16, 3, 3, 0, 80, 0x02, 0, 0, 76, 3, 3], 0x0302),
            Handshake::Refused(_)
        ));
        assert!(matches!(classify(&[], 0x0301), Handshake::Refused(_)));
        assert!(matches!(
            classify(b"HTTP/1.1 400", 0x0301),
            Handshake::Refused(_)
        ));
    }
}
