//! Live fuzzing against the reference roles: clean campaigns find nothing; a role with a
//! planted bug is caught, the finding is on disk at once, and it replays (and does not replay
//! against the conforming role).

use std::time::Duration;

use rsp_runner::engine::Dut;
use rsp_runner::fuzz::{self, CampaignConfig, CampaignSummary, Target};
use rsp_runner::ics::Role;
use rsp_runner::world::PlantedBug;

fn dut(role: Role, planted: Option<PlantedBug>) -> Dut {
    let mut d = rsp_runner::selftest::reference_duts(&[role], Duration::from_secs(10))
        .expect("reference DUT")
        .remove(0);
    d.world.planted = planted;
    d
}

fn config(role: Role, iterations: u64, out: &std::path::Path) -> CampaignConfig {
    CampaignConfig {
        seed: 1,
        targets: Target::of_role(role),
        strategies: Vec::new(),
        iterations: Some(iterations),
        time: None,
        health_every: 25,
        timeout: Duration::from_secs(20),
        minimize: true,
        reveal_secrets: false,
        out_dir: out.to_owned(),
        vectors: rsp_runner::engine::shared_vectors(),
        repo_vectors: rsp_runner::engine::repo_root().join("vectors"),
        replay_template: "rspcheck fuzz --replay {finding}".into(),
        command: "test".into(),
        started_at: 0,
    }
}

fn campaign(
    role: Role,
    planted: Option<PlantedBug>,
    iterations: u64,
) -> (CampaignSummary, tempfile::TempDir) {
    campaign_on(role, planted, iterations, None)
}

/// A campaign, on one target only when `target` is given.
fn campaign_on(
    role: Role,
    planted: Option<PlantedBug>,
    iterations: u64,
    target: Option<&str>,
) -> (CampaignSummary, tempfile::TempDir) {
    let out = tempfile::tempdir().expect("temp dir");
    let mut cfg = config(role, iterations, out.path());
    if let Some(name) = target {
        cfg.targets = vec![Target::by_name(name).expect("target")];
    }
    let summary = fuzz::run_campaign(&dut(role, planted), &cfg, &|_, _| {}).expect("campaign");
    (summary, out)
}

#[test]
fn campaigns_against_the_conforming_reference_roles_find_nothing() {
    for role in [Role::Euicc, Role::Smdp, Role::Smds] {
        let (s, _out) = campaign(role, None, 64);
        assert!(s.findings.is_empty(), "{}: {:#?}", role.name(), s.findings);
        assert_eq!(s.iterations, 64);
        assert!(s.stopped.is_none());
        for t in &s.targets {
            assert!(
                t.iterations >= 16,
                "{}: {} ran {}",
                role.name(),
                t.target,
                t.iterations
            );
            // Every target's messages were really changed and answered.
            let changed = t.iterations
                - t.reactions.get("not-applied").copied().unwrap_or(0)
                - t.reactions.get("harness-error").copied().unwrap_or(0);
            assert!(
                changed * 2 > t.iterations,
                "{}: {:?}",
                t.target,
                t.reactions
            );
            assert_eq!(
                t.reactions.get("harness-error"),
                None,
                "{}: {:?}",
                t.target,
                t.reactions
            );
        }
    }
}

/// The planted bug's campaign finds it; the finding file replays on the planted role and not
/// on the conforming one.
fn caught(planted: PlantedBug, class: &str, target: &str, only_target: bool) {
    let role = planted.role();
    let (s, out) = campaign_on(role, Some(planted), 100, only_target.then_some(target));
    let f = s
        .findings
        .iter()
        .find(|f| f.reaction.class() == class && f.target == target)
        .unwrap_or_else(|| {
            panic!(
                "{}: no {class} on {target}: {:#?}",
                planted.name(),
                s.findings
            )
        });
    assert_eq!(
        s.findings.len(),
        1,
        "one defect, one signature: {:#?}",
        s.findings
    );
    // Stored at once, with what replays it.
    let file = out.path().join("fuzz").join(&f.file);
    let stored = fuzz::store::load(&file).expect("finding file");
    assert_eq!(stored.signature, f.signature);
    let journal = std::fs::read_to_string(out.path().join("fuzz/findings.jsonl")).unwrap();
    assert_eq!(journal.lines().count() as u64, f.duplicates + 1);
    let cfg = config(role, 1, out.path());
    let it = fuzz::Iteration {
        index: stored.iteration,
        target: stored.target.clone(),
        strategy: stored.strategy.clone(),
        mutation_seed: stored.mutation_seed,
        world_seed: stored.world_seed,
    };
    let t = Target::by_name(&stored.target).unwrap();
    let again = fuzz::replay(&dut(role, Some(planted)), &cfg, &stored);
    assert_eq!(
        fuzz::Finding::signature_of(role, t, &it, &again),
        stored.signature
    );
    let conforming = fuzz::replay(&dut(role, None), &cfg, &stored);
    assert!(
        !conforming.reaction.is_finding(),
        "{:?}",
        conforming.reaction
    );
}

/// On the BPP pieces only: the builder's minimal profile takes two protected 86 segments, so
/// about 1 bpp-segments iteration in 28 flips the MAC of the blind one (piece:mac is 1 of 7
/// strategies, the 3rd protected segment 1 of 4 MACed pieces); a 100-iteration campaign over
/// all four targets gives it 25 tries, too few to be sure of a hit.
#[test]
fn a_card_that_skips_a_segment_mac_is_caught() {
    caught(
        PlantedBug::EuiccMacBlindSegment3,
        "accepted-invalid",
        "bpp-segments",
        true,
    );
}

#[test]
fn an_smdp_that_crashes_on_an_unknown_key_is_caught() {
    let role = Role::Smdp;
    let (s, _out) = campaign(role, Some(PlantedBug::Smdp500OnUnknownKey), 100);
    assert!(!s.findings.is_empty());
    for f in &s.findings {
        assert_eq!(f.reaction.class(), "crash", "{f:#?}");
        assert!(f.strategy.ends_with("extra-key"), "{f:#?}");
    }
    caught_first(PlantedBug::Smdp500OnUnknownKey, &s, &_out);
}

fn caught_first(planted: PlantedBug, s: &CampaignSummary, out: &tempfile::TempDir) {
    let role = planted.role();
    let f = &s.findings[0];
    let cfg = config(role, 1, out.path());
    assert!(fuzz::replay(&dut(role, Some(planted)), &cfg, f)
        .reaction
        .is_finding());
    assert!(!fuzz::replay(&dut(role, None), &cfg, f)
        .reaction
        .is_finding());
}

#[test]
fn an_smds_that_skips_the_euicc_signature_is_caught() {
    caught(
        PlantedBug::SmdsAcceptsBadSignature,
        "accepted-invalid",
        "es11-authenticate-client",
        false,
    );
}

#[test]
fn the_report_shows_the_campaign_and_its_findings() {
    let (s, out) = campaign(Role::Smds, Some(PlantedBug::SmdsAcceptsBadSignature), 40);
    let paths = fuzz::report::write(out.path(), &s, false).expect("report");
    let html = std::fs::read_to_string(&paths.index_html).unwrap();
    assert!(html.contains("es11-authenticate-client"));
    assert!(
        html.contains("accepted-invalid"),
        "the finding is on the page"
    );
    assert!(html.contains("rspcheck fuzz --replay"));
    let junit = std::fs::read_to_string(&paths.junit_xml).unwrap();
    assert!(junit.contains("<failure type=\"accepted-invalid\""));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&paths.results_json).unwrap()).unwrap();
    assert_eq!(json["fuzz"]["iterations"], 40);
    assert_eq!(json["fuzz"]["findings"].as_array().map(Vec::len), Some(1));
}

#[test]
fn the_same_seed_gives_the_same_campaign() {
    let (a, _x) = campaign(Role::Smdp, None, 20);
    let (b, _y) = campaign(Role::Smdp, None, 20);
    let view = |s: &CampaignSummary| {
        s.targets
            .iter()
            .map(|t| (t.target.clone(), t.by_strategy.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(view(&a), view(&b));
}
