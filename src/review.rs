//! QA and management review: which escalations are flagged, and what a reviewer records.
//! Every hard-stop is flagged; of the others a fixed share is sampled, chosen from the
//! escalation's id so the same record is always in or out of the sample.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::playbook::Decision;

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
    use crate::playbook::{FiredTrigger, Tier, TriggerKind};

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
        }
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
