//! The LPA facing a hostile card and a hostile server: every answer comes from the input.
//!
//! Input: `mode`, then answers, each `len_hi len_lo bytes…` (the card's answers end with SW1
//! SW2; the server's are `status_hi status_lo body…`). `mode % 4`: 0 the ES10 functions a
//! management command uses, in turn; 1 a whole download (card answers and server answers taken
//! alternately as the flow asks); 2 ES9+/ES11 answer reading; 3 the PIR and BPP readers.
//! Never a panic, never an unbounded loop: a script that runs out answers with an I/O error.
#![no_main]

use std::collections::VecDeque;

use libfuzzer_sys::fuzz_target;
use rsp_codec::activation::{ActivationCode, ParseOptions};
use rsp_codec::apdu::{Transport, TransportError};
use rsp_codec::json::Es9Function;
use rsp_codec::tlv::Tlv;
use rsp_lpa::download::bpp_metadata;
use rsp_lpa::es10::{pir_error, pir_metadata, ResetOptions};
use rsp_lpa::server::{read_answer, RawReply, RemoteFunction, ServerError};
use rsp_lpa::{Card, CardOptions, Download, DownloadOptions, ProfileFilter, RspServer, Source};

struct Script(VecDeque<Vec<u8>>);

impl Script {
    fn split(data: &[u8]) -> Script {
        let mut out = VecDeque::new();
        let mut rest = data;
        while rest.len() >= 2 {
            let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            let end = (2 + n).min(rest.len());
            out.push_back(rest[2..end].to_vec());
            rest = &rest[end..];
        }
        Script(out)
    }
}

impl Transport for Script {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0
            .pop_front()
            .ok_or_else(|| TransportError::Io("script exhausted".into()))
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(vec![0x3B, 0x00])
    }
}

/// Server answers from the odd entries of the script.
struct Server(VecDeque<Vec<u8>>);

impl RspServer for Server {
    fn post(&mut self, address: &str, _: &str, _: &[u8]) -> Result<RawReply, ServerError> {
        let a = self.0.pop_front().ok_or_else(|| ServerError::Unreachable {
            address: address.into(),
            detail: "script exhausted".into(),
        })?;
        let status = a
            .get(..2)
            .map(|s| u16::from_be_bytes([s[0], s[1]]))
            .unwrap_or(200);
        Ok(RawReply {
            status,
            body: a.get(2..).unwrap_or_default().to_vec(),
        })
    }
}

fn options() -> CardOptions {
    CardOptions {
        max_response_bytes: 64 << 10,
        ..CardOptions::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            let Ok(mut card) = Card::open(Script::split(rest), options()) else {
                return;
            };
            let _ = card.euicc_info2();
            let _ = card.eid();
            let _ = card.configured_addresses();
            let _ = card.profiles(&ProfileFilter::All);
            let _ = card.list_notifications(None);
            let _ = card.retrieve_notifications(None);
            let _ = card.remove_notification(1);
            let _ = card.memory_reset(ResetOptions::default());
            let _ = card.euicc_challenge();
            let _ = card.close();
        }
        1 => {
            let script = Script::split(rest);
            let (mut card_answers, mut server_answers) = (VecDeque::new(), VecDeque::new());
            for (i, a) in script.0.into_iter().enumerate() {
                if i % 2 == 0 {
                    card_answers.push_back(a);
                } else {
                    server_answers.push_back(a);
                }
            }
            let Ok(mut card) = Card::open(Script(card_answers), options()) else {
                return;
            };
            let mut server = Server(server_answers);
            let ac = ActivationCode::parse("1$dp.example$MID", &ParseOptions::lab())
                .expect("constant activation code");
            let d = Download::new(
                &mut card,
                &mut server,
                Source::ActivationCode(ac),
                DownloadOptions::default(),
            );
            let _ = d.run();
        }
        2 => {
            for f in Es9Function::ALL {
                let status = rest
                    .get(..2)
                    .map(|s| u16::from_be_bytes([s[0], s[1]]))
                    .unwrap_or(200);
                let reply = RawReply {
                    status: if status % 2 == 0 { 200 } else { status },
                    body: rest.get(2..).unwrap_or_default().to_vec(),
                };
                let _ = read_answer(RemoteFunction::Es9(*f), &reply);
            }
        }
        _ => {
            let _ = pir_error(rest);
            let _ = pir_metadata(rest);
            if let Ok(t) = Tlv::parse(rest) {
                let _ = bpp_metadata(&t);
            }
        }
    }
});
