//! What a live campaign can fuzz, per DUT role: the message kinds, their strategies, and what
//! the oracle must know of each (the signed or MACed parts a receiver has to refuse changes to,
//! the mandatory JSON keys).

use rsp_codec::mutate::{AcStrategy, BytesStrategy, DerStrategy, JsonStrategy};

use super::mutation::PieceStrategy;
use super::pe::PeStrategy;
use crate::ics::Role;

/// How a target's message is produced and changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// An ES10 request rspcheck's LPA sends to the card during a download.
    Es10 {
        function: &'static str,
        /// Schema path prefixes inside a signature: any change there must be refused.
        protected: &'static [&'static str],
    },
    /// The LoadBoundProfilePackage pieces (all protected).
    BppPieces,
    /// The profile package inside a correctly protected BPP (the reference SM-DP+ binds it).
    ProfilePackage,
    /// An ES9+ (download) or ES11 (discovery) request body.
    Remote {
        function: &'static str,
        es11: bool,
        /// Keys that must be present, and, for base64 DER keys, the signed path prefixes.
        mandatory: &'static [&'static str],
        protected: &'static [(&'static str, &'static [&'static str])],
    },
    /// The activation code handed to the LPA.
    ActivationCode,
    /// The SM-DP+'s ES9+ answers to the LPA.
    Es9Answers,
}

/// One message kind a campaign can fuzz.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub role: Role,
    pub about: &'static str,
    pub kind: TargetKind,
}

const AUTH_RESPONSE_SIGNED: &[&str] = &["AuthenticateServerResponse.authenticateResponseOk"];
const PREPARE_RESPONSE_SIGNED: &[&str] = &["PrepareDownloadResponse.downloadResponseOk"];

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "authenticate-server",
        role: Role::Euicc,
        about: "ES10b AuthenticateServer (serverSigned1, its signature and certificate, ctxParams1)",
        kind: TargetKind::Es10 {
            function: "AuthenticateServer",
            protected: &[
                "AuthenticateServerRequest.serverSigned1",
                "AuthenticateServerRequest.serverSignature1",
                "AuthenticateServerRequest.serverCertificate",
                "AuthenticateServerRequest.euiccCiPKIdToBeUsed",
            ],
        },
    },
    Target {
        name: "prepare-download",
        role: Role::Euicc,
        about: "ES10b PrepareDownload (smdpSigned2, its signature and certificate, hashCc)",
        kind: TargetKind::Es10 {
            function: "PrepareDownload",
            protected: &[
                "PrepareDownloadRequest.smdpSigned2",
                "PrepareDownloadRequest.smdpSignature2",
                "PrepareDownloadRequest.smdpCertificate",
            ],
        },
    },
    Target {
        name: "bpp-segments",
        role: Role::Euicc,
        about: "ES8+ through ES10b LoadBoundProfilePackage: the STORE DATA pieces of the BPP",
        kind: TargetKind::BppPieces,
    },
    Target {
        name: "profile-package",
        role: Role::Euicc,
        about: "the profile package (ProfileElements) inside a correctly protected BPP",
        kind: TargetKind::ProfilePackage,
    },
    Target {
        name: "es9-initiate-authentication",
        role: Role::Smdp,
        about: "ES9+ InitiateAuthentication request body",
        kind: TargetKind::Remote {
            function: "InitiateAuthentication",
            es11: false,
            mandatory: &["euiccChallenge", "euiccInfo1", "smdpAddress"],
            protected: &[],
        },
    },
    Target {
        name: "es9-authenticate-client",
        role: Role::Smdp,
        about: "ES9+ AuthenticateClient request body (the eUICC's signed AuthenticateServerResponse)",
        kind: TargetKind::Remote {
            function: "AuthenticateClient",
            es11: false,
            mandatory: &["transactionId", "authenticateServerResponse"],
            protected: &[("authenticateServerResponse", AUTH_RESPONSE_SIGNED)],
        },
    },
    Target {
        name: "es9-get-bound-profile-package",
        role: Role::Smdp,
        about: "ES9+ GetBoundProfilePackage request body (the eUICC's signed PrepareDownloadResponse)",
        kind: TargetKind::Remote {
            function: "GetBoundProfilePackage",
            es11: false,
            mandatory: &["transactionId", "prepareDownloadResponse"],
            protected: &[("prepareDownloadResponse", PREPARE_RESPONSE_SIGNED)],
        },
    },
    Target {
        name: "es11-initiate-authentication",
        role: Role::Smds,
        about: "ES11 InitiateAuthentication request body",
        kind: TargetKind::Remote {
            function: "InitiateAuthentication",
            es11: true,
            mandatory: &["euiccChallenge", "euiccInfo1", "smdsAddress"],
            protected: &[],
        },
    },
    Target {
        name: "es11-authenticate-client",
        role: Role::Smds,
        about: "ES11 AuthenticateClient request body (the eUICC's signed AuthenticateServerResponse)",
        kind: TargetKind::Remote {
            function: "AuthenticateClient",
            es11: true,
            mandatory: &["transactionId", "authenticateServerResponse"],
            protected: &[("authenticateServerResponse", AUTH_RESPONSE_SIGNED)],
        },
    },
    Target {
        name: "activation-code",
        role: Role::Lpa,
        about: "the activation code given to the LPA",
        kind: TargetKind::ActivationCode,
    },
    Target {
        name: "es9-answers",
        role: Role::Lpa,
        about: "the SM-DP+'s ES9+ answers (InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage)",
        kind: TargetKind::Es9Answers,
    },
];

/// The functions whose answers `es9-answers` changes.
pub const ANSWERED: [&str; 3] = [
    "InitiateAuthentication",
    "AuthenticateClient",
    "GetBoundProfilePackage",
];

impl Target {
    pub fn by_name(name: &str) -> Option<&'static Target> {
        TARGETS.iter().find(|t| t.name == name)
    }

    pub fn of_role(role: Role) -> Vec<&'static Target> {
        TARGETS.iter().filter(|t| t.role == role).collect()
    }

    /// Every strategy of this target, as the mutation spells it.
    pub fn strategies(&self) -> Vec<String> {
        let json = || {
            JsonStrategy::PLAIN
                .into_iter()
                .chain(DerStrategy::ALL.into_iter().map(JsonStrategy::Der))
                .map(|s| s.name())
        };
        match self.kind {
            TargetKind::Es10 { .. } => DerStrategy::ALL
                .iter()
                .map(|s| format!("der:{}", s.name()))
                .collect(),
            TargetKind::BppPieces => PieceStrategy::ALL
                .iter()
                .map(|s| format!("piece:{}", s.name()))
                .collect(),
            TargetKind::ProfilePackage => PeStrategy::ALL
                .iter()
                .map(|s| format!("pe:{}", s.name()))
                .collect(),
            TargetKind::Remote { .. } => json().map(|s| format!("json:{s}")).collect(),
            TargetKind::ActivationCode => AcStrategy::ALL
                .iter()
                .map(|s| format!("ac:{}", s.name()))
                .collect(),
            TargetKind::Es9Answers => json()
                .map(|s| format!("answer-json:{s}"))
                .chain(
                    BytesStrategy::ALL
                        .iter()
                        .map(|s| format!("answer-bytes:{}", s.name())),
                )
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_targets_and_every_strategy_parses() {
        for role in Role::ALL {
            assert!(!Target::of_role(role).is_empty(), "{}", role.name());
        }
        for t in TARGETS {
            for s in t.strategies() {
                let (kind, name) = s.split_once(':').expect("kind:name");
                let known = match kind {
                    "der" => DerStrategy::from_name(name).is_some(),
                    "piece" => PieceStrategy::from_name(name).is_some(),
                    "pe" => PeStrategy::from_name(name).is_some(),
                    "json" | "answer-json" => JsonStrategy::from_name(name).is_some(),
                    "ac" => AcStrategy::from_name(name).is_some(),
                    "answer-bytes" => BytesStrategy::from_name(name).is_some(),
                    _ => false,
                };
                assert!(known, "{}: {s}", t.name);
            }
        }
    }
}
