//! Cue Cards: the only thing Escalator can put in front of the live agent on CloudTalk.
//!
//! A card is safe to push again (a duplicate on screen, no other effect), so a retry after
//! an unknown outcome simply repeats it; a 424 ("no such active call": CloudTalk does not
//! see the call yet) is retried by the dispatcher after the client's wait. Once shown, the
//! card is kept in `progress` so a retry for the alert that follows never shows it twice.

use escalator_adapters::cloudtalk::{CueCard, CueCardBlock, CueCardContent};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Destination, SpeakTo, Target};
use serde_json::Value;

use super::{call_uuid, CloudTalkExecutor};
use crate::executor::{Done, Report};
use crate::store::ClaimedAction;

// Progress keys.
const CARD_SHOWN: &str = "cue_card_shown";

/// What the escalation is once the agent has been asked: Escalator cannot see the
/// transfer happen, so it does not claim it did.
const TRANSFER_REQUESTED: &str = "transfer_requested";

impl CloudTalkExecutor {
    pub(super) async fn assisted_transfer(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        target: &Target,
        briefing: &Briefing,
        speak_to: SpeakTo,
    ) -> Result<Done, CallError> {
        let Destination::Queue { id, name } = &target.destination else {
            let e = CallError::Unactionable(format!(
                "team {} has no CloudTalk group configured (teams.{}.cloudtalk.queue_id)",
                target.team, target.team
            ));
            report.failed("cue_card", &e);
            return Err(e);
        };
        let group = match name {
            Some(n) => format!("group {n} ({id})"),
            None => format!("group {id}"),
        };
        if !claimed.progress.contains_key(CARD_SHOWN) {
            let Some(uuid) = call_uuid(claimed) else {
                let e = no_call_uuid();
                report.failed("cue_card", &e);
                return Err(e);
            };
            let text = instruction(speak_to, &group, &target.team, &briefing.reference);
            let card = CueCard::briefing(&uuid, briefing, &text);
            if let Err(e) = self.client.push_cue_card(&card).await {
                report.failed("cue_card", &e);
                return Err(e);
            }
            report.ok(
                "cue_card",
                format!("briefing and transfer instruction shown to the agent ({group})"),
            );
            claimed
                .progress
                .insert(CARD_SHOWN.into(), Value::Bool(true));
        }
        Ok(Done {
            escalation_status: Some(TRANSFER_REQUESTED),
            detail: format!(
                "the agent was asked by Cue Card to {} team {} at {group}",
                match speak_to {
                    SpeakTo::Destination => "warm-transfer the call to",
                    SpeakTo::Conference => "conference in",
                },
                target.team
            ),
        })
    }

    /// Guidance for the agent, on a card of its own.
    pub(super) async fn guidance(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        text: &str,
    ) -> Result<Done, CallError> {
        let Some(uuid) = call_uuid(claimed) else {
            let e = no_call_uuid();
            report.failed("guidance", &e);
            return Err(e);
        };
        let card = CueCard {
            call_uuid: uuid,
            title: "Escalator: guidance for this call".into(),
            subtitle: None,
            icon_url: None,
            content: CueCardContent::Blocks(vec![CueCardBlock::rich(
                "What to do now",
                text,
                false,
            )]),
        };
        match self.client.push_cue_card(&card).await {
            Ok(()) => {
                report.ok("guidance", "guidance shown to the agent on a Cue Card");
                Ok(Done {
                    escalation_status: None,
                    detail: "guidance shown to the agent".into(),
                })
            }
            Err(e) => {
                report.failed("guidance", &e);
                Err(e)
            }
        }
    }
}

/// What the agent must do now, first thing on the card.
fn instruction(speak_to: SpeakTo, group: &str, team: &str, reference: &str) -> String {
    match speak_to {
        SpeakTo::Destination => format!(
            "Warm-transfer this call to {group} (team {team}) now: speak to them before you \
             complete the transfer, never a cold transfer. Tell them reference {reference}."
        ),
        SpeakTo::Conference => format!(
            "Do not put the caller on hold and do not transfer them away. Conference {group} \
             (team {team}) into this call now and stay on the line until they have joined. \
             Tell them reference {reference}."
        ),
    }
}

fn no_call_uuid() -> CallError {
    CallError::Unactionable(
        "no call_uuid is known for this call (the Workflow Automation must send call_uuid)".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conference_instruction_never_asks_for_a_hold() {
        let text = instruction(SpeakTo::Conference, "group Welfare (9)", "welfare", "ESC-1");
        assert!(text.contains("Do not put the caller on hold"), "{text}");
        assert!(text.contains("Conference group Welfare (9)"), "{text}");
        assert!(text.contains("ESC-1"), "{text}");
        let text = instruction(SpeakTo::Destination, "group 568", "legal", "ESC-2");
        assert!(
            text.starts_with("Warm-transfer this call to group 568"),
            "{text}"
        );
    }
}
