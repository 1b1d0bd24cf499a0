//! rsp-lpa against the in-process reference SM-DP+ and eUICC: the activation-code flow.

use rsp_codec::activation::{ActivationCode, ParseOptions};
use rsp_codec::json::Es9Function;
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_euicc::testkit;
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_lpa::server::{RawReply, ServerError};
use rsp_lpa::{Card, CardOptions, Download, DownloadOptions, RspServer, Source};
use rsp_smdp::{MemoryStore, Order, OrderState, OrderStore, Smdp, SmdpConfig};

struct InProcess<'s>(&'s mut Smdp<MemoryStore>);

impl RspServer for InProcess<'_> {
    fn post(&mut self, _address: &str, path: &str, body: &[u8]) -> Result<RawReply, ServerError> {
        let f = Es9Function::from_path(path).ok_or(ServerError::Address(path.into()))?;
        let a = self.0.handle(f, body);
        Ok(RawReply {
            status: a.http_status,
            body: a.body,
        })
    }
}

#[test]
fn activation_code_download_in_process() {
    let pki = PkiSet::load(testkit::generated_pki(7)).unwrap();
    let now = Time::from_unix(1_767_225_600);
    let mut store = MemoryStore::default();
    let package = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles/minimal-milenage.der"
    ))
    .unwrap();
    store.put(Order::released(
        "89999000000000000018",
        package,
        Some("MATCH-1"),
        None,
    ));
    let mut smdp = Smdp::new(
        SmdpConfig {
            replace_session_keys: true,
            ..SmdpConfig::default()
        },
        &pki,
        store,
        Box::new(SeededRandom::new(11)),
        now,
    )
    .unwrap();
    let mut euicc = Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&pki).unwrap(),
        Box::new(SeededRandom::new(3)),
    )
    .unwrap();
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    let ac = ActivationCode::parse(
        "LPA:1$testsmdpplus1.example.com$MATCH-1",
        &ParseOptions::lab(),
    )
    .unwrap();
    let mut server = InProcess(&mut smdp);
    let installed = Download::new(
        &mut card,
        &mut server,
        Source::ActivationCode(ac),
        DownloadOptions::default(),
    )
    .run()
    .unwrap();
    assert_eq!(installed.iccid.as_deref(), Some("89999000000000000018"));
    assert_eq!(
        smdp.store().get("89999000000000000018").unwrap().state,
        OrderState::Installed
    );
}
