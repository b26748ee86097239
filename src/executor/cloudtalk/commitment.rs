//! The platform callback on CloudTalk: with no callback API, the commitment is recorded on
//! the caller's contact, where the team sees it (vendor doc §3–§4):
//! 1. the contact: the one CloudTalk named on the call, else found by the caller's
//!    number, else created;
//! 2. a note with the briefing and the caller's verbatim words;
//! 3. tags `escalation` and `escalation-<team>` (a Power Dialer campaign can pick these up);
//! 4. a `task` activity due at the callback time, named after the reference and owner.
//!
//! Each step is kept in `progress` and never repeated. Creates are not idempotent, so the
//! step is marked as sent (and saved) before the request; after an unknown outcome the next
//! attempt looks first: contacts by number, notes and tasks by the reference they carry.

use escalator_adapters::cloudtalk::{
    Activity, ActivityType, CallbackCommitment, Contact, NewContact,
};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{phone, Briefing, Destination, Target};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::progress::progress_str;
use super::CloudTalkExecutor;
use crate::executor::once::{OnceRequest, Seen};
use crate::executor::{Checkpoint, Done, Report};
use crate::store::ClaimedAction;

// Progress keys: what earlier attempts did (ids), and creates sent without a known outcome.
const DUE_MS: &str = "callback_due_ms";
const CONTACT: &str = "contact_id";
const CONTACT_CREATE: OnceRequest = OnceRequest::new("contact_create_uncertain", "create_contact");
const NOTE: &str = "note_id";
const NOTE_ADD: OnceRequest = OnceRequest::new("note_uncertain", "note");
const TAGGED: &str = "tags_added";
const ACTIVITY: &str = "activity_id";
const ACTIVITY_ADD: OnceRequest = OnceRequest::new("activity_uncertain", "task");

/// What a `ScheduleCallback` asks for.
pub(super) struct Request<'a> {
    pub target: &'a Target,
    pub number: Option<String>,
    pub at: Option<Timestamp>,
    pub briefing: &'a Briefing,
}

impl CloudTalkExecutor {
    pub(super) async fn commit(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        req: &Request<'_>,
    ) -> Result<Done, CallError> {
        let number = req
            .number
            .clone()
            .or_else(|| claimed.refs.get("caller_number").cloned())
            .and_then(|n| phone::to_e164(&n));
        // Fixed by the first attempt, so every retry writes the same due time.
        let due_ms = match claimed.progress.get(DUE_MS).and_then(Value::as_i64) {
            Some(ms) => ms,
            None => {
                let due = req.at.unwrap_or_else(|| {
                    Timestamp::now()
                        .checked_add(signed(self.timing.due_after))
                        .unwrap_or_else(|_| Timestamp::now())
                });
                let ms = due.as_millisecond();
                claimed.progress.insert(DUE_MS.into(), ms.into());
                ms
            }
        };
        let due = Timestamp::from_millisecond(due_ms).unwrap_or_else(|_| Timestamp::now());
        let until = due.checked_add(signed(self.timing.window)).unwrap_or(due);
        let owner = self.owner(&req.target.team);

        let contact = self
            .contact(claimed, report, checkpoint, number.as_deref(), req.briefing)
            .await?;

        if !claimed.progress.contains_key(NOTE) {
            let text = note_text(req, owner.as_deref(), number.as_deref(), due, until);
            let id = self
                .note(
                    claimed,
                    report,
                    checkpoint,
                    &contact,
                    &text,
                    &req.briefing.reference,
                )
                .await?;
            claimed.progress.insert(NOTE.into(), Value::String(id));
        }

        let tags = vec![
            "escalation".to_string(),
            format!("escalation-{}", req.target.team),
        ];
        if !claimed.progress.contains_key(TAGGED) {
            // Tags are a set: re-adding after an unknown outcome changes nothing.
            if let Err(e) = self.client.add_tags(&contact, &tags).await {
                report.failed("tags", &e);
                return Err(e);
            }
            report.ok("tags", format!("contact tagged {}", tags.join(", ")));
            claimed.progress.insert(TAGGED.into(), Value::Bool(true));
        }

        if !claimed.progress.contains_key(ACTIVITY) {
            let commitment = CallbackCommitment {
                briefing: req.briefing.clone(),
                owner: owner.clone().unwrap_or_else(|| "unassigned".into()),
                team: req.target.team.clone(),
                number: number.clone().unwrap_or_else(|| "the contact".into()),
                window_start: due,
                window_end: until,
                time_zone: None,
                link: None,
            };
            let activity = Activity::callback_task(&commitment);
            let id = self
                .activity(
                    claimed,
                    report,
                    checkpoint,
                    &contact,
                    &activity,
                    &req.briefing.reference,
                )
                .await?;
            claimed.progress.insert(ACTIVITY.into(), Value::String(id));
        }

        let detail = format!(
            "callback committed on CloudTalk contact {contact} for team {}: note {}, tags {}, \
             task {} due {} UTC",
            req.target.team,
            progress_str(claimed, NOTE).unwrap_or_default(),
            tags.join(", "),
            progress_str(claimed, ACTIVITY).unwrap_or_default(),
            due.strftime("%Y-%m-%d %H:%M"),
        );
        Ok(Done {
            escalation_status: Some("callback_scheduled"),
            detail,
        })
    }

    /// The contact the commitment goes on.
    async fn contact(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        number: Option<&str>,
        briefing: &Briefing,
    ) -> Result<String, CallError> {
        if let Some(id) = progress_str(claimed, CONTACT) {
            return Ok(id);
        }
        // CloudTalk named the contact on the call: no search needed, and no risk of
        // choosing another contact sharing the number.
        let from_call = claimed
            .refs
            .get("contact_id")
            .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
            .cloned();
        if let Some(id) = from_call {
            report.ok(
                "contact",
                format!("contact {id} named by the call's events"),
            );
            claimed
                .progress
                .insert(CONTACT.into(), Value::String(id.clone()));
            return Ok(id);
        }
        let Some(number) = number else {
            let e = CallError::Unactionable(
                "the caller's number is not known, so no CloudTalk contact can hold the callback"
                    .into(),
            );
            report.failed("contact", &e);
            return Err(e);
        };
        if CONTACT_CREATE.in_doubt(claimed) {
            let read = self
                .find_contact(report, number)
                .await
                .map(|found| match found {
                    Some(c) => Seen::Applied(c),
                    None => Seen::Absent,
                });
            if let Some(found) = CONTACT_CREATE.reconcile(claimed, report, read)? {
                report.ok(
                    "reconcile",
                    format!("contact {} found by the caller's number", found.id),
                );
                claimed
                    .progress
                    .insert(CONTACT.into(), Value::String(found.id.clone()));
                return Ok(found.id);
            }
        } else if let Some(found) = self.find_contact(report, number).await? {
            report.ok(
                "contact",
                format!("contact {} found by the caller's number", found.id),
            );
            claimed
                .progress
                .insert(CONTACT.into(), Value::String(found.id.clone()));
            return Ok(found.id);
        }
        let contact = NewContact {
            name: briefing
                .caller_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| number.to_string()),
            number: number.to_string(),
            tags: Vec::new(),
            external_url: None,
        };
        CONTACT_CREATE.mark(claimed, report, checkpoint).await?;
        let result = self.client.create_contact(&contact).await;
        let id = CONTACT_CREATE.settle(claimed, report, result)?;
        report.ok("create_contact", format!("contact {id} created"));
        claimed
            .progress
            .insert(CONTACT.into(), Value::String(id.clone()));
        Ok(id)
    }

    /// The contact holding exactly `number`: searched in E.164, then by its digits alone
    /// (how CloudTalk's `keyword` matches numbers is not documented).
    async fn find_contact(
        &self,
        report: &mut Report,
        number: &str,
    ) -> Result<Option<Contact>, CallError> {
        let first = self.client.find_contact_by_number(number).await;
        let found = match first {
            Ok(Some(c)) => return Ok(Some(c)),
            Ok(None) => {
                let digits = number.trim_start_matches('+');
                self.client
                    .find_contacts(digits)
                    .await
                    .map(|all| all.into_iter().find(|c| c.has_number(number)))
            }
            Err(e) => Err(e),
        };
        found.inspect_err(|e| report.failed("find_contact", e))
    }

    async fn note(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        contact: &str,
        text: &str,
        reference: &str,
    ) -> Result<String, CallError> {
        if NOTE_ADD.in_doubt(claimed) {
            let read = self
                .client
                .notes(contact, Some(reference))
                .await
                .map(
                    |notes| match notes.into_iter().find(|n| n.note.contains(reference)) {
                        Some(n) => Seen::Applied(n.id),
                        None => Seen::Absent,
                    },
                );
            if let Some(id) = NOTE_ADD.reconcile(claimed, report, read)? {
                report.ok("reconcile", format!("note {id} found on the contact"));
                return Ok(id);
            }
        }
        NOTE_ADD.mark(claimed, report, checkpoint).await?;
        let result = self.client.add_note(contact, text, None).await;
        let id = NOTE_ADD.settle(claimed, report, result)?;
        report.ok(
            "note",
            format!("note {id} with the briefing added to the contact"),
        );
        Ok(id)
    }

    async fn activity(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        contact: &str,
        activity: &Activity,
        reference: &str,
    ) -> Result<String, CallError> {
        if ACTIVITY_ADD.in_doubt(claimed) {
            let read = self
                .client
                .activities(contact, Some(ActivityType::Task))
                .await
                .map(
                    |found| match found.into_iter().find(|a| a.name.contains(reference)) {
                        Some(a) => Seen::Applied(a.id),
                        None => Seen::Absent,
                    },
                );
            if let Some(id) = ACTIVITY_ADD.reconcile(claimed, report, read)? {
                report.ok("reconcile", format!("task {id} found on the contact"));
                return Ok(id);
            }
        }
        ACTIVITY_ADD.mark(claimed, report, checkpoint).await?;
        let result = self.client.add_activity(contact, activity).await;
        let id = ACTIVITY_ADD.settle(claimed, report, result)?;
        report.ok("task", format!("callback task {id} added to the contact"));
        Ok(id)
    }
}

/// Longest call-context item in a contact note. CloudTalk documents no note length
/// (UNCONFIRMED); 500 characters an item keeps the note readable and well under any
/// plausible limit.
const NOTE_ITEM_MAX_CHARS: usize = 500;

/// The note: the briefing in plain text, reference first (the next attempt finds it by it).
fn note_text(
    req: &Request<'_>,
    owner: Option<&str>,
    number: Option<&str>,
    due: Timestamp,
    until: Timestamp,
) -> String {
    let b = req.briefing;
    let group = match &req.target.destination {
        Destination::Queue { id, name } => match name {
            Some(n) => format!(" (group {n}, {id})"),
            None => format!(" (group {id})"),
        },
        _ => String::new(),
    };
    let mut lines = vec![
        format!(
            "Escalation {}: {} ({}). The call could not be brought to team {}{group}.",
            b.reference, b.tier, b.reason, req.target.team
        ),
        format!(
            "Callback owed by {}, due {} UTC, at the latest {} UTC.",
            owner.unwrap_or("the team (no owner configured)"),
            due.strftime("%Y-%m-%d %H:%M"),
            until.strftime("%Y-%m-%d %H:%M"),
        ),
    ];
    if let Some(q) = &b.quote {
        lines.push(format!("Caller's words: \"{q}\""));
    }
    let verified = match b.verified {
        Some(true) => "verified",
        Some(false) => "not verified",
        None => "verification unknown",
    };
    lines.push(format!(
        "Caller: {} ({verified}), {}.",
        b.caller_name.as_deref().unwrap_or("name unknown"),
        number.unwrap_or("number unknown")
    ));
    // The call around the trigger, one item a line ("Issue: …", "Prior calls: 2"…).
    for item in b.context.present(NOTE_ITEM_MAX_CHARS) {
        lines.push(format!("{}: {}", item.label, item.value));
    }
    lines.push("Recorded by Escalator.".into());
    lines.join("\n")
}

fn signed(d: std::time::Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::ZERO)
}

#[cfg(test)]
mod tests {
    use escalator_adapters::BriefingContext;

    use super::*;

    #[test]
    fn the_note_carries_the_call_context_one_item_a_line() {
        let target = Target {
            team: "supervisor".into(),
            destination: Destination::Queue {
                id: "g1".into(),
                name: None,
            },
        };
        let briefing = Briefing {
            reference: "ESC-1".into(),
            tier: "supervisor".into(),
            reason: "supervisor_request".into(),
            quote: Some("Get me a manager".into()),
            context: BriefingContext {
                summary: Some(format!("My bill doubled. {}", "x".repeat(900))),
                prior_calls: 2,
                ..Default::default()
            },
            ..Default::default()
        };
        let req = Request {
            target: &target,
            number: None,
            at: None,
            briefing: &briefing,
        };
        let at = Timestamp::from_second(1_780_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let text = note_text(&req, None, None, at, at);
        let issue = text
            .lines()
            .find(|l| l.starts_with("Issue: My bill doubled."))
            .unwrap_or_default();
        assert_eq!(issue.chars().count(), "Issue: ".len() + NOTE_ITEM_MAX_CHARS);
        assert!(issue.ends_with('…'));
        assert!(text.contains("\nPrior calls: 2\n"), "{text}");
        assert!(text.ends_with("Recorded by Escalator."));
    }
}
