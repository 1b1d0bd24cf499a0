//! Function catalogue of the JSON bindings: which function lives at which HTTP path
//! (SGP.22 digest §2.2, §2.4, §2.5, §2.6).
//!
//! Paths are matched exactly (case-sensitive, no trailing slash, no query string): a server
//! should strip a query string before calling `from_path`.

use std::fmt;

/// The HTTP/JSON interfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Interface {
    /// Operator ↔ SM-DP+.
    Es2Plus,
    /// LPA ↔ SM-DP+.
    Es9Plus,
    /// LPA ↔ SM-DS.
    Es11,
    /// SM-DP+ ↔ SM-DS.
    Es12,
}

impl Interface {
    /// Display name as written in SGP.22 ("ES9+").
    pub const fn name(self) -> &'static str {
        match self {
            Interface::Es2Plus => "ES2+",
            Interface::Es9Plus => "ES9+",
            Interface::Es11 => "ES11",
            Interface::Es12 => "ES12",
        }
    }

    /// Whether the JSON request `header` (functionRequesterIdentifier, functionCallIdentifier)
    /// is mandatory on this interface. ES9+/ES11 LPAs send none in practice (digest §2.1).
    pub const fn request_header_mandatory(self) -> bool {
        matches!(self, Interface::Es2Plus | Interface::Es12)
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// ES9+ functions (LPA → SM-DP+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Es9Function {
    InitiateAuthentication,
    AuthenticateClient,
    GetBoundProfilePackage,
    HandleNotification,
    CancelSession,
}

impl Es9Function {
    pub const ALL: &'static [Es9Function] = &[
        Es9Function::InitiateAuthentication,
        Es9Function::AuthenticateClient,
        Es9Function::GetBoundProfilePackage,
        Es9Function::HandleNotification,
        Es9Function::CancelSession,
    ];

    /// Function name as in SGP.22 ("InitiateAuthentication").
    pub const fn name(self) -> &'static str {
        match self {
            Es9Function::InitiateAuthentication => "InitiateAuthentication",
            Es9Function::AuthenticateClient => "AuthenticateClient",
            Es9Function::GetBoundProfilePackage => "GetBoundProfilePackage",
            Es9Function::HandleNotification => "HandleNotification",
            Es9Function::CancelSession => "CancelSession",
        }
    }

    /// HTTP path (`/gsma/rsp2/es9plus/...`).
    pub const fn path(self) -> &'static str {
        match self {
            Es9Function::InitiateAuthentication => "/gsma/rsp2/es9plus/initiateAuthentication",
            Es9Function::AuthenticateClient => "/gsma/rsp2/es9plus/authenticateClient",
            Es9Function::GetBoundProfilePackage => "/gsma/rsp2/es9plus/getBoundProfilePackage",
            Es9Function::HandleNotification => "/gsma/rsp2/es9plus/handleNotification",
            Es9Function::CancelSession => "/gsma/rsp2/es9plus/cancelSession",
        }
    }

    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.path() == path)
    }

    /// `false` for HandleNotification, which is answered with HTTP 204 and no body.
    pub const fn has_response_body(self) -> bool {
        !matches!(self, Es9Function::HandleNotification)
    }
}

/// ES11 functions (LPA → SM-DS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Es11Function {
    InitiateAuthentication,
    AuthenticateClient,
}

impl Es11Function {
    pub const ALL: &'static [Es11Function] = &[
        Es11Function::InitiateAuthentication,
        Es11Function::AuthenticateClient,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Es11Function::InitiateAuthentication => "InitiateAuthentication",
            Es11Function::AuthenticateClient => "AuthenticateClient",
        }
    }

    /// Normative path (`/gsma/rsp2/es11/...`; unconfirmed against the spec text, digest §2.4).
    pub const fn path(self) -> &'static str {
        match self {
            Es11Function::InitiateAuthentication => "/gsma/rsp2/es11/initiateAuthentication",
            Es11Function::AuthenticateClient => "/gsma/rsp2/es11/authenticateClient",
        }
    }

    /// The ES9+ path that lpac uses towards the Root SM-DS for the same function.
    pub const fn alias_path(self) -> &'static str {
        match self {
            Es11Function::InitiateAuthentication => Es9Function::InitiateAuthentication.path(),
            Es11Function::AuthenticateClient => Es9Function::AuthenticateClient.path(),
        }
    }

    /// Accepts the normative `es11` paths and the `es9plus` aliases.
    pub fn from_path(path: &str) -> Option<Self> {
        Self::from_path_detailed(path).map(|(f, _)| f)
    }

    /// Like [`from_path`](Self::from_path); the flag is `true` when `path` was an es9plus alias.
    pub fn from_path_detailed(path: &str) -> Option<(Self, bool)> {
        Self::ALL.iter().copied().find_map(|f| {
            if f.path() == path {
                Some((f, false))
            } else if f.alias_path() == path {
                Some((f, true))
            } else {
                None
            }
        })
    }
}

/// ES12 functions (SM-DP+ → SM-DS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Es12Function {
    RegisterEvent,
    DeleteEvent,
}

impl Es12Function {
    pub const ALL: &'static [Es12Function] =
        &[Es12Function::RegisterEvent, Es12Function::DeleteEvent];

    pub const fn name(self) -> &'static str {
        match self {
            Es12Function::RegisterEvent => "RegisterEvent",
            Es12Function::DeleteEvent => "DeleteEvent",
        }
    }

    pub const fn path(self) -> &'static str {
        match self {
            Es12Function::RegisterEvent => "/gsma/rsp2/es12/registerEvent",
            Es12Function::DeleteEvent => "/gsma/rsp2/es12/deleteEvent",
        }
    }

    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.path() == path)
    }
}

/// ES2+ functions (Operator → SM-DP+, and HandleDownloadProgressInfo SM-DP+ → Operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Es2Function {
    DownloadOrder,
    ConfirmOrder,
    CancelOrder,
    ReleaseProfile,
    HandleDownloadProgressInfo,
}

impl Es2Function {
    pub const ALL: &'static [Es2Function] = &[
        Es2Function::DownloadOrder,
        Es2Function::ConfirmOrder,
        Es2Function::CancelOrder,
        Es2Function::ReleaseProfile,
        Es2Function::HandleDownloadProgressInfo,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Es2Function::DownloadOrder => "DownloadOrder",
            Es2Function::ConfirmOrder => "ConfirmOrder",
            Es2Function::CancelOrder => "CancelOrder",
            Es2Function::ReleaseProfile => "ReleaseProfile",
            Es2Function::HandleDownloadProgressInfo => "HandleDownloadProgressInfo",
        }
    }

    pub const fn path(self) -> &'static str {
        match self {
            Es2Function::DownloadOrder => "/gsma/rsp2/es2plus/downloadOrder",
            Es2Function::ConfirmOrder => "/gsma/rsp2/es2plus/confirmOrder",
            Es2Function::CancelOrder => "/gsma/rsp2/es2plus/cancelOrder",
            Es2Function::ReleaseProfile => "/gsma/rsp2/es2plus/releaseProfile",
            Es2Function::HandleDownloadProgressInfo => {
                "/gsma/rsp2/es2plus/handleDownloadProgressInfo"
            }
        }
    }

    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.path() == path)
    }

    /// `false` for HandleDownloadProgressInfo (HTTP 204, no body).
    pub const fn has_response_body(self) -> bool {
        !matches!(self, Es2Function::HandleDownloadProgressInfo)
    }
}

/// Any function of any JSON interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RspFunction {
    Es2(Es2Function),
    Es9(Es9Function),
    Es11(Es11Function),
    Es12(Es12Function),
}

impl RspFunction {
    pub const ALL: &'static [RspFunction] = &[
        RspFunction::Es2(Es2Function::DownloadOrder),
        RspFunction::Es2(Es2Function::ConfirmOrder),
        RspFunction::Es2(Es2Function::CancelOrder),
        RspFunction::Es2(Es2Function::ReleaseProfile),
        RspFunction::Es2(Es2Function::HandleDownloadProgressInfo),
        RspFunction::Es9(Es9Function::InitiateAuthentication),
        RspFunction::Es9(Es9Function::AuthenticateClient),
        RspFunction::Es9(Es9Function::GetBoundProfilePackage),
        RspFunction::Es9(Es9Function::HandleNotification),
        RspFunction::Es9(Es9Function::CancelSession),
        RspFunction::Es11(Es11Function::InitiateAuthentication),
        RspFunction::Es11(Es11Function::AuthenticateClient),
        RspFunction::Es12(Es12Function::RegisterEvent),
        RspFunction::Es12(Es12Function::DeleteEvent),
    ];

    pub const fn interface(self) -> Interface {
        match self {
            RspFunction::Es2(_) => Interface::Es2Plus,
            RspFunction::Es9(_) => Interface::Es9Plus,
            RspFunction::Es11(_) => Interface::Es11,
            RspFunction::Es12(_) => Interface::Es12,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            RspFunction::Es2(f) => f.name(),
            RspFunction::Es9(f) => f.name(),
            RspFunction::Es11(f) => f.name(),
            RspFunction::Es12(f) => f.name(),
        }
    }

    /// Normative path.
    pub const fn path(self) -> &'static str {
        match self {
            RspFunction::Es2(f) => f.path(),
            RspFunction::Es9(f) => f.path(),
            RspFunction::Es11(f) => f.path(),
            RspFunction::Es12(f) => f.path(),
        }
    }

    /// Resolves a path on a combined endpoint. The es9plus paths shared by ES9+ and the ES11
    /// aliases resolve to ES9+; an SM-DS should call [`Es11Function::from_path`] instead.
    pub fn from_path(path: &str) -> Option<Self> {
        Es9Function::from_path(path)
            .map(RspFunction::Es9)
            .or_else(|| Es11Function::from_path(path).map(RspFunction::Es11))
            .or_else(|| Es12Function::from_path(path).map(RspFunction::Es12))
            .or_else(|| Es2Function::from_path(path).map(RspFunction::Es2))
    }

    /// Whether a successful call returns a JSON body (HTTP 200) rather than HTTP 204.
    pub const fn has_response_body(self) -> bool {
        match self {
            RspFunction::Es2(f) => f.has_response_body(),
            RspFunction::Es9(f) => f.has_response_body(),
            RspFunction::Es11(_) | RspFunction::Es12(_) => true,
        }
    }
}

impl fmt::Display for RspFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.interface().name(), self.name())
    }
}

impl From<Es9Function> for RspFunction {
    fn from(f: Es9Function) -> Self {
        RspFunction::Es9(f)
    }
}
impl From<Es11Function> for RspFunction {
    fn from(f: Es11Function) -> Self {
        RspFunction::Es11(f)
    }
}
impl From<Es12Function> for RspFunction {
    fn from(f: Es12Function) -> Self {
        RspFunction::Es12(f)
    }
}
impl From<Es2Function> for RspFunction {
    fn from(f: Es2Function) -> Self {
        RspFunction::Es2(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for f in Es9Function::ALL {
            assert_eq!(Es9Function::from_path(f.path()), Some(*f));
        }
        for f in Es11Function::ALL {
            assert_eq!(
                Es11Function::from_path_detailed(f.path()),
                Some((*f, false))
            );
            assert_eq!(
                Es11Function::from_path_detailed(f.alias_path()),
                Some((*f, true))
            );
        }
        for f in Es12Function::ALL {
            assert_eq!(Es12Function::from_path(f.path()), Some(*f));
        }
        for f in Es2Function::ALL {
            assert_eq!(Es2Function::from_path(f.path()), Some(*f));
        }
        for f in RspFunction::ALL {
            assert_eq!(RspFunction::from_path(f.path()), Some(*f));
        }
        assert_eq!(
            Es9Function::from_path("/gsma/rsp2/es9plus/initiateauthentication"),
            None
        );
        assert_eq!(
            Es11Function::from_path("/gsma/rsp2/es9plus/getBoundProfilePackage"),
            None
        );
    }

    #[test]
    fn display() {
        assert_eq!(
            RspFunction::Es9(Es9Function::CancelSession).to_string(),
            "ES9+.CancelSession"
        );
    }
}
