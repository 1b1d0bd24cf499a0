//! Codec throughput: TLV parse + re-encode and schema decode of a 12 KB BoundProfilePackage and
//! of an AuthenticateServerResponse with certificate-sized certificates.
//!
//! Run: `cargo bench -p rsp-codec`. Targets (issue 2): TLV tree >= 200 MB/s, schema >= 50 MB/s.

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use rsp_codec::named;
use rsp_codec::schema;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::Message;

fn main() {
    divan::main();
}

fn prim(tag: u32, len: usize, fill: u8) -> Tlv {
    Tlv::primitive(Tag::of(tag), vec![fill; len])
}

/// A BPP shaped like a real one: BF23, one 87, two 88, one 87 (RSK), twelve 1020-byte 86s.
fn bpp() -> Vec<u8> {
    let isc = Tlv::constructed(
        Tag::of(0xBF23),
        vec![
            Tlv::primitive(Tag::of(0x82), vec![1]),
            prim(0x80, 16, 0xA0),
            Tlv::constructed(
                Tag::of(0xA6),
                vec![
                    Tlv::primitive(Tag::of(0x80), vec![0x88]),
                    Tlv::primitive(Tag::of(0x81), vec![0x10]),
                    prim(0x84, 8, 0x80),
                ],
            ),
            prim(0x5F49, 65, 0x04),
            prim(0x5F37, 64, 0x55),
        ],
    );
    let seq = |tag: u32, items: Vec<Tlv>| Tlv::constructed(Tag::of(tag), items);
    let t = Tlv::constructed(
        Tag::of(0xBF36),
        vec![
            isc,
            seq(0xA0, vec![prim(0x87, 24, 1)]),
            seq(0xA1, vec![prim(0x88, 120, 2), prim(0x88, 60, 3)]),
            seq(0xA2, vec![prim(0x87, 72, 4)]),
            seq(0xA3, (0..12).map(|i| prim(0x86, 1016, i as u8)).collect()),
        ],
    );
    t.encode_der()
}

/// The manifest's AuthenticateServerResponse with both certificates grown to real size
/// (about 560 bytes each, like the SGP.26 eUICC and EUM certificates).
fn authenticate_server_response() -> Vec<u8> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/messages.toml"
    ))
    .expect("vectors/messages.toml");
    let line = text
        .lines()
        .skip_while(|l| !l.contains("\"es10b.AuthenticateServer.response.ok\""))
        .find(|l| l.starts_with("hex"))
        .expect("vector present");
    let hexstr = line.split('"').nth(1).expect("hex value");
    let mut m = Message::parse(
        &schema::AUTHENTICATE_SERVER_RESPONSE,
        &hex::decode(hexstr).expect("hex"),
    )
    .expect("parses");
    let cert = Tlv::constructed(
        Tag::of(0x30),
        vec![
            Tlv::constructed(
                Tag::of(0x30),
                (0..12).map(|i| prim(0x04, 40, i)).collect::<Vec<_>>(),
            ),
            Tlv::constructed(
                Tag::of(0x30),
                vec![Tlv::primitive(
                    Tag::of(0x06),
                    vec![0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02],
                )],
            ),
            Tlv::primitive(Tag::of(0x03), {
                let mut v = vec![0];
                v.extend([0x30; 71]);
                v
            }),
        ],
    );
    for path in [
        "authenticateResponseOk.euiccCertificate",
        "authenticateResponseOk.eumCertificate",
    ] {
        m.set_tlv(path, cert.clone()).expect("path resolves");
    }
    m.encode_der()
}

#[divan::bench(args = ["bpp_12k", "authenticate_server_response"])]
fn tlv_parse_reencode(bencher: Bencher, which: &str) {
    let input = if which == "bpp_12k" {
        bpp()
    } else {
        authenticate_server_response()
    };
    bencher.counter(BytesCount::new(input.len())).bench(|| {
        let t = Tlv::parse(black_box(&input)).unwrap();
        black_box(t.encode())
    });
}

#[divan::bench(args = ["bpp_12k", "authenticate_server_response"])]
fn schema_decode(bencher: Bencher, which: &str) {
    let (input, ty) = if which == "bpp_12k" {
        (bpp(), &schema::BOUND_PROFILE_PACKAGE)
    } else {
        (
            authenticate_server_response(),
            &schema::AUTHENTICATE_SERVER_RESPONSE,
        )
    };
    assert!(Message::decode(ty, &input).is_ok(), "bench input is valid");
    bencher.counter(BytesCount::new(input.len())).bench(|| {
        let t = Tlv::parse(black_box(&input)).unwrap();
        let d = named::decode(ty, &t);
        black_box(d.errors.len())
    });
}

/// One live-fuzzing mutation of a signed message (enumerate the named nodes, change one,
/// re-encode): a strategy that rewrites the tree and one that splices bytes.
#[divan::bench(args = ["bit-flip", "length-huge", "drop-field"])]
fn mutate_der(bencher: Bencher, strategy: &str) {
    use rsp_codec::mutate::{self, DerStrategy, Rng};
    let input = authenticate_server_response();
    let s = DerStrategy::from_name(strategy).expect("strategy");
    let mut seed = 0u64;
    bencher
        .counter(BytesCount::new(input.len()))
        .bench_local(|| {
            seed += 1;
            let m = mutate::mutate_der(
                black_box(&input),
                Some(&schema::AUTHENTICATE_SERVER_RESPONSE),
                s,
                &mut Rng::new(seed),
            );
            black_box(m.map(|m| m.bytes.len()))
        });
}
