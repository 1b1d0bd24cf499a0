//! SM-DS discovery over ES11 (digest §2.4): mutual authentication with the SM-DS, then the
//! event entries; each names the SM-DP+ (or an Alternative SM-DS) and the EventID.

use rsp_codec::apdu::Transport;
use rsp_codec::json::{Base64Bytes, Es11Function, Secret};
use rsp_codec::tlv::Tlv;
use serde_json::{json, Value};

use crate::card::Card;
use crate::download::{ctx_params1, Hooks, Incoming, Outgoing, Step};
use crate::es10::{cons, Es10Error};
use crate::server::{self, RemoteError, RemoteFunction, RspServer, ServerStats};

/// One event the SM-DS holds for this eUICC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub event_id: Secret,
    pub rsp_server_address: String,
}

/// Why discovery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("ES10 {0}")]
    Card(#[from] Es10Error),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("ES11 {function}: {detail}")]
    Protocol {
        function: &'static str,
        detail: String,
    },
    #[error("the eUICC has no root SM-DS address")]
    NoRootSmds,
}

fn protocol(function: &'static str, detail: impl Into<String>) -> DiscoveryError {
    DiscoveryError::Protocol {
        function,
        detail: detail.into(),
    }
}

fn b64_field(answer: &Value, key: &str, function: &'static str) -> Result<Tlv, DiscoveryError> {
    let text = answer
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| protocol(function, format!("answer without {key}")))?;
    let bytes =
        Base64Bytes::from_base64(text).map_err(|e| protocol(function, format!("{key}: {e}")))?;
    Tlv::parse(bytes.as_bytes()).map_err(|e| protocol(function, format!("{key}: {e}")))
}

/// Asks the SM-DS at `smds_address` for this eUICC's events.
pub fn discover<T: Transport>(
    card: &mut Card<T>,
    server: &mut dyn RspServer,
    stats: &mut ServerStats,
    smds_address: &str,
    device_info: &Tlv,
) -> Result<Vec<Event>, DiscoveryError> {
    discover_with_hooks(
        card,
        server,
        stats,
        smds_address,
        device_info,
        &mut crate::download::NoHooks,
    )
}

/// [`discover`], with `hooks` seeing (and able to change) the two ES11 requests and their
/// answers (step InitiateAuthentication, then AuthenticateClient).
pub fn discover_with_hooks<T: Transport>(
    card: &mut Card<T>,
    server: &mut dyn RspServer,
    stats: &mut ServerStats,
    smds_address: &str,
    device_info: &Tlv,
    hooks: &mut dyn Hooks,
) -> Result<Vec<Event>, DiscoveryError> {
    let info1 = card.euicc_info1()?;
    let challenge = card.euicc_challenge()?;
    let ia_fn = RemoteFunction::Es11(Es11Function::InitiateAuthentication);
    let body = json!({
        "euiccChallenge": Base64Bytes::new(challenge.to_vec()).to_base64(),
        "euiccInfo1": Base64Bytes::new(info1).to_base64(),
        "smdsAddress": smds_address,
    });
    let (_, ia) = hooked_call(
        hooks,
        Step::InitiateAuthentication,
        server,
        stats,
        smds_address,
        ia_fn,
        body,
    )?;
    let tx = ia
        .get("transactionId")
        .and_then(Value::as_str)
        .ok_or_else(|| protocol("InitiateAuthentication", "answer without transactionId"))?
        .to_owned();
    let request = cons(
        0xBF38,
        vec![
            b64_field(&ia, "serverSigned1", "InitiateAuthentication")?,
            b64_field(&ia, "serverSignature1", "InitiateAuthentication")?,
            b64_field(&ia, "euiccCiPKIdToBeUsed", "InitiateAuthentication")?,
            b64_field(&ia, "serverCertificate", "InitiateAuthentication")?,
            // Discovery carries no matching ID (digest §2.4).
            ctx_params1(None, device_info),
        ],
    );
    let response = card.authenticate_server(&request.encode_der())?;
    let ac_fn = RemoteFunction::Es11(Es11Function::AuthenticateClient);
    let body = json!({
        "transactionId": tx,
        "authenticateServerResponse": Base64Bytes::new(response).to_base64(),
    });
    let (_, ac) = hooked_call(
        hooks,
        Step::AuthenticateClient,
        server,
        stats,
        smds_address,
        ac_fn,
        body,
    )?;
    let entries = ac
        .get("eventEntries")
        .and_then(Value::as_array)
        .ok_or_else(|| protocol("AuthenticateClient", "answer without eventEntries"))?;
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let text = |k: &str| {
                e.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        protocol(
                            "AuthenticateClient",
                            format!("eventEntries[{i}] without {k}"),
                        )
                    })
            };
            Ok(Event {
                event_id: Secret::new(text("eventId")?),
                rsp_server_address: text("rspServerAddress")?,
            })
        })
        .collect()
}

/// One ES11 call with the hooks around it.
fn hooked_call(
    hooks: &mut dyn Hooks,
    step: Step,
    server: &mut dyn RspServer,
    stats: &mut ServerStats,
    address: &str,
    function: RemoteFunction,
    mut body: Value,
) -> Result<(server::RawReply, Value), RemoteError> {
    let mut address = address.to_owned();
    hooks.outgoing(
        step,
        Outgoing::Remote {
            function,
            address: &mut address,
            body: &mut body,
        },
    );
    let sent = body.to_string();
    let started = std::time::Instant::now();
    let reply = server.post(&address, function.path(), sent.as_bytes());
    stats.time += started.elapsed();
    stats.calls += 1;
    stats.bytes_sent += sent.len() as u64;
    let reply = reply.map_err(|source| RemoteError::Server { function, source })?;
    stats.bytes_received += reply.body.len() as u64;
    hooks.incoming(
        step,
        Incoming::Remote {
            function,
            status: reply.status,
            body: &reply.body,
        },
    );
    let value = server::read_answer(function, &reply)?;
    Ok((reply, value))
}
