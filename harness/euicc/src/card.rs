//! The card: APDUs in, APDUs out. Logical channels, application selection (ISD-R, ECASD, the
//! enabled profile's file system), STORE DATA chaining and response delivery through 61xx +
//! GET RESPONSE, with the ISO status word for every malformed command. The ES10 functions are
//! in [`crate::es10`].

use std::path::PathBuf;

use rsp_codec::apdu::{self, ins, sw, CommandApdu, ResponseApdu, Transport, TransportError};
use rsp_crypto::cert::Time;
use rsp_crypto::RandomSource;

use crate::config::{ConfigError, EuiccConfig, Resolved};
use crate::credentials::Credentials;
use crate::es10::Session;
use crate::store::{CardState, StoreError};
use crate::uicc::Uicc;

/// ISD-R AID (digest §3.1).
pub const ISDR_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];
/// ECASD AID.
pub const ECASD_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00,
];
/// Logical channels 0–19 (ISO/IEC 7816-4 further interindustry class).
pub const MAX_CHANNELS: usize = 20;
/// Largest ES10 request assembled from STORE DATA blocks (a whole BPP sent in one sequence
/// fits; anything larger is refused with 6A84 before it is buffered).
pub const MAX_STORE_DATA: usize = 2 << 20;

/// Why a card cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    None,
    IsdR,
    Ecasd,
    /// The enabled profile's file system (MF, ADFs).
    Uicc,
}

#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub app: App,
    /// STORE DATA chain in progress: next expected block number and the data so far.
    pub chain: Option<(u8, Vec<u8>)>,
    /// Response bytes waiting for GET RESPONSE.
    pub pending: Vec<u8>,
}

impl Channel {
    fn new(app: App) -> Channel {
        Channel {
            app,
            chain: None,
            pending: Vec::new(),
        }
    }
}

/// The reference eUICC.
pub struct Euicc {
    pub(crate) config: EuiccConfig,
    pub(crate) resolved: Resolved,
    pub(crate) credentials: Credentials,
    pub(crate) rng: Box<dyn RandomSource + Send>,
    pub(crate) now: Time,
    pub(crate) state: CardState,
    pub(crate) state_path: Option<PathBuf>,
    pub(crate) channels: Vec<Option<Channel>>,
    pub(crate) session: Session,
    pub(crate) uicc: Option<Uicc>,
    /// Errors from saving the state file (the card keeps working; the runner can report them).
    pub(crate) save_errors: Vec<String>,
    /// Commands processed since power-on (for the fuzz invariant and statistics).
    pub(crate) commands: u64,
    /// The enabled profile's package and its expanded file system, so a reset (power-on)
    /// rebuilds the UICC side without parsing and expanding the same package again.
    pub(crate) expanded: Option<(Vec<u8>, std::sync::Arc<rsp_profile::expand::FileSystem>)>,
}

impl std::fmt::Debug for Euicc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Euicc")
            .field("eid", &self.credentials.eid.to_digits())
            .field("personality", &self.config.personality)
            .field("profiles", &self.state.profiles.len())
            .finish_non_exhaustive()
    }
}

impl Euicc {
    /// A card with a fresh state (no profiles), randomness from `rng`.
    pub fn new(
        config: EuiccConfig,
        credentials: Credentials,
        rng: Box<dyn RandomSource + Send>,
    ) -> Result<Euicc, CardError> {
        let resolved = config.resolve()?;
        let state = CardState {
            default_dp_address: config.default_dp_address.clone(),
            ..CardState::default()
        };
        let mut card = Euicc {
            config,
            resolved,
            credentials,
            rng,
            now: Time::from_unix(1_767_225_600), /* 2026-01-01T00:00:00Z */
            state,
            state_path: None,
            channels: Vec::new(),
            session: Session::None,
            uicc: None,
            expanded: None,
            save_errors: Vec::new(),
            commands: 0,
        };
        card.power_on();
        Ok(card)
    }

    /// Keeps the state in `path`: loaded now if the file exists, saved after every change.
    pub fn with_state_file(mut self, path: impl Into<PathBuf>) -> Result<Euicc, CardError> {
        let path = path.into();
        if path.exists() {
            self.state = CardState::load(&path)?;
        } else {
            self.state.save(&path)?;
        }
        self.state_path = Some(path);
        self.power_on();
        Ok(self)
    }

    /// Replaces the persistent state (profiles, notifications …) as after a power cycle with a
    /// different state file.
    pub fn set_state(&mut self, state: CardState) {
        self.state = state;
        self.session = Session::None;
        self.power_on();
    }

    /// Checks the card's internal consistency (fuzzing, property tests): at most one enabled
    /// profile, unique ICCIDs and ISD-P AIDs, notification sequence numbers unique and below
    /// the counter, storage within the limit, channel 0 open, chains within bounds.
    pub fn check_invariants(&self) -> Result<(), String> {
        let s = &self.state;
        if s.profiles.iter().filter(|p| p.enabled).count() > 1 {
            return Err("more than one enabled profile".into());
        }
        for (i, p) in s.profiles.iter().enumerate() {
            if s.profiles[..i]
                .iter()
                .any(|q| q.iccid == p.iccid || q.isdp_aid == p.isdp_aid)
            {
                return Err(format!(
                    "duplicate ICCID or AID {}",
                    hex::encode_upper(&p.iccid)
                ));
            }
        }
        for (i, n) in s.notifications.iter().enumerate() {
            if n.seq_number >= s.next_seq_number {
                return Err(format!(
                    "notification {} not below the counter",
                    n.seq_number
                ));
            }
            if s.notifications[..i]
                .iter()
                .any(|m| m.seq_number == n.seq_number)
            {
                return Err(format!("duplicate notification {}", n.seq_number));
            }
        }
        if s.used_bytes() > self.config.memory_bytes {
            return Err("storage over the limit".into());
        }
        if s.profiles.len() > self.config.max_profiles {
            return Err("more profiles than the card holds".into());
        }
        if self.channels.first().is_none_or(Option::is_none) {
            return Err("basic channel closed".into());
        }
        for c in self.channels.iter().flatten() {
            if c.chain
                .as_ref()
                .is_some_and(|(_, d)| d.len() > MAX_STORE_DATA)
            {
                return Err("STORE DATA chain over the limit".into());
            }
        }
        if s.enabled().is_some() != self.uicc.is_some() && s.enabled().is_some() {
            // An enabled profile that does not expand would have been refused at install.
            return Err("enabled profile without a UICC view".into());
        }
        Ok(())
    }

    /// The clock used when `check_certificate_expiry` is on.
    pub fn set_time(&mut self, now: Time) {
        self.now = now;
    }

    pub fn eid(&self) -> &rsp_codec::eid::Eid {
        &self.credentials.eid
    }

    pub fn config(&self) -> &EuiccConfig {
        &self.config
    }

    pub fn state(&self) -> &CardState {
        &self.state
    }

    /// State-file write failures since the last call.
    pub fn take_save_errors(&mut self) -> Vec<String> {
        std::mem::take(&mut self.save_errors)
    }

    /// The RSP session state: `none`, `challenged`, `authenticated`, `prepared`, `loading`.
    pub fn session_state(&self) -> &'static str {
        self.session.name()
    }

    pub fn atr(&self) -> Vec<u8> {
        self.resolved.atr.clone()
    }

    /// Power-on / reset: channels closed, selections cleared, the RSP session lost (an
    /// interrupted load leaves its PIR), the enabled profile's runtime state reloaded.
    pub fn power_on(&mut self) {
        self.interrupt_session();
        self.uicc = self.build_uicc();
        let app = if self.uicc.is_some() {
            App::Uicc
        } else {
            App::None
        };
        self.channels = vec![None; MAX_CHANNELS];
        self.channels[0] = Some(Channel::new(app));
        self.commands = 0;
    }

    pub(crate) fn save(&mut self) {
        if let Some(u) = &self.uicc {
            let saved = u.saved();
            if let Some(p) = self.state.profiles.iter_mut().find(|p| p.enabled) {
                p.uicc = Some(saved);
            }
        }
        if let Some(path) = &self.state_path {
            if let Err(e) = self.state.save(path) {
                self.save_errors.push(e.to_string());
            }
        }
    }

    /// Processes one command APDU (wire bytes) and returns the response (data ‖ SW).
    pub fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        self.commands += 1;
        self.process_apdu(raw).encode()
    }

    fn process_apdu(&mut self, raw: &[u8]) -> ResponseApdu {
        let cmd = match CommandApdu::parse(raw) {
            Ok(c) => c,
            Err(_) => return ResponseApdu::status(sw::WRONG_LENGTH),
        };
        if cmd.cla == 0xFF {
            return ResponseApdu::status(sw::CLA_NOT_SUPPORTED);
        }
        if matches!(cmd.ins & 0xF0, 0x60 | 0x90) {
            return ResponseApdu::status(sw::INS_NOT_SUPPORTED);
        }
        let Some(ch) = cmd.channel() else {
            return ResponseApdu::status(sw::CLA_NOT_SUPPORTED);
        };
        let ch = usize::from(ch);
        if self.channels.get(ch).is_none_or(Option::is_none) {
            return ResponseApdu::status(sw::LOGICAL_CHANNEL_NOT_SUPPORTED);
        }
        if cmd.secure_messaging() {
            return ResponseApdu::status(sw::SECURE_MESSAGING_NOT_SUPPORTED);
        }
        // A STORE DATA chain must not be interleaved with other commands on its channel.
        if cmd.ins != ins::STORE_DATA {
            if let Some(c) = self.channels[ch].as_mut() {
                if c.chain.take().is_some() {
                    return ResponseApdu::status(sw::LAST_COMMAND_EXPECTED);
                }
            }
        }
        if cmd.ins != ins::GET_RESPONSE {
            if let Some(c) = self.channels[ch].as_mut() {
                c.pending.clear();
            }
        }
        match cmd.ins {
            ins::MANAGE_CHANNEL => self.manage_channel(ch, &cmd),
            ins::GET_RESPONSE => self.get_response(ch, &cmd),
            ins::SELECT if cmd.p1 == 0x04 => self.select_by_name(ch, &cmd),
            ins::STORE_DATA if self.app(ch) == App::IsdR => self.store_data(ch, &cmd),
            _ => match self.app(ch) {
                App::IsdR | App::Ecasd => ResponseApdu::status(sw::INS_NOT_SUPPORTED),
                App::Uicc | App::None => self.forward_to_uicc(ch, &cmd),
            },
        }
    }

    fn app(&self, ch: usize) -> App {
        self.channels
            .get(ch)
            .and_then(Option::as_ref)
            .map_or(App::None, |c| c.app)
    }

    fn set_app(&mut self, ch: usize, app: App) {
        if let Some(Some(c)) = self.channels.get_mut(ch) {
            c.app = app;
            c.chain = None;
        }
    }

    fn forward_to_uicc(&mut self, ch: usize, cmd: &CommandApdu) -> ResponseApdu {
        let Some(uicc) = self.uicc.as_mut() else {
            return match cmd.ins {
                ins::SELECT => ResponseApdu::status(sw::FILE_NOT_FOUND),
                _ if cmd.cla & 0x80 == 0 || cmd.ins == ins::STATUS => {
                    ResponseApdu::status(sw::COMMAND_NOT_ALLOWED_NO_EF)
                }
                _ => ResponseApdu::status(sw::INS_NOT_SUPPORTED),
            };
        };
        let r = uicc.process(ch as u8, cmd);
        if cmd.ins == ins::SELECT && r.sw1() != 0x6A {
            self.set_app(ch, App::Uicc);
        }
        if matches!(
            cmd.ins,
            ins::UPDATE_BINARY
                | ins::UPDATE_RECORD
                | ins::VERIFY
                | ins::UNBLOCK_PIN
                | ins::AUTHENTICATE
        ) {
            self.save();
        }
        self.deliver(ch, cmd, r.data, r.sw)
    }

    fn manage_channel(&mut self, ch: usize, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.cla & 0x80 != 0 {
            return ResponseApdu::status(sw::CLA_NOT_SUPPORTED);
        }
        if !cmd.data.is_empty() {
            return ResponseApdu::status(sw::WRONG_LENGTH);
        }
        let inherit = if self.uicc.is_some() {
            App::Uicc
        } else {
            App::None
        };
        match cmd.p1 {
            0x00 => {
                let target = if cmd.p2 == 0 {
                    match (1..MAX_CHANNELS).find(|&i| self.channels[i].is_none()) {
                        Some(i) => i,
                        None => return ResponseApdu::status(sw::FUNCTION_NOT_SUPPORTED),
                    }
                } else {
                    let t = usize::from(cmd.p2);
                    if t >= MAX_CHANNELS || self.channels[t].is_some() {
                        return ResponseApdu::status(sw::INCORRECT_P1P2);
                    }
                    t
                };
                self.channels[target] = Some(Channel::new(inherit));
                if let Some(u) = self.uicc.as_mut() {
                    let _ = u.open_channel(target as u8);
                }
                if cmd.p2 == 0 {
                    ResponseApdu::new(vec![target as u8], sw::OK)
                } else {
                    ResponseApdu::status(sw::OK)
                }
            }
            0x80 => {
                let target = if cmd.p2 == 0 { ch } else { usize::from(cmd.p2) };
                if target == 0 || target >= MAX_CHANNELS || self.channels[target].is_none() {
                    return ResponseApdu::status(sw::INCORRECT_P1P2);
                }
                self.channels[target] = None;
                if let Some(u) = self.uicc.as_mut() {
                    let _ = u.close_channel(target as u8);
                }
                ResponseApdu::status(sw::OK)
            }
            _ => ResponseApdu::status(sw::INCORRECT_P1P2),
        }
    }

    fn get_response(&mut self, ch: usize, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return ResponseApdu::status(sw::INCORRECT_P1P2);
        }
        let Some(Some(c)) = self.channels.get_mut(ch) else {
            return ResponseApdu::status(sw::LOGICAL_CHANNEL_NOT_SUPPORTED);
        };
        if c.pending.is_empty() {
            return ResponseApdu::status(sw::CONDITIONS_NOT_SATISFIED);
        }
        let ne = cmd.ne().unwrap_or(256);
        let n = ne.min(c.pending.len());
        let data: Vec<u8> = c.pending.drain(..n).collect();
        let sw = more_sw(c.pending.len());
        ResponseApdu::new(data, sw)
    }

    /// Delivers response data according to Le: all of it when Le covers it, else the first
    /// Ne bytes (or none when Le is absent) and `61xx` for the rest.
    pub(crate) fn deliver(
        &mut self,
        ch: usize,
        cmd: &CommandApdu,
        data: Vec<u8>,
        status: u16,
    ) -> ResponseApdu {
        if data.is_empty() || status != sw::OK {
            return ResponseApdu::new(data, status);
        }
        let Some(Some(c)) = self.channels.get_mut(ch) else {
            return ResponseApdu::status(sw::LOGICAL_CHANNEL_NOT_SUPPORTED);
        };
        match cmd.ne() {
            Some(ne) if ne >= data.len() => ResponseApdu::new(data, sw::OK),
            Some(ne) => {
                c.pending = data[ne..].to_vec();
                ResponseApdu::new(data[..ne].to_vec(), more_sw(c.pending.len()))
            }
            None => {
                c.pending = data;
                ResponseApdu::status(more_sw(c.pending.len()))
            }
        }
    }

    fn select_by_name(&mut self, ch: usize, cmd: &CommandApdu) -> ResponseApdu {
        // P2: 00 first/only occurrence with FCI, 04 FCP, 0C no data; next occurrence not
        // supported for the security domains.
        let aid = &cmd.data;
        if aid.len() < 5 || aid.len() > 16 {
            return if self.uicc.is_some() {
                self.forward_to_uicc(ch, cmd)
            } else {
                ResponseApdu::status(sw::WRONG_LENGTH)
            };
        }
        let app = if ISDR_AID.starts_with(aid) {
            App::IsdR
        } else if ECASD_AID.starts_with(aid) {
            App::Ecasd
        } else {
            return self.forward_to_uicc(ch, cmd);
        };
        if !matches!(cmd.p2 & 0xF3, 0x00 | 0x04 | 0x0C) || cmd.p2 & 0x03 != 0 {
            return ResponseApdu::status(sw::INCORRECT_P1P2);
        }
        self.set_app(ch, app);
        if cmd.p2 & 0x0C == 0x0C {
            return ResponseApdu::status(sw::OK);
        }
        let fci = match app {
            App::IsdR => self.isdr_fci(),
            _ => fci(&ECASD_AID, None),
        };
        self.deliver(ch, cmd, fci, sw::OK)
    }

    fn isdr_fci(&self) -> Vec<u8> {
        use rsp_codec::tlv::{Tag, Tlv};
        let mut e0 = vec![Tlv::primitive(Tag::of(0x82), self.resolved.svn.to_vec())];
        if let Some(l) = &self.resolved.lpae_support {
            e0.push(Tlv::primitive(Tag::of(0x03), l.encode()));
        }
        fci(&ISDR_AID, Some(Tlv::constructed(Tag::of(0xE0), e0)))
    }

    fn store_data(&mut self, ch: usize, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.cla & 0x80 == 0 {
            return ResponseApdu::status(sw::CLA_NOT_SUPPORTED);
        }
        // P1: b8 last block, b7-b6 no encryption, b5-b4 BER-TLV, b1 response expected (GP
        // Table 11-89). Other structures or encryption are not supported by the ISD-R.
        let last = cmd.p1 & 0x80 != 0;
        if cmd.p1 & 0x7E != 0x10 {
            if let Some(Some(c)) = self.channels.get_mut(ch) {
                c.chain = None;
            }
            return ResponseApdu::status(sw::INCORRECT_P1P2);
        }
        if cmd.data.is_empty() {
            return ResponseApdu::status(sw::WRONG_LENGTH);
        }
        let Some(Some(c)) = self.channels.get_mut(ch) else {
            return ResponseApdu::status(sw::LOGICAL_CHANNEL_NOT_SUPPORTED);
        };
        let (expected, mut data) = c.chain.take().unwrap_or((0, Vec::new()));
        if cmd.p2 != expected {
            // Block out of sequence: the chain is abandoned.
            return ResponseApdu::status(sw::INCORRECT_P1P2);
        }
        if data.len() + cmd.data.len() > MAX_STORE_DATA {
            return ResponseApdu::status(sw::NOT_ENOUGH_MEMORY);
        }
        data.extend_from_slice(&cmd.data);
        if !last {
            if expected == 0xFF {
                return ResponseApdu::status(sw::INCORRECT_P1P2);
            }
            c.chain = Some((expected + 1, data));
            return ResponseApdu::status(sw::OK);
        }
        match self.es10(&data) {
            crate::es10::Es10Reply::Data(d) => self.deliver(ch, cmd, d, sw::OK),
            crate::es10::Es10Reply::Sw(s) => ResponseApdu::status(s),
        }
    }

    /// Sends `request` as one ES10 command on `channel` with STORE DATA blocks of
    /// `block_size`, fetching the whole response (test and tool convenience; the LPA does the
    /// same over any transport).
    pub fn es10_request(&mut self, channel: u8, request: &[u8], block_size: usize) -> ResponseApdu {
        let mut last = ResponseApdu::status(sw::NO_PRECISE_DIAGNOSIS);
        for c in apdu::store_data_commands(channel, request, block_size, false) {
            last = ResponseApdu::parse(&self.process(&c.encode()))
                .unwrap_or(ResponseApdu::status(sw::NO_PRECISE_DIAGNOSIS));
            if last.sw != sw::OK && last.sw1() != sw::MORE_DATA {
                return last;
            }
        }
        let mut data = last.data;
        let mut status = last.sw;
        while status >> 8 == u16::from(sw::MORE_DATA) {
            let gr = CommandApdu::new(
                apdu::class_for_channel(0x00, channel),
                ins::GET_RESPONSE,
                0,
                0,
            )
            .with_le(usize::from((status & 0xFF) as u8));
            let r = ResponseApdu::parse(&self.process(&gr.encode()))
                .unwrap_or(ResponseApdu::status(sw::NO_PRECISE_DIAGNOSIS));
            data.extend_from_slice(&r.data);
            status = r.sw;
        }
        ResponseApdu::new(data, status)
    }
}

fn more_sw(remaining: usize) -> u16 {
    if remaining == 0 {
        sw::OK
    } else {
        (u16::from(sw::MORE_DATA) << 8) | (remaining.min(256) & 0xFF) as u16
    }
}

/// `6F { 84 AID, A5 { 9F65 max block } [, E0 …] }`.
fn fci(aid: &[u8], proprietary: Option<rsp_codec::tlv::Tlv>) -> Vec<u8> {
    use rsp_codec::tlv::{Tag, Tlv};
    let mut children = vec![
        Tlv::primitive(Tag::of(0x84), aid.to_vec()),
        Tlv::constructed(
            Tag::of(0xA5),
            vec![Tlv::primitive(Tag::of(0x9F65), vec![0xFF])],
        ),
    ];
    children.extend(proprietary);
    Tlv::constructed(Tag::of(0x6F), children).encode_der()
}

impl Transport for Euicc {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.process(command))
    }

    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        self.power_on();
        Ok(self.atr())
    }
}
