//! Random APDU sequences against the reference eUICC holding an enabled profile. The input is
//! a list of APDUs, each `[len, bytes…]`; before them the ISD-R is selected on channel 1 so
//! that STORE DATA reaches the ES10 functions, and a fixed prefix of ES10 requests (challenge)
//! puts a session in place. Never a panic, every answer ends with a status word, and the
//! card's invariants ([`Euicc::check_invariants`]) hold after every command and after a reset.
//!
//! Speed: restoring a card (`set_state`) and resetting it both rebuild the enabled profile's
//! file system (parse and expand the package), which was nearly all of the time. One card is
//! kept across inputs instead: each input ends with the reset the oracle wants anyway, and a
//! card just powered on with the reference state is the same as a card restored to it (state,
//! channels, session, UICC view and command count all come from power-on), so the next input
//! restores only when the last one changed the persistent state. The card's randomness is
//! re-seeded before every input, so an input replays alone exactly as within a run.
#![no_main]

use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, RandomSource, SeededRandom};
use rsp_euicc::store::CardState;
use rsp_euicc::testkit::{self, Lpa, TestDp};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};

struct Base {
    credentials: Credentials,
    state: CardState,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let set = PkiSet::load(testkit::generated_pki(7)).expect("PKI");
        let credentials = Credentials::from_set(&set).expect("credentials");
        let mut card = Euicc::new(
            EuiccConfig::default(),
            credentials.clone(),
            Box::new(SeededRandom::new(1)),
        )
        .expect("card");
        let profile = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../vectors/profiles/usim-isim-full.der"
        ))
        .expect("profile vector");
        let mut dp = TestDp::new(set.curve(Curve::NistP256).expect("NIST"));
        let pir = testkit::download(&mut card, &mut dp, &profile, 2);
        assert!(testkit::pir_error(&pir).is_none());
        let iccid = TestDp::metadata(&profile, 2).iccid;
        let mut lpa = Lpa::open(&mut card);
        let mut enable = vec![0xBF, 0x31, 0x11, 0xA0, 0x0C, 0x5A, 0x0A];
        enable.extend_from_slice(&iccid);
        enable.extend_from_slice(&[0x81, 0x01, 0xFF]);
        lpa.call(&enable);
        Base {
            credentials,
            state: card.state().clone(),
        }
    })
}

/// Randomness the target can re-seed while the card holds it.
#[derive(Clone)]
struct Reseedable(Arc<Mutex<SeededRandom>>);

impl RandomSource for Reseedable {
    fn fill(&mut self, buf: &mut [u8]) {
        self.0.lock().expect("rng").fill(buf);
    }
}

struct Kept {
    card: Euicc,
    rng: Reseedable,
}

thread_local! {
    static KEPT: RefCell<Option<Kept>> = const { RefCell::new(None) };
}

fn run(card: &mut Euicc, data: &[u8]) {
    {
        let mut lpa = Lpa::open(card);
        lpa.call(&[0xBF, 0x2E, 0x00]);
    }
    let mut rest = data;
    let mut n = 0;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (apdu, tail) = tail.split_at(len);
        rest = tail;
        let r = card.process(apdu);
        assert!(r.len() >= 2, "no status word");
        if let Err(e) = card.check_invariants() {
            panic!("invariant broken after {}: {e}", hex::encode_upper(apdu));
        }
        n += 1;
        if n >= 64 {
            break;
        }
    }
    rsp_codec::apdu::Transport::reset(card).expect("reset");
    if let Err(e) = card.check_invariants() {
        panic!("invariant broken after reset: {e}");
    }
}

fuzz_target!(|data: &[u8]| {
    let b = base();
    KEPT.with_borrow_mut(|kept| {
        let k = kept.get_or_insert_with(|| {
            let rng = Reseedable(Arc::new(Mutex::new(SeededRandom::new(2))));
            let mut card = Euicc::new(
                EuiccConfig::default(),
                b.credentials.clone(),
                Box::new(rng.clone()),
            )
            .expect("card");
            card.set_state(b.state.clone());
            Kept { card, rng }
        });
        // As a card made with `SeededRandom::new(2)` (power-on with the reference state draws
        // no randomness).
        *k.rng.0.lock().expect("rng") = SeededRandom::new(2);
        if k.card.state() != &b.state {
            k.card.set_state(b.state.clone());
        }
        run(&mut k.card, data);
    });
});
