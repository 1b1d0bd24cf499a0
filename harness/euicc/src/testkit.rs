//! A test kit for the reference eUICC: an LPA-side view of a card and a minimal SM-DP+ built
//! from the crypto crate, so tests, benchmarks and fuzz targets can drive complete downloads over
//! APDUs and mutate any message on the way. Not a reference SM-DP+ (that is `rsp-smdp`): no
//! inventory, no ES9+, no checks of what the card answers beyond parsing it.

use rsp_codec::apdu::{self, sw, CommandApdu, ResponseApdu};
use rsp_codec::der;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::{StoreMetadataRequest, View};
use rsp_crypto::bpp::{self, BindParams, BppContent, ReplaceSessionKeys};
use rsp_crypto::cert::RspCertificate;
use rsp_crypto::pkiset::CurveSet;
use rsp_crypto::{signed, Curve, PrivateKey, SeededRandom};

use crate::{Euicc, ISDR_AID};

pub const SMDP_ADDRESS: &str = "testsmdpplus1.example.com";

/// A test PKI (both curves) generated with `seed` into the temporary directory; later calls
/// (from any process) load the same files. Generated beside and renamed into place, so test
/// binaries running in parallel never see half a set.
pub fn generated_pki(seed: u64) -> std::path::PathBuf {
    generated_pki_with(
        &format!("rsp-euicc-pki-{seed}"),
        &rsp_crypto::pkigen::GenerateOptions {
            seed,
            ..Default::default()
        },
    )
}

/// [`generated_pki`] with any options, in `<temp>/<name>` (the name must stand for the options).
pub fn generated_pki_with(
    name: &str,
    options: &rsp_crypto::pkigen::GenerateOptions,
) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(name);
    if !dir.join("manifest.toml").exists() {
        let tmp = std::env::temp_dir().join(format!("{name}.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        rsp_crypto::pkigen::generate_to_dir(&tmp, options)
            .unwrap_or_else(|e| panic!("test PKI in {}: {e}", tmp.display()));
        // Losing the race to another process is fine: its set is the same.
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    dir
}

// ------------------------------------------------------------------ APDU helpers

/// An LPA-side view of the card: a logical channel with ISD-R selected.
pub struct Lpa<'c> {
    pub card: &'c mut Euicc,
    pub channel: u8,
    pub block_size: usize,
}

impl<'c> Lpa<'c> {
    /// MANAGE CHANNEL open + SELECT ISD-R.
    pub fn open(card: &'c mut Euicc) -> Lpa<'c> {
        let r = transmit(card, &CommandApdu::new(0x00, 0x70, 0x00, 0x00).with_le(1));
        assert_eq!(r.sw, sw::OK, "MANAGE CHANNEL");
        let channel = r.data[0];
        let sel = CommandApdu::new(apdu::class_for_channel(0, channel), 0xA4, 0x04, 0x00)
            .with_data(ISDR_AID.to_vec())
            .with_le(0);
        let r = transmit(card, &sel);
        assert_eq!(r.sw, sw::OK, "SELECT ISD-R");
        Lpa {
            card,
            channel,
            block_size: 120,
        }
    }

    /// One ES10 request, whole response (61xx followed).
    pub fn es10(&mut self, request: &[u8]) -> ResponseApdu {
        self.card
            .es10_request(self.channel, request, self.block_size)
    }

    /// One ES10 request expected to answer 9000; returns the parsed response.
    pub fn call(&mut self, request: &[u8]) -> Tlv {
        let r = self.es10(request);
        assert_eq!(
            r.sw,
            sw::OK,
            "ES10 {}: {}",
            hex::encode_upper(&request[..2.min(request.len())]),
            sw::describe(r.sw)
        );
        Tlv::parse(&r.data)
            .unwrap_or_else(|e| panic!("response {}: {e}", hex::encode_upper(&r.data)))
    }
}

pub fn transmit(card: &mut Euicc, cmd: &CommandApdu) -> ResponseApdu {
    ResponseApdu::parse(&card.process(&cmd.encode())).expect("response")
}

pub fn t(tag: u32) -> Tag {
    Tag::of(tag)
}
pub fn prim(tag: u32, c: impl Into<Vec<u8>>) -> Tlv {
    Tlv::primitive(t(tag), c)
}
pub fn cons(tag: u32, c: Vec<Tlv>) -> Tlv {
    Tlv::constructed(t(tag), c)
}

/// The integer result of `BF3x { 80 result }` or an error `81`.
pub fn result_code(resp: &Tlv) -> i64 {
    let c = resp.children().first().expect("result child");
    der::decode_integer(c.content().expect("primitive")).expect("integer")
}

// ------------------------------------------------------------------ test SM-DP+

/// The SM-DP+ side of a download, with every message open to mutation by a test.
pub struct TestDp {
    pub curve: Curve,
    pub sk_auth: PrivateKey,
    pub cert_auth: RspCertificate,
    pub sk_pb: PrivateKey,
    pub cert_pb: RspCertificate,
    pub ci_pkid: Vec<u8>,
    pub address: String,
    pub transaction_id: Vec<u8>,
    pub server_challenge: [u8; 16],
    pub rng: SeededRandom,
}

impl TestDp {
    /// The SM-DP+ of `set` (its DPauth and DPpb keys must be present).
    pub fn new(set: &CurveSet) -> TestDp {
        let curve = set.curve;
        TestDp {
            curve,
            sk_auth: set.dp_auth.key.clone().expect("DPauth key"),
            cert_auth: set.dp_auth.cert.clone(),
            sk_pb: set.dp_pb.key.clone().expect("DPpb key"),
            cert_pb: set.dp_pb.cert.clone(),
            ci_pkid: set.ci.cert.key_id().to_vec(),
            address: SMDP_ADDRESS.into(),
            transaction_id: vec![0x11; 16],
            server_challenge: [0x22; 16],
            rng: SeededRandom::new(99),
        }
    }

    /// AuthenticateServerRequest for `euicc_challenge`.
    pub fn authenticate_server_request(
        &self,
        euicc_challenge: &[u8],
        matching_id: Option<&str>,
    ) -> Tlv {
        let ss1 = cons(
            0x30,
            vec![
                prim(0x80, self.transaction_id.clone()),
                prim(0x81, euicc_challenge.to_vec()),
                prim(0x83, self.address.as_bytes().to_vec()),
                prim(0x84, self.server_challenge.to_vec()),
            ],
        );
        let sig = signed::sign_server_signature1(&self.sk_auth, &ss1.encode_der());
        authenticate_server_request(
            ss1,
            prim(0x5F37, sig.to_vec()),
            prim(0x04, self.ci_pkid.clone()),
            Tlv::parse(self.cert_auth.der()).expect("cert"),
            matching_id,
        )
    }

    /// PrepareDownloadRequest answering an AuthenticateServer response.
    pub fn prepare_download_request(
        &self,
        auth_response: &Tlv,
        cc: Option<&[u8]>,
        bpp_otpk: Option<&[u8]>,
    ) -> Tlv {
        let ok = auth_response.children().first().expect("A0");
        let sig1 = ok.children()[1].content().expect("sig1").to_vec();
        let mut sd2 = vec![
            prim(0x80, self.transaction_id.clone()),
            prim(0x01, der::encode_boolean(cc.is_some())),
        ];
        if let Some(p) = bpp_otpk {
            sd2.push(prim(0x5F49, p.to_vec()));
        }
        let sd2 = cons(0x30, sd2);
        let sig2 = signed::sign_smdp_signature2(&self.sk_pb, &sd2.encode_der(), &sig1);
        let mut c = vec![sd2, prim(0x5F37, sig2.to_vec())];
        if let Some(code) = cc {
            c.push(prim(
                0x04,
                rsp_crypto::kdf::hash_cc(code, &self.transaction_id).to_vec(),
            ));
        }
        c.push(Tlv::parse(self.cert_pb.der()).expect("cert"));
        cons(0xBF21, c)
    }

    /// StoreMetadata for `profile` (ICCID from its header, swapped to EF.ICCID coding).
    pub fn metadata(profile: &[u8], class: i64) -> StoreMetadataRequest {
        let pkg = rsp_profile::package::ProfilePackage::parse(profile).expect("profile");
        let h = pkg.header().and_then(|h| h.iccid).expect("header iccid");
        let swapped: Vec<u8> = h.iter().map(|b| b.rotate_left(4)).collect();
        StoreMetadataRequest {
            iccid: swapped.try_into().expect("10 bytes"),
            service_provider_name: "rspcheck".into(),
            profile_name: "Test profile".into(),
            icon_type: None,
            icon: None,
            profile_class: Some(class),
            notification_configuration_info: Some(cons(
                0xB6,
                vec![cons(
                    0x30,
                    vec![
                        prim(
                            0x80,
                            rsp_codec::der::BitString::from_bits(&[0, 1, 2, 3]).encode(),
                        ),
                        prim(0x81, SMDP_ADDRESS.as_bytes().to_vec()),
                    ],
                )],
            )),
            profile_owner: None,
            profile_policy_rules: None,
            service_specific_data_stored_in_euicc: None,
            service_specific_data_not_stored_in_euicc: None,
            extensions: Vec::new(),
        }
    }

    /// The BPP for a PrepareDownload response.
    pub fn bpp(
        &mut self,
        prepare_response: &Tlv,
        eid: &[u8; 16],
        metadata: &StoreMetadataRequest,
        profile: &[u8],
        rsk: bool,
    ) -> Tlv {
        let ok = prepare_response.children().first().expect("A0");
        let signed2 = ok.children().first().expect("euiccSigned2");
        let otpk = signed2
            .children()
            .iter()
            .find(|c| c.tag() == t(0x5F49))
            .and_then(Tlv::content)
            .expect("otpk")
            .to_vec();
        let binding = bpp::bind(
            &self.sk_pb,
            &BindParams {
                transaction_id: &self.transaction_id,
                host_id: b"rspcheck-test",
                eid,
                euicc_otpk: &otpk,
            },
            &mut self.rng,
        )
        .expect("bind");
        let rsk = rsk.then(|| ReplaceSessionKeys::generate(&mut self.rng));
        let configure = cons(0xBF24, Vec::new());
        bpp::build_bpp(
            &BppContent {
                isc: &binding.isc,
                configure_isdp: &configure,
                store_metadata: &metadata.to_tlv(),
                replace_session_keys: rsk.as_ref(),
                profile,
            },
            &binding.keys,
        )
        .expect("build")
    }
}

/// The full download of `profile` over APDUs; returns the PIR (BF37).
pub fn download(card: &mut Euicc, dp: &mut TestDp, profile: &[u8], class: i64) -> Tlv {
    let eid = *card.eid().as_bytes();
    let mut lpa = Lpa::open(card);
    lpa.call(&hex::decode("BF2000").unwrap());
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let challenge = ch.children()[0].content().unwrap().to_vec();
    let auth = lpa.call(
        &dp.authenticate_server_request(&challenge, Some("MATCHING-ID-1"))
            .encode_der(),
    );
    assert_eq!(
        auth.children()[0].tag(),
        t(0xA0),
        "AuthenticateServer ok: {auth:?}"
    );
    let prep = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    assert_eq!(
        prep.children()[0].tag(),
        t(0xA0),
        "PrepareDownload ok: {prep:?}"
    );
    let meta = TestDp::metadata(profile, class);
    let bpp = dp.bpp(&prep, &eid, &meta, profile, false);
    load_pieces(&mut lpa, &bpp)
}

/// ctxParams1 for a download (`matching_id`) or an SM-DS discovery (`None`), with a fixed TAC
/// and empty device capabilities.
pub fn ctx_params1(matching_id: Option<&str>) -> Tlv {
    let mut ctx = Vec::new();
    if let Some(m) = matching_id {
        ctx.push(prim(0x80, m.as_bytes().to_vec()));
    }
    ctx.push(cons(
        0xA1,
        vec![
            prim(0x80, vec![0x35, 0x29, 0x06, 0x11]),
            cons(0xA1, Vec::new()),
        ],
    ));
    cons(0xA0, ctx)
}

/// The ES10b AuthenticateServer request (BF38) an LPA builds from a server's
/// InitiateAuthentication answer (each part as a TLV) and the matching ID.
pub fn authenticate_server_request(
    server_signed1: Tlv,
    server_signature1: Tlv,
    ci_pkid_to_be_used: Tlv,
    server_certificate: Tlv,
    matching_id: Option<&str>,
) -> Tlv {
    cons(
        0xBF38,
        vec![
            server_signed1,
            server_signature1,
            ci_pkid_to_be_used,
            server_certificate,
            ctx_params1(matching_id),
        ],
    )
}

/// Sends a BPP the way LPAs do and returns the PIR.
pub fn load_pieces(lpa: &mut Lpa<'_>, bpp: &Tlv) -> Tlv {
    let pieces = bpp::lpa_pieces(bpp);
    let n = pieces.len();
    for (i, p) in pieces.iter().enumerate() {
        let r = lpa.es10(p);
        assert_eq!(r.sw, sw::OK, "piece {i}: {}", sw::describe(r.sw));
        if !r.data.is_empty() {
            return Tlv::parse(&r.data).expect("PIR");
        }
        assert!(i + 1 < n, "no PIR after the last piece");
    }
    unreachable!()
}

/// `(bppCommandId, errorReason)` of an error PIR, `None` for success.
pub fn pir_error(pir: &Tlv) -> Option<(i64, i64)> {
    let data = pir.children().first().expect("BF27");
    let fr = data
        .children()
        .iter()
        .find(|c| c.tag() == t(0xA2))
        .expect("finalResult");
    let r = fr.children().first().expect("result");
    if r.tag() == t(0xA0) {
        return None;
    }
    let n = |tag| {
        r.children()
            .iter()
            .find(|c| c.tag() == t(tag))
            .and_then(Tlv::content)
            .and_then(|v| der::decode_integer(v).ok())
            .expect("integer")
    };
    Some((n(0x80), n(0x81)))
}
