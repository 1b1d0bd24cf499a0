//! ES9+/ES11/ES12/ES2+ JSON bodies: the first byte picks the message type. Parsing classifies
//! every failure (and maps it to a status code) without panicking; what parses serialises and
//! parses back to an equal value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::json::*;
use serde::{de::DeserializeOwned, Serialize};

fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) {
    match parse_body::<T>(body) {
        Ok(v) => {
            let again = serde_json::to_vec(&v).expect("serialises");
            let back = parse_body::<T>(&again).expect("own output parses");
            assert_eq!(back, v);
        }
        Err(e) => {
            let _ = e.status();
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    match pick % 16 {
        0 => check::<InitiateAuthenticationRequest>(body),
        1 => check::<InitiateAuthenticationResponse>(body),
        2 => check::<AuthenticateClientRequest>(body),
        3 => check::<AuthenticateClientResponse>(body),
        4 => check::<GetBoundProfilePackageRequest>(body),
        5 => check::<GetBoundProfilePackageResponse>(body),
        6 => check::<HandleNotificationRequest>(body),
        7 => check::<CancelSessionRequest>(body),
        8 => check::<HeaderOnlyResponse>(body),
        9 => check::<Es11InitiateAuthenticationRequest>(body),
        10 => check::<Es11AuthenticateClientResponse>(body),
        11 => check::<RegisterEventRequest>(body),
        12 => check::<DownloadOrderRequest>(body),
        13 => check::<ConfirmOrderRequest>(body),
        14 => check::<CancelOrderRequest>(body),
        _ => check::<HandleDownloadProgressInfoRequest>(body),
    }
});
