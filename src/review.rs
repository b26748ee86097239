//! QA and management review: which escalations are flagged, and what a reviewer records.
//! Every hard-stop is flagged; of the others a share per kind is sampled (the playbook's
//! `[review]` table, else the service's `review.sample_percent`), chosen from the
//! escalation's id so the same record is always in or out of the sample.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::playbook::{Decision, Tier, TriggerKind};

/// The share (0–100) of escalations like `decision` to review: the playbook's rate for its
/// primary trigger's kind (`policy_exception` first for a policy exception asked for),
/// else `supervisor_tier` for a supervisor-tier one, else `default`. Hard-stops: 100.
pub fn sample_percent(decision: &Decision, rates: &BTreeMap<String, i64>, default: u8) -> u8 {
    let primary = decision.primary();
    if primary.kind.is_hard_stop() {
        return 100;
    }
    let policy_exception = (primary.kind == TriggerKind::AuthorityRequest
        && primary.rule_id.starts_with("policy_exception"))
    .then_some("policy_exception");
    let tier = (decision.tier == Tier::Supervisor).then_some("supervisor_tier");
    [policy_exception, Some(primary.kind.as_str()), tier]
        .into_iter()
        .flatten()
        .find_map(|key| rates.get(key))
        .map_or(default, |p| u8::try_from((*p).clamp(0, 100)).unwrap_or(100))
}

/// Whether the escalation `id` deciding `decision` awaits review.
pub fn flagged(decision: &Decision, id: &str, sample_percent: u8) -> bool {
    if decision.primary().kind.is_hard_stop() {
        return true;
    }
    let digest = Sha256::digest(id.as_bytes());
    let bucket = u16::from_be_bytes([digest[0], digest[1]]) % 100;
    bucket < u16::from(sample_percent.min(100))
}

/// What the reviewer concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// Handled as the playbook says.
    Compliant,
    /// Handled, with something for the agent or team to learn.
    CoachingNeeded,
    /// The playbook was not followed.
    PolicyBreach,
    /// The trigger fired on words that did not mean it.
    FalsePositive,
}

impl ReviewOutcome {
    pub const ALL: [ReviewOutcome; 4] = [
        ReviewOutcome::Compliant,
        ReviewOutcome::CoachingNeeded,
        ReviewOutcome::PolicyBreach,
        ReviewOutcome::FalsePositive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Compliant => "compliant",
            ReviewOutcome::CoachingNeeded => "coaching_needed",
            ReviewOutcome::PolicyBreach => "policy_breach",
            ReviewOutcome::FalsePositive => "false_positive",
        }
    }
}

/// One review, appended to the escalation's record (never overwritten).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub reviewer: String,
    pub outcome: ReviewOutcome,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::FiredTrigger;

    fn decision(kind: TriggerKind) -> Decision {
        Decision {
            tier: Tier::Supervisor,
            team: "supervisor".into(),
            triggers: vec![FiredTrigger {
                kind,
                rule_id: "r".into(),
                team: "supervisor".into(),
                span: None,
                quote: None,
                utterance_id: None,
                at: jiff::Timestamp::UNIX_EPOCH,
                semantic: None,
            }],
            guidance: None,
            crisis_line: None,
            mode: Default::default(),
            secondary: Vec::new(),
        }
    }

    #[test]
    fn the_playbooks_rate_for_the_kind_wins_then_the_tier_then_the_service_default() {
        let rates: BTreeMap<String, i64> = [
            ("hard_stop", 100),
            ("over_promise", 100),
            ("policy_exception", 0),
            ("authority_request", 40),
            ("supervisor_tier", 20),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let p = |d: &Decision| sample_percent(d, &rates, 7);
        assert_eq!(p(&decision(TriggerKind::Fraud)), 100);
        assert_eq!(p(&decision(TriggerKind::OverPromise)), 100);
        assert_eq!(p(&decision(TriggerKind::AuthorityRequest)), 40);
        let mut exception = decision(TriggerKind::AuthorityRequest);
        exception.triggers[0].rule_id = "policy_exception.en.1".into();
        assert_eq!(p(&exception), 0);
        assert_eq!(p(&decision(TriggerKind::SustainedAnger)), 20);
        let mut guided = decision(TriggerKind::RepeatContact);
        guided.tier = Tier::Agent;
        assert_eq!(p(&guided), 7, "not set: the service's default");
        // Without a [review] table, the service's default for everything but hard-stops.
        assert_eq!(
            sample_percent(
                &decision(TriggerKind::SupervisorRequest),
                &BTreeMap::new(),
                7
            ),
            7
        );
        assert_eq!(
            sample_percent(&decision(TriggerKind::LegalThreat), &BTreeMap::new(), 0),
            100
        );
    }

    #[test]
    fn an_always_rate_flags_every_escalation_of_that_kind() {
        let rates = BTreeMap::from([("sustained_anger".to_string(), 100)]);
        let d = decision(TriggerKind::SustainedAnger);
        let percent = sample_percent(&d, &rates, 0);
        assert!((0..500).all(|i| flagged(&d, &format!("esc-{i}"), percent)));
        let other = decision(TriggerKind::LongHold);
        let percent = sample_percent(&other, &rates, 0);
        assert!((0..500).all(|i| !flagged(&other, &format!("esc-{i}"), percent)));
    }

    #[test]
    fn every_hard_stop_is_flagged_even_with_no_sample() {
        for kind in TriggerKind::ALL.into_iter().filter(|k| k.is_hard_stop()) {
            assert!(flagged(&decision(kind), "any", 0), "{kind}");
        }
    }

    #[test]
    fn others_are_sampled_at_about_the_configured_share_and_stably() {
        let d = decision(TriggerKind::SupervisorRequest);
        let ids: Vec<String> = (0..2000).map(|i| format!("esc-{i}")).collect();
        let count = |p| ids.iter().filter(|id| flagged(&d, id, p)).count();
        assert_eq!(count(0), 0);
        assert_eq!(count(100), 2000);
        let ten = count(10);
        assert!((150..=250).contains(&ten), "{ten} of 2000 at 10%");
        assert_eq!(flagged(&d, "esc-7", 10), flagged(&d, "esc-7", 10));
    }
}
