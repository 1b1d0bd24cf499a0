//! A [`Transport`] to any card in any PC/SC reader (pcsc-lite's pcscd on Linux and macOS,
//! WinSCard on Windows), so rspcheck can test a vendor's eUICC in a reader — or its own reference
//! eUICC exposed through vpcd, which is how the system tests prove both ends.
//!
//! Built only with the cargo feature `pcsc`: it links the system PC/SC library
//! (`libpcsclite-dev` on Debian).

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Disposition, Protocol, Protocols, ReaderState, Scope, ShareMode, State};
use rsp_codec::apdu::{Transport, TransportError};

/// How to start the PC/SC service, for errors that happen when it is not running.
const START_PCSCD: &str = "start it with `pcscd` (as root; `pcscd --foreground &` to keep it \
                           attached), or `systemctl start pcscd.socket` where systemd runs";

/// Why a PC/SC operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PcscError {
    #[error("the PC/SC service (pcscd) is not running: {START_PCSCD}")]
    NoService,
    #[error("no reader matches {wanted:?}; readers: {available:?}")]
    ReaderNotFound {
        wanted: String,
        available: Vec<String>,
    },
    #[error("{wanted:?} matches several readers, name one exactly: {matches:?}")]
    AmbiguousReader {
        wanted: String,
        matches: Vec<String>,
    },
    #[error("no card in {reader:?} after {waited:?}")]
    NoCard { reader: String, waited: Duration },
    #[error(
        "{reader:?} still holds a card after {waited:?} (is another virtual card connected to \
         vpcd, or a real card inserted?)"
    )]
    CardStays { reader: String, waited: Duration },
    #[error("connected to {0:?} without a T=0 or T=1 protocol")]
    NoProtocol(String),
    #[error("PC/SC {operation}: {source}")]
    Pcsc {
        operation: &'static str,
        #[source]
        source: pcsc::Error,
    },
}

impl PcscError {
    fn from_pcsc(operation: &'static str, source: pcsc::Error) -> Self {
        match source {
            pcsc::Error::NoService | pcsc::Error::ServiceStopped => PcscError::NoService,
            source => PcscError::Pcsc { operation, source },
        }
    }
}

fn establish() -> Result<Context, PcscError> {
    Context::establish(Scope::User).map_err(|e| PcscError::from_pcsc("establish context", e))
}

fn readers(context: &Context) -> Result<Vec<String>, PcscError> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|name| name.to_string_lossy().into_owned())
            .collect()),
        // pcsc-lite reports "no readers" as an error; to us it is an empty list.
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(PcscError::from_pcsc("list readers", e)),
    }
}

/// The names of the readers the PC/SC service knows (with or without a card).
pub fn list_readers() -> Result<Vec<String>, PcscError> {
    readers(&establish()?)
}

/// Picks the reader `wanted` names: an exact name, else the one reader whose name contains
/// `wanted` ignoring case (so `""` picks the only reader there is).
pub fn resolve_reader(wanted: &str, available: &[String]) -> Result<String, PcscError> {
    if let Some(exact) = available.iter().find(|name| *name == wanted) {
        return Ok(exact.clone());
    }
    let needle = wanted.to_lowercase();
    let matches: Vec<String> = available
        .iter()
        .filter(|name| name.to_lowercase().contains(&needle))
        .cloned()
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().unwrap_or_default()),
        0 => Err(PcscError::ReaderNotFound {
            wanted: wanted.to_owned(),
            available: available.to_vec(),
        }),
        _ => Err(PcscError::AmbiguousReader {
            wanted: wanted.to_owned(),
            matches,
        }),
    }
}

/// Waits until the reader `reader` names (see [`resolve_reader`]) holds a responsive card;
/// returns the reader's full name. A virtual card needs this: vpcd's reader shows the card only
/// after pcscd's next presence poll (every 0.4 s).
pub fn wait_for_card(reader: &str, timeout: Duration) -> Result<String, PcscError> {
    wait_for(reader, timeout, true)
}

/// Waits until the reader `reader` names is empty; returns its full name. Before serving a
/// virtual card, this makes sure pcscd has noticed that the previous one left: for up to one
/// presence poll (0.4 s) pcscd still reports a card that has gone, and a connection made then
/// fails on the first APDU.
pub fn wait_for_empty(reader: &str, timeout: Duration) -> Result<String, PcscError> {
    wait_for(reader, timeout, false)
}

fn wait_for(reader: &str, timeout: Duration, card: bool) -> Result<String, PcscError> {
    let deadline = Instant::now() + timeout;
    // pcscd may still be starting, and the reader still appearing (hotplug): retry both until
    // the deadline.
    let (context, name) = loop {
        let attempt = establish().and_then(|context| {
            let name = resolve_reader(reader, &readers(&context)?)?;
            Ok((context, name))
        });
        match attempt {
            Ok(found) => break found,
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let c_name = CString::new(name.clone()).map_err(|_| PcscError::ReaderNotFound {
        wanted: reader.to_owned(),
        available: vec![name.clone()],
    })?;
    let timed_out = |name: String| {
        if card {
            PcscError::NoCard {
                reader: name,
                waited: timeout,
            }
        } else {
            PcscError::CardStays {
                reader: name,
                waited: timeout,
            }
        }
    };
    let mut states = [ReaderState::new(c_name, State::UNAWARE)];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        // The first call (UNAWARE) returns the current state at once; later ones block until
        // the state changes or the time is up.
        match context.get_status_change(Some(remaining), &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => return Err(timed_out(name)),
            Err(e) => return Err(PcscError::from_pcsc("wait for reader state", e)),
        }
        let state = states[0].event_state();
        let reached = if card {
            state.contains(State::PRESENT) && !state.contains(State::MUTE)
        } else {
            state.contains(State::EMPTY)
        };
        if reached {
            return Ok(name);
        }
        if remaining.is_zero() {
            return Err(timed_out(name));
        }
        states[0].sync_current_state();
    }
}

/// A card in a PC/SC reader, shared with other applications, T=0 or T=1 as the reader and card
/// negotiate. Dropping it disconnects with a reset (the `pcsc` crate's default), leaving the
/// card clean for the next user.
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
    protocol: Protocol,
    atr: Vec<u8>,
    /// Room for the largest response PC/SC carries (extended APDUs: 65536 data + SW1 SW2).
    buffer: Vec<u8>,
}

impl PcscTransport {
    /// Connects to the card in the reader `reader` names (exact name or unique substring, see
    /// [`resolve_reader`]).
    pub fn connect(reader: &str) -> Result<Self, PcscError> {
        let context = establish()?;
        let name = resolve_reader(reader, &readers(&context)?)?;
        let c_name = CString::new(name.clone()).map_err(|_| PcscError::ReaderNotFound {
            wanted: reader.to_owned(),
            available: vec![name.clone()],
        })?;
        let card = context
            .connect(&c_name, ShareMode::Shared, Protocols::T0 | Protocols::T1)
            .map_err(|e| PcscError::from_pcsc("connect", e))?;
        let mut transport = Self {
            card,
            reader: name,
            protocol: Protocol::T1,
            atr: Vec::new(),
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        };
        transport.refresh_status()?;
        Ok(transport)
    }

    /// The reader's full name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The ATR from the connection or the last reset.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The protocol in use (T=0 or T=1).
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Warm reset (PC/SC `SCARD_RESET_CARD`; vpcd sees control code 2). Returns the ATR.
    pub fn warm_reset(&mut self) -> Result<Vec<u8>, PcscError> {
        self.reconnect(Disposition::ResetCard)
    }

    /// Cold reset (PC/SC `SCARD_UNPOWER_CARD`: power off, power on). Returns the ATR.
    pub fn cold_reset(&mut self) -> Result<Vec<u8>, PcscError> {
        self.reconnect(Disposition::UnpowerCard)
    }

    fn reconnect(&mut self, disposition: Disposition) -> Result<Vec<u8>, PcscError> {
        self.card
            .reconnect(
                ShareMode::Shared,
                Protocols::T0 | Protocols::T1,
                disposition,
            )
            .map_err(|e| PcscError::from_pcsc("reconnect", e))?;
        self.refresh_status()?;
        Ok(self.atr.clone())
    }

    fn refresh_status(&mut self) -> Result<(), PcscError> {
        let status = self
            .card
            .status2_owned()
            .map_err(|e| PcscError::from_pcsc("status", e))?;
        // `pcsc::Card::transmit` panics without a protocol; make sure there is one.
        match status.protocol2() {
            Some(protocol @ (Protocol::T0 | Protocol::T1)) => self.protocol = protocol,
            _ => return Err(PcscError::NoProtocol(self.reader.clone())),
        }
        self.atr = status.atr().to_vec();
        Ok(())
    }
}

fn transport_error(operation: &str, error: pcsc::Error) -> TransportError {
    match error {
        pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => {
            TransportError::NoCard(error.to_string())
        }
        pcsc::Error::ResetCard => TransportError::Reset,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => TransportError::Io(format!(
            "{operation}: PC/SC service not running: {START_PCSCD}"
        )),
        error => TransportError::Io(format!("{operation}: {error}")),
    }
}

impl Transport for PcscTransport {
    /// Sends the bytes as they are; PC/SC does the T=0/T=1 framing. 61xx/6Cxx are returned, not
    /// followed up: the caller decides (a conformance suite must see them).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.card
            .transmit(command, &mut self.buffer)
            .map(<[u8]>::to_vec)
            .map_err(|e| transport_error("transmit", e))
    }

    /// Cold reset; after another application reset the card (`TransportError::Reset`), this is
    /// also how to get going again.
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        self.reconnect(Disposition::UnpowerCard)
            .map_err(|e| match e {
                PcscError::Pcsc { operation, source } => transport_error(operation, source),
                other => TransportError::Io(other.to_string()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn resolves_exact_then_unique_substring() {
        let readers = names(&["Virtual PCD 00 00", "Virtual PCD 00 01", "ACS ACR39U 01 00"]);
        assert_eq!(
            resolve_reader("Virtual PCD 00 01", &readers).unwrap(),
            "Virtual PCD 00 01"
        );
        assert_eq!(
            resolve_reader("acr39", &readers).unwrap(),
            "ACS ACR39U 01 00"
        );
        assert!(matches!(
            resolve_reader("Virtual", &readers),
            Err(PcscError::AmbiguousReader { matches, .. }) if matches.len() == 2
        ));
        assert!(matches!(
            resolve_reader("Gemalto", &readers),
            Err(PcscError::ReaderNotFound { available, .. }) if available.len() == 3
        ));
        assert_eq!(
            resolve_reader("", &names(&["Only One"])).unwrap(),
            "Only One"
        );
        assert!(resolve_reader("", &[]).is_err());
    }

    #[test]
    fn transport_can_move_to_a_worker_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<PcscTransport>();
    }

    #[test]
    fn service_errors_say_how_to_start_pcscd() {
        let error = PcscError::from_pcsc("connect", pcsc::Error::NoService);
        assert!(error.to_string().contains("pcscd"), "{error}");
        let error = transport_error("transmit", pcsc::Error::ServiceStopped);
        assert!(error.to_string().contains("pcscd"), "{error}");
        assert_eq!(
            transport_error("transmit", pcsc::Error::ResetCard),
            TransportError::Reset
        );
    }
}
