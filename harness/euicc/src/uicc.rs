//! Placeholder while the UICC module is integrated.
use rsp_codec::apdu::{sw, CommandApdu, ResponseApdu};
use rsp_profile::expand::FileSystem;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UiccSaved {}

pub struct Uicc;

impl Uicc {
    pub fn new(_fs: &FileSystem, _saved: Option<&UiccSaved>) -> Uicc {
        Uicc
    }
    pub fn saved(&self) -> UiccSaved {
        UiccSaved {}
    }
    pub fn process(&mut self, _channel: u8, _cmd: &CommandApdu) -> ResponseApdu {
        ResponseApdu::status(sw::INS_NOT_SUPPORTED)
    }
    pub fn open_channel(&mut self, _ch: u8) {}
    pub fn close_channel(&mut self, _ch: u8) {}
    pub fn reset(&mut self) {}
}
