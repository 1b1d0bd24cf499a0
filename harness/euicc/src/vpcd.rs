//! A virtual card for pcscd's vpcd driver (Debian package `vsmartcard-vpcd`), so that any PC/SC
//! application — an LPA under test, `pcsc_scan`, opensc-tool — sees a card behind the reader
//! "Virtual PCD 00 00" and talks to whatever [`Transport`] we put there (the reference eUICC).
//!
//! vpcd protocol, as implemented by vsmartcard's `vpcd.c`/`ifd-vpcd.c` and its Python `vicc`:
//!
//! - vpcd (inside pcscd) listens on TCP; the virtual card is the client. The Debian
//!   `/etc/reader.conf.d/vpcd` has `CHANNELID 0x8C7B` (35963): slot 0 "Virtual PCD 00 00" listens
//!   on 35963, slot 1 "Virtual PCD 00 01" on 35964 (port = channel + slot). vpcd binds 0.0.0.0.
//! - Every message in both directions is a 2-byte big-endian length followed by that many bytes,
//!   so no frame can exceed 65535 bytes.
//! - A 1-byte message from vpcd is a control code: 0 power off, 1 power on, 2 reset — none of them
//!   is answered — and 4 get ATR, answered with the ATR as one frame. vpcd sends get ATR for every
//!   presence poll of pcscd (about every 400 ms) and after power on and reset.
//! - Any longer message is a command APDU; the response APDU goes back as one frame.
//! - vpcd treats an answer of length 0 as "card removed" and closes the connection, and pcscd
//!   holds at most 33 ATR bytes, so we never send an empty answer or a longer ATR.
//! - vpcd accepts a (new) client only when pcscd polls for presence, so after a drop the card
//!   reappears within one poll of reconnecting; connecting succeeds even before that (the kernel
//!   queues it).

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsp_codec::apdu::{Transport, TransportError};

/// vpcd's default port (slot 0, "Virtual PCD 00 00").
pub const DEFAULT_PORT: u16 = 35963;
/// Control code: power the card off. Not answered.
pub const CTRL_POWER_OFF: u8 = 0;
/// Control code: power the card on. Not answered.
pub const CTRL_POWER_ON: u8 = 1;
/// Control code: (warm) reset. Not answered.
pub const CTRL_RESET: u8 = 2;
/// Control code: send the ATR. Answered with the ATR.
pub const CTRL_GET_ATR: u8 = 4;
/// The largest payload a frame can carry (its length prefix is a `u16`).
pub const MAX_FRAME_LEN: usize = u16::MAX as usize;
/// The largest ATR pcscd accepts (`MAX_ATR_SIZE`); vpcd fails the reader on a longer one.
pub const MAX_ATR_LEN: usize = 33;

/// How often a blocked read wakes up to look at the stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// A vpcd that takes longer than this to read an answer is treated as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// What the PC/SC side gets when the card could not answer (ISO 7816-4: no precise diagnosis).
const SW_NO_PRECISE_DIAGNOSIS: [u8; 2] = [0x6F, 0x00];

/// How [`run_vpcd`] connects and when it stops.
#[derive(Debug, Clone)]
pub struct VpcdOptions {
    /// Where vpcd listens; 127.0.0.1:35963 for slot 0.
    pub addr: SocketAddr,
    /// Connect again after the connection drops (pcscd restarted) or while vpcd is not there yet.
    pub reconnect: bool,
    /// Pause between connection attempts.
    pub reconnect_delay: Duration,
    /// Stop after this many frames from vpcd (all kinds: presence polls count too).
    pub max_frames: Option<u64>,
    /// Stop when this becomes true (checked at least every 50 ms).
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for VpcdOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, DEFAULT_PORT)),
            reconnect: true,
            reconnect_delay: Duration::from_millis(500),
            max_frames: None,
            stop: None,
        }
    }
}

/// Why [`run_vpcd`] returned normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VpcdEnd {
    /// The stop flag was set.
    Stopped,
    /// `max_frames` frames were served.
    MaxFrames,
    /// vpcd closed the connection and `reconnect` was off.
    Disconnected,
}

/// Counts of what happened, for logs and tests (no APDU contents: they may carry secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcdStats {
    /// Connections made to vpcd.
    pub connections: u64,
    /// Frames received from vpcd, of every kind.
    pub frames: u64,
    /// Command APDUs passed to the card.
    pub apdus: u64,
    /// Get-ATR requests answered.
    pub atr_requests: u64,
    pub power_ons: u64,
    pub power_offs: u64,
    /// Reset control codes received.
    pub resets: u64,
    /// Calls of the card's `reset`.
    pub card_resets: u64,
    /// `transmit` failures, answered with 6F00.
    pub card_errors: u64,
    /// Card answers shorter than SW1 SW2 or too long for a frame, answered with 6F00.
    pub bad_responses: u64,
    /// Empty frames and unknown control codes, ignored as vicc does.
    pub ignored_frames: u64,
    pub end: VpcdEnd,
}

impl VpcdStats {
    fn new() -> Self {
        Self {
            connections: 0,
            frames: 0,
            apdus: 0,
            atr_requests: 0,
            power_ons: 0,
            power_offs: 0,
            resets: 0,
            card_resets: 0,
            card_errors: 0,
            bad_responses: 0,
            ignored_frames: 0,
            end: VpcdEnd::Stopped,
        }
    }
}

/// Why the virtual card could not be served.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    #[error(
        "cannot connect to vpcd at {addr}: {source} (is pcscd running with the vsmartcard-vpcd \
         driver? start it with `pcscd --foreground &` or plain `pcscd`)"
    )]
    Connect {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("cannot set up the vpcd socket: {0}")]
    Socket(#[source] io::Error),
    #[error("the card could not be reset for its ATR: {0}")]
    CardReset(#[source] TransportError),
    #[error("the card's ATR has {0} bytes; vpcd and pcscd accept 1 to {MAX_ATR_LEN}")]
    BadAtr(usize),
}

/// Serves `card` to vpcd until stopped: connects to `options.addr`, answers control codes and
/// APDUs, and reconnects after a drop if `options.reconnect`. Power on and reset call
/// `card.reset()` and cache the ATR; get ATR answers the cached ATR (resetting first if there is
/// none, as on a fresh connection). A failing `transmit` is answered 6F00 so the PC/SC
/// application is not left hanging. Fails only when the card cannot produce a usable ATR, the
/// socket cannot be configured, or the first connection fails without `reconnect`.
pub fn run_vpcd<T: Transport + ?Sized>(
    card: &mut T,
    options: &VpcdOptions,
) -> Result<VpcdStats, VpcdError> {
    let mut server = Server {
        card,
        atr: None,
        stats: VpcdStats::new(),
    };
    let mut first_attempt = true;
    loop {
        if let Some(end) = server.should_end(options) {
            return Ok(server.finish(end));
        }
        let mut stream = match TcpStream::connect_timeout(&options.addr, CONNECT_TIMEOUT) {
            Ok(stream) => stream,
            Err(source) if first_attempt && !options.reconnect => {
                return Err(VpcdError::Connect {
                    addr: options.addr,
                    source,
                })
            }
            Err(_) => {
                first_attempt = false;
                if sleep_unless_stopped(options.reconnect_delay, options) {
                    return Ok(server.finish(VpcdEnd::Stopped));
                }
                continue;
            }
        };
        first_attempt = false;
        server.stats.connections += 1;
        // A new connection is a newly inserted card: its first ATR comes from a fresh reset.
        server.atr = None;
        match server.serve(&mut stream, options)? {
            Some(end) => return Ok(server.finish(end)),
            None if !options.reconnect => return Ok(server.finish(VpcdEnd::Disconnected)),
            None => {
                if sleep_unless_stopped(options.reconnect_delay, options) {
                    return Ok(server.finish(VpcdEnd::Stopped));
                }
            }
        }
    }
}

struct Server<'a, T: Transport + ?Sized> {
    card: &'a mut T,
    atr: Option<Vec<u8>>,
    stats: VpcdStats,
}

impl<T: Transport + ?Sized> Server<'_, T> {
    fn finish(mut self, end: VpcdEnd) -> VpcdStats {
        self.stats.end = end;
        self.stats
    }

    fn should_end(&self, options: &VpcdOptions) -> Option<VpcdEnd> {
        if is_stopped(options) {
            Some(VpcdEnd::Stopped)
        } else if options
            .max_frames
            .is_some_and(|max| self.stats.frames >= max)
        {
            Some(VpcdEnd::MaxFrames)
        } else {
            None
        }
    }

    /// Serves one connection. `Ok(None)`: the connection is gone; `Ok(Some(end))`: stop.
    fn serve(
        &mut self,
        stream: &mut TcpStream,
        options: &VpcdOptions,
    ) -> Result<Option<VpcdEnd>, VpcdError> {
        stream
            .set_read_timeout(Some(POLL_INTERVAL))
            .map_err(VpcdError::Socket)?;
        stream
            .set_write_timeout(Some(WRITE_TIMEOUT))
            .map_err(VpcdError::Socket)?;
        // Frames are small request/answer pairs: Nagle would only add latency.
        stream.set_nodelay(true).map_err(VpcdError::Socket)?;
        quick_ack(stream);

        // Bytes received but not yet a whole frame. Whole frames are taken out after every read,
        // so this never holds more than one partial frame (< 2 + 65535 bytes) plus one read.
        let mut pending: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            while let Some(frame) = take_frame(&mut pending) {
                self.stats.frames += 1;
                if let Some(answer) = self.handle(&frame)? {
                    if write_frame(stream, &answer).is_err() {
                        return Ok(None);
                    }
                }
                if let Some(end) = self.should_end(options) {
                    return Ok(Some(end));
                }
            }
            if let Some(end) = self.should_end(options) {
                return Ok(Some(end));
            }
            match stream.read(&mut chunk) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    quick_ack(stream);
                    pending.extend_from_slice(&chunk[..n]);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return Ok(None),
            }
        }
    }

    /// One frame from vpcd; returns the answer to send, if the frame gets one.
    fn handle(&mut self, frame: &[u8]) -> Result<Option<Vec<u8>>, VpcdError> {
        match frame {
            [] => {
                self.stats.ignored_frames += 1;
                Ok(None)
            }
            [CTRL_POWER_OFF] => {
                // The cached ATR stays: presence polls while unpowered must not reset the card.
                self.stats.power_offs += 1;
                Ok(None)
            }
            [CTRL_POWER_ON] => {
                self.stats.power_ons += 1;
                self.reset_card()?;
                Ok(None)
            }
            [CTRL_RESET] => {
                self.stats.resets += 1;
                self.reset_card()?;
                Ok(None)
            }
            [CTRL_GET_ATR] => {
                self.stats.atr_requests += 1;
                let atr = match &self.atr {
                    Some(atr) => atr.clone(),
                    None => self.reset_card()?,
                };
                Ok(Some(atr))
            }
            [_] => {
                self.stats.ignored_frames += 1;
                Ok(None)
            }
            apdu => {
                self.stats.apdus += 1;
                let answer = match self.card.transmit(apdu) {
                    Ok(response) if (2..=MAX_FRAME_LEN).contains(&response.len()) => response,
                    Ok(_) => {
                        self.stats.bad_responses += 1;
                        SW_NO_PRECISE_DIAGNOSIS.to_vec()
                    }
                    Err(_) => {
                        self.stats.card_errors += 1;
                        SW_NO_PRECISE_DIAGNOSIS.to_vec()
                    }
                };
                Ok(Some(answer))
            }
        }
    }

    fn reset_card(&mut self) -> Result<Vec<u8>, VpcdError> {
        self.stats.card_resets += 1;
        let atr = self.card.reset().map_err(VpcdError::CardReset)?;
        if atr.is_empty() || atr.len() > MAX_ATR_LEN {
            return Err(VpcdError::BadAtr(atr.len()));
        }
        self.atr = Some(atr.clone());
        Ok(atr)
    }
}

/// Asks Linux to acknowledge what was received right away instead of delaying the ACK by up to
/// 40 ms. vpcd up to at least vsmartcard 3.3 (Debian 12) sends a frame's length and payload in
/// two `send` calls without TCP_NODELAY, so Nagle holds the payload until the length is
/// acknowledged: with delayed ACKs every frame from vpcd would cost ~40 ms. Linux clears the
/// flag again as it pleases, hence after every read. Failure only costs speed.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    use std::os::linux::net::TcpStreamExt;
    let _ = stream.set_quickack(true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}

/// Takes the first whole frame's payload out of `pending`, if there is one.
fn take_frame(pending: &mut Vec<u8>) -> Option<Vec<u8>> {
    let [hi, lo, ..] = pending[..] else {
        return None;
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    if pending.len() < 2 + len {
        return None;
    }
    let payload = pending[2..2 + len].to_vec();
    pending.drain(..2 + len);
    Some(payload)
}

/// Sends one frame (length prefix and payload in one write). Callers keep `payload` within
/// [`MAX_FRAME_LEN`].
fn write_frame(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too long"))?;
    let mut frame = Vec::with_capacity(2 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    stream.flush()
}

fn is_stopped(options: &VpcdOptions) -> bool {
    options
        .stop
        .as_ref()
        .is_some_and(|stop| stop.load(Ordering::Relaxed))
}

/// Sleeps for `delay` in short steps; returns true if the stop flag was set meanwhile.
fn sleep_unless_stopped(delay: Duration, options: &VpcdOptions) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if is_stopped(options) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep(POLL_INTERVAL.min(deadline - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    const ATR: [u8; 4] = [0x3B, 0x80, 0x01, 0x81];
    /// Every test finishes well within this; a hang fails instead of blocking the test run.
    const BOUND: Duration = Duration::from_secs(10);

    /// Answers SELECT with 9000, INS EE with a transport error, E0 with a too-long answer, E1
    /// with an empty one, E3 with a frame-filling one, anything else by echoing its bytes after CLA INS P1 P2 Lc followed by 9000.
    struct FakeCard {
        atr: Vec<u8>,
        resets: usize,
        commands: usize,
    }

    impl FakeCard {
        fn new() -> Self {
            Self {
                atr: ATR.to_vec(),
                resets: 0,
                commands: 0,
            }
        }
    }

    impl Transport for FakeCard {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.commands += 1;
            match command {
                [_, 0xA4, ..] => Ok(vec![0x90, 0x00]),
                [_, 0xEE, ..] => Err(TransportError::Io("fake failure".into())),
                [_, 0xE0, ..] => Ok(vec![0x55; MAX_FRAME_LEN + 1]),
                [_, 0xE1, ..] => Ok(Vec::new()),
                [_, 0xE3, ..] => {
                    let mut answer = vec![0x5A; MAX_FRAME_LEN - 2];
                    answer.extend_from_slice(&[0x90, 0x00]);
                    Ok(answer)
                }
                _ => {
                    let mut answer = command.get(5..).unwrap_or_default().to_vec();
                    answer.extend_from_slice(&[0x90, 0x00]);
                    Ok(answer)
                }
            }
        }

        fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
            self.resets += 1;
            Ok(self.atr.clone())
        }
    }

    type Outcome = (FakeCard, Result<VpcdStats, VpcdError>);

    fn options(addr: SocketAddr) -> VpcdOptions {
        VpcdOptions {
            addr,
            reconnect: false,
            reconnect_delay: Duration::from_millis(20),
            max_frames: None,
            stop: None,
        }
    }

    fn spawn_card(mut card: FakeCard, options: VpcdOptions) -> JoinHandle<Outcome> {
        std::thread::spawn(move || {
            let result = run_vpcd(&mut card, &options);
            (card, result)
        })
    }

    fn join_within(handle: JoinHandle<Outcome>, bound: Duration) -> Outcome {
        let deadline = Instant::now() + bound;
        while !handle.is_finished() {
            assert!(Instant::now() < deadline, "run_vpcd did not return in time");
            std::thread::sleep(Duration::from_millis(10));
        }
        handle.join().expect("run_vpcd panicked")
    }

    fn listener() -> (TcpListener, SocketAddr) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    }

    fn accept_within(listener: &TcpListener, bound: Duration) -> TcpStream {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + bound;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream.set_read_timeout(Some(BOUND)).unwrap();
                    return stream;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "the card did not connect");
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
    }

    fn send(stream: &mut TcpStream, payload: &[u8]) {
        write_frame(stream, payload).unwrap();
    }

    fn recv(stream: &mut TcpStream) -> Vec<u8> {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).unwrap();
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut payload).unwrap();
        payload
    }

    /// Asserts that nothing arrives within a short while (control codes get no answer).
    fn assert_silent(stream: &mut TcpStream) {
        stream
            .set_read_timeout(Some(Duration::from_millis(150)))
            .unwrap();
        let mut byte = [0u8; 1];
        match stream.read(&mut byte) {
            Ok(n) => panic!("unexpected {n} byte(s) from the card"),
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ),
                "{e}"
            ),
        }
        stream.set_read_timeout(Some(BOUND)).unwrap();
    }

    fn exchange(stream: &mut TcpStream, payload: &[u8]) -> Vec<u8> {
        send(stream, payload);
        recv(stream)
    }

    #[test]
    fn framing_and_control_codes() {
        let (listener, addr) = listener();
        let handle = spawn_card(FakeCard::new(), options(addr));
        let mut vpcd = accept_within(&listener, BOUND);

        // Presence poll on a fresh connection: the card is reset for its ATR.
        assert_eq!(exchange(&mut vpcd, &[CTRL_GET_ATR]), ATR);
        send(&mut vpcd, &[CTRL_POWER_ON]);
        assert_silent(&mut vpcd);
        assert_eq!(exchange(&mut vpcd, &[CTRL_GET_ATR]), ATR);
        assert_eq!(
            exchange(&mut vpcd, &[0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x00]),
            [0x90, 0x00]
        );
        assert_eq!(
            exchange(&mut vpcd, &[0x80, 0xCA, 0x00, 0x00, 0x03, 1, 2, 3]),
            [1, 2, 3, 0x90, 0x00]
        );
        send(&mut vpcd, &[CTRL_RESET]);
        assert_silent(&mut vpcd);
        send(&mut vpcd, &[CTRL_POWER_OFF]);
        assert_silent(&mut vpcd);
        // Cached: no reset for a poll while powered off.
        assert_eq!(exchange(&mut vpcd, &[CTRL_GET_ATR]), ATR);
        drop(vpcd);

        let (card, result) = join_within(handle, BOUND);
        let stats = result.unwrap();
        assert_eq!(stats.end, VpcdEnd::Disconnected);
        assert_eq!(stats.connections, 1);
        assert_eq!(stats.frames, 8);
        assert_eq!(stats.apdus, 2);
        assert_eq!(stats.atr_requests, 3);
        assert_eq!((stats.power_ons, stats.resets, stats.power_offs), (1, 1, 1));
        assert_eq!(stats.card_resets, 3);
        assert_eq!(card.resets, 3);
        assert_eq!(card.commands, 2);
    }

    #[test]
    fn frames_split_across_reads_and_pipelined() {
        let (listener, addr) = listener();
        let handle = spawn_card(FakeCard::new(), options(addr));
        let mut vpcd = accept_within(&listener, BOUND);

        // One byte at a time, slower than the card's read timeout.
        for byte in [0x00, 0x05, 0x00, 0xB0, 0x00, 0x00, 0x00] {
            vpcd.write_all(&[byte]).unwrap();
            std::thread::sleep(POLL_INTERVAL + Duration::from_millis(10));
        }
        assert_eq!(recv(&mut vpcd), [0x90, 0x00]);

        // Three frames in one write.
        let mut burst = Vec::new();
        for payload in [
            &[CTRL_GET_ATR][..],
            &[CTRL_POWER_ON],
            &[0, 0xB0, 0, 0, 1, 9],
        ] {
            burst.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            burst.extend_from_slice(payload);
        }
        vpcd.write_all(&burst).unwrap();
        assert_eq!(recv(&mut vpcd), ATR);
        assert_eq!(recv(&mut vpcd), [9, 0x90, 0x00]);
        drop(vpcd);

        let (_, result) = join_within(handle, BOUND);
        assert_eq!(result.unwrap().frames, 4);
    }

    #[test]
    fn largest_frames_pass_both_ways() {
        let (listener, addr) = listener();
        let handle = spawn_card(FakeCard::new(), options(addr));
        let mut vpcd = accept_within(&listener, BOUND);

        // The longest command a frame carries, echoed.
        let mut command = vec![0x80, 0xE2, 0x91, 0x00];
        command.resize(MAX_FRAME_LEN, 0xA5);
        let answer = exchange(&mut vpcd, &command);
        assert_eq!(answer.len(), MAX_FRAME_LEN - 5 + 2);
        assert_eq!(answer[..MAX_FRAME_LEN - 5], command[5..]);
        // The longest answer a frame carries.
        let answer = exchange(&mut vpcd, &[0x80, 0xE3, 0, 0]);
        assert_eq!(answer.len(), MAX_FRAME_LEN);
        assert_eq!(answer[MAX_FRAME_LEN - 2..], [0x90, 0x00]);
        drop(vpcd);
        let (_, result) = join_within(handle, BOUND);
        assert_eq!(result.unwrap().bad_responses, 0);
    }

    #[test]
    fn card_failures_become_6f00() {
        let (listener, addr) = listener();
        let handle = spawn_card(FakeCard::new(), options(addr));
        let mut vpcd = accept_within(&listener, BOUND);

        assert_eq!(exchange(&mut vpcd, &[0x80, 0xEE, 0, 0]), [0x6F, 0x00]);
        // A response too long for a frame is not truncated or dropped: 6F00 instead.
        assert_eq!(exchange(&mut vpcd, &[0x80, 0xE0, 0, 0]), [0x6F, 0x00]);
        // An empty answer would make vpcd drop the card.
        assert_eq!(exchange(&mut vpcd, &[0x80, 0xE1, 0, 0]), [0x6F, 0x00]);
        // Still serving afterwards.
        assert_eq!(exchange(&mut vpcd, &[0x00, 0xA4, 0, 0]), [0x90, 0x00]);
        drop(vpcd);

        let stats = join_within(handle, BOUND).1.unwrap();
        assert_eq!((stats.card_errors, stats.bad_responses), (1, 2));
        assert_eq!(stats.apdus, 4);
    }

    #[test]
    fn odd_frames_are_ignored_without_answer() {
        let (listener, addr) = listener();
        let handle = spawn_card(FakeCard::new(), options(addr));
        let mut vpcd = accept_within(&listener, BOUND);

        send(&mut vpcd, &[]);
        send(&mut vpcd, &[3]);
        send(&mut vpcd, &[0xFF]);
        assert_silent(&mut vpcd);
        // Two- and three-byte frames are not control codes: the card judges them.
        assert_eq!(exchange(&mut vpcd, &[0x00, 0xA4]), [0x90, 0x00]);
        drop(vpcd);

        let stats = join_within(handle, BOUND).1.unwrap();
        assert_eq!(stats.ignored_frames, 3);
        assert_eq!(stats.apdus, 1);
    }

    #[test]
    fn garbage_stream_does_not_panic() {
        let (listener, addr) = listener();
        let handle = spawn_card(FakeCard::new(), options(addr));
        let mut vpcd = accept_within(&listener, BOUND);
        // xorshift bytes: frames of arbitrary lengths and contents, ending mid-frame.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut garbage = Vec::with_capacity(200_000);
        while garbage.len() < 200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            garbage.extend_from_slice(&state.to_le_bytes());
        }
        // Whatever the card answers, keep reading so it never blocks on a full socket.
        let mut reader = vpcd.try_clone().unwrap();
        let drain = std::thread::spawn(move || {
            let mut sink = [0u8; 4096];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        });
        let _ = vpcd.write_all(&garbage);
        let _ = vpcd.shutdown(std::net::Shutdown::Both);
        drop(vpcd);
        let (_, result) = join_within(handle, BOUND);
        assert!(result.is_ok(), "{result:?}");
        drain.join().unwrap();
    }

    #[test]
    fn reconnects_after_vpcd_drops() {
        let (listener, addr) = listener();
        let stop = Arc::new(AtomicBool::new(false));
        let handle = spawn_card(
            FakeCard::new(),
            VpcdOptions {
                reconnect: true,
                stop: Some(stop.clone()),
                ..options(addr)
            },
        );
        let mut first = accept_within(&listener, BOUND);
        assert_eq!(exchange(&mut first, &[CTRL_GET_ATR]), ATR);
        drop(first); // pcscd restarted

        let mut second = accept_within(&listener, BOUND);
        assert_eq!(exchange(&mut second, &[CTRL_GET_ATR]), ATR);
        assert_eq!(exchange(&mut second, &[0x00, 0xA4, 4, 0]), [0x90, 0x00]);
        stop.store(true, Ordering::Relaxed);

        let (card, result) = join_within(handle, BOUND);
        let stats = result.unwrap();
        assert_eq!(stats.end, VpcdEnd::Stopped);
        assert_eq!(stats.connections, 2);
        // The re-inserted card was reset again.
        assert_eq!(card.resets, 2);
    }

    #[test]
    fn waits_for_vpcd_to_appear_when_reconnecting() {
        // Nothing listens on the port at first, as before pcscd starts.
        let (listener, addr) = listener();
        drop(listener);
        let handle = spawn_card(
            FakeCard::new(),
            VpcdOptions {
                reconnect: true,
                max_frames: Some(1),
                ..options(addr)
            },
        );
        std::thread::sleep(Duration::from_millis(100));
        let listener = TcpListener::bind(addr).unwrap();
        let mut vpcd = accept_within(&listener, BOUND);
        assert_eq!(exchange(&mut vpcd, &[CTRL_GET_ATR]), ATR);
        let stats = join_within(handle, BOUND).1.unwrap();
        assert_eq!(stats.end, VpcdEnd::MaxFrames);
    }

    #[test]
    fn no_vpcd_without_reconnect_is_an_error() {
        let (listener, addr) = listener();
        drop(listener);
        let handle = spawn_card(FakeCard::new(), options(addr));
        let error = join_within(handle, BOUND).1.unwrap_err();
        assert!(matches!(error, VpcdError::Connect { .. }), "{error:?}");
        assert!(error.to_string().contains("pcscd"), "{error}");
    }

    #[test]
    fn stop_flag_ends_an_idle_connection_and_a_reconnect_loop() {
        // Idle: connected, vpcd says nothing.
        let (listener, addr) = listener();
        let stop = Arc::new(AtomicBool::new(false));
        let handle = spawn_card(
            FakeCard::new(),
            VpcdOptions {
                stop: Some(stop.clone()),
                ..options(addr)
            },
        );
        let _vpcd = accept_within(&listener, BOUND);
        stop.store(true, Ordering::Relaxed);
        let started = Instant::now();
        let stats = join_within(handle, BOUND).1.unwrap();
        assert_eq!(stats.end, VpcdEnd::Stopped);
        assert!(started.elapsed() < Duration::from_secs(1));

        // Retrying a port nobody listens on.
        drop(listener);
        let stop = Arc::new(AtomicBool::new(false));
        let handle = spawn_card(
            FakeCard::new(),
            VpcdOptions {
                reconnect: true,
                reconnect_delay: Duration::from_secs(60),
                stop: Some(stop.clone()),
                ..options(addr)
            },
        );
        std::thread::sleep(Duration::from_millis(100));
        stop.store(true, Ordering::Relaxed);
        let started = Instant::now();
        let stats = join_within(handle, BOUND).1.unwrap();
        assert_eq!((stats.end, stats.connections), (VpcdEnd::Stopped, 0));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn max_frames_bounds_the_run() {
        let (listener, addr) = listener();
        let handle = spawn_card(
            FakeCard::new(),
            VpcdOptions {
                max_frames: Some(3),
                ..options(addr)
            },
        );
        let mut vpcd = accept_within(&listener, BOUND);
        assert_eq!(exchange(&mut vpcd, &[CTRL_GET_ATR]), ATR);
        send(&mut vpcd, &[CTRL_POWER_ON]);
        assert_eq!(exchange(&mut vpcd, &[0, 0xA4, 0, 0]), [0x90, 0x00]);
        let stats = join_within(handle, BOUND).1.unwrap();
        assert_eq!((stats.end, stats.frames), (VpcdEnd::MaxFrames, 3));
        // The connection is closed once the card stops.
        let mut byte = [0u8; 1];
        assert!(matches!(vpcd.read(&mut byte), Ok(0) | Err(_)));
    }

    #[test]
    fn unusable_atr_is_an_error() {
        for atr in [Vec::new(), vec![0x3B; MAX_ATR_LEN + 1]] {
            let (listener, addr) = listener();
            let card = FakeCard {
                atr: atr.clone(),
                ..FakeCard::new()
            };
            let handle = spawn_card(card, options(addr));
            let mut vpcd = accept_within(&listener, BOUND);
            send(&mut vpcd, &[CTRL_GET_ATR]);
            let error = join_within(handle, BOUND).1.unwrap_err();
            assert!(
                matches!(error, VpcdError::BadAtr(n) if n == atr.len()),
                "{error:?}"
            );
        }
    }

    #[test]
    fn failing_reset_is_an_error() {
        struct Dead;
        impl Transport for Dead {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Err(TransportError::NoCard("dead".into()))
            }
            fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
                Err(TransportError::NoCard("dead".into()))
            }
        }
        let (listener, addr) = listener();
        let opts = options(addr);
        let handle = std::thread::spawn(move || {
            // Through a trait object, as callers holding `&mut dyn Transport` do.
            let mut card: Box<dyn Transport + Send> = Box::new(Dead);
            run_vpcd(card.as_mut(), &opts).map(|_| ())
        });
        let mut vpcd = accept_within(&listener, BOUND);
        send(&mut vpcd, &[CTRL_POWER_ON]);
        let deadline = Instant::now() + BOUND;
        while !handle.is_finished() {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(10));
        }
        let error = handle.join().unwrap().unwrap_err();
        assert!(matches!(error, VpcdError::CardReset(_)), "{error:?}");
    }
}
