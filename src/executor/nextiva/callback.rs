//! The platform callback: NCC has no REST call that creates one, so the caller becomes a
//! lead on the configured outbound list and the dialer calls them back. The upsert is keyed
//! by the escalation reference (a lead field), so a retry after an unknown outcome updates
//! the same lead instead of adding a second one: no checkpoint is needed.

use escalator_adapters::nextiva::CallbackLead;
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Target};

use super::NextivaExecutor;
use crate::executor::{Done, Report};
use crate::store::ClaimedAction;

impl NextivaExecutor {
    pub(super) async fn schedule_callback(
        &self,
        claimed: &ClaimedAction,
        report: &mut Report,
        target: &Target,
        number: Option<String>,
        at: Option<jiff::Timestamp>,
        briefing: &Briefing,
    ) -> Result<Done, CallError> {
        match self.upsert(claimed, target, number, at, briefing).await {
            Ok(detail) => {
                report.ok("callback", &detail);
                Ok(Done {
                    escalation_status: Some("callback_scheduled"),
                    detail,
                })
            }
            Err(e) => {
                report.failed("callback", &e);
                Err(e)
            }
        }
    }

    async fn upsert(
        &self,
        claimed: &ClaimedAction,
        target: &Target,
        number: Option<String>,
        at: Option<jiff::Timestamp>,
        briefing: &Briefing,
    ) -> Result<String, CallError> {
        // Unactionable, so the chain moves on to the named callback.
        let Some(list) = &self.callback_list_id else {
            return Err(CallError::Unactionable(
                "no NCC outbound list for callbacks (vendors.nextiva.api.callback_list_id)".into(),
            ));
        };
        let Some(number) = number.or_else(|| claimed.refs.get("caller_number").cloned()) else {
            return Err(CallError::Unactionable(
                "no callback number is known for the caller".into(),
            ));
        };
        let mut lead = CallbackLead::from_briefing(&number, briefing, at);
        // The list is shared by every team: say whose callback it is.
        lead.note = format!("{} (team {})", lead.note, target.team);
        let lead = self.lead_fields.render(&lead)?;
        let result = self.client.upsert_leads(list, &[lead]).await?;
        Ok(format!(
            "callback lead {} upserted on outbound list {list} for team {} (lead {})",
            briefing.reference,
            target.team,
            result
                .lead_ids
                .first()
                .map(String::as_str)
                .unwrap_or("id not returned")
        ))
    }
}
