//! The platform callback: a record on the callback dialing list (SOAP `addRecordToList`)
//! with a call time, which the list's outbound campaign dials. Five9 keys list records by
//! number, so sending the same record again is answered as a duplicate: a repeat after an
//! unknown outcome is harmless and counts as done.

use escalator_adapters::five9::{soap_fault_name, CallbackRecord};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Target};
use jiff::Timestamp;

use super::Five9Executor;
use crate::config::ENV_FIVE9_ADMIN_USER;
use crate::executor::{Done, Report};

const STEP: &str = "callback";

impl Five9Executor {
    pub(super) async fn schedule_callback(
        &self,
        report: &mut Report,
        target: &Target,
        number: Option<&str>,
        at: Option<Timestamp>,
        briefing: &Briefing,
    ) -> Result<Done, CallError> {
        let result = self.add_record(target, number, at, briefing).await;
        match result {
            Ok(detail) => {
                report.ok(STEP, &detail);
                Ok(Done {
                    escalation_status: Some("callback_scheduled"),
                    detail,
                })
            }
            Err(e) => {
                report.failed(STEP, &e);
                Err(e)
            }
        }
    }

    async fn add_record(
        &self,
        target: &Target,
        number: Option<&str>,
        at: Option<Timestamp>,
        briefing: &Briefing,
    ) -> Result<String, CallError> {
        if self.client.config().admin.is_none() {
            return Err(CallError::Unactionable(format!(
                "no Five9 admin user for callbacks ({ENV_FIVE9_ADMIN_USER})"
            )));
        }
        let Some(number) = number.filter(|n| !n.trim().is_empty()) else {
            return Err(CallError::Unactionable(
                "no callback number is known for the caller".into(),
            ));
        };
        let mut fields = Vec::new();
        if !self.callback_briefing_field.is_empty() {
            fields.push((
                self.callback_briefing_field.clone(),
                escalator_adapters::five9::briefing_line(briefing),
            ));
        }
        // The campaign honours `callTime` only; "now" when no time was agreed.
        let call_at = at.unwrap_or_else(Timestamp::now);
        let record = CallbackRecord {
            list_name: self.callback_list.clone(),
            number: number.to_string(),
            call_at: Some(call_at),
            fields,
        };
        let list = &self.callback_list;
        let team = &target.team;
        match self.client.add_record_to_list(&record).await {
            Ok(r) if r.was_duplicate() => Ok(format!(
                "callback for team {team} already on list {list} (duplicate record)"
            )),
            Ok(_) => Ok(format!(
                "callback for team {team} added to list {list}, call at {call_at}"
            )),
            Err(e) if already_on_list(&e) => Ok(format!(
                "callback for team {team} already on list {list} (AddRecordToListFault)"
            )),
            Err(e) => Err(e),
        }
    }
}

/// Five9's answer to a record that is already on the list ("Specified record already exist
/// in the list").
fn already_on_list(e: &CallError) -> bool {
    soap_fault_name(e) == Some("AddRecordToListFault")
        && e.to_string().to_ascii_lowercase().contains("already exist")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_record_is_recognised() {
        let fault = |message: &str| CallError::Permanent {
            status: 500,
            message: message.into(),
        };
        assert!(already_on_list(&fault(
            "AddRecordToListFault: Specified record already exist in the list"
        )));
        assert!(!already_on_list(&fault(
            "AddRecordToListFault: Number 123 must either be 10 digits"
        )));
        assert!(!already_on_list(&fault(
            "ObjectNotFoundFault: record already exists"
        )));
    }
}
