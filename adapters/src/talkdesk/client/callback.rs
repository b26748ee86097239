//! Creating callbacks (vendor doc §3a, §3b): the direct callback with the briefing as
//! agent-visible context fields, and the scheduled callback's request.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{json, Value};

use super::response::{e164, utc};
use crate::outbound::CallError;
use crate::{Briefing, Destination, Target};

/// How a context field renders in the agent's callback card (§3a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextDataType {
    Text,
    Url,
    Phone,
}

/// One `context.fields[]` entry of a direct callback: what the agent sees before dialling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextField {
    pub name: String,
    pub display_name: String,
    pub tooltip_text: String,
    pub data_type: ContextDataType,
    pub value: String,
}

impl ContextField {
    pub fn text(name: &str, display_name: &str, tooltip: &str, value: &str) -> Self {
        Self {
            name: name.to_string(),
            display_name: display_name.to_string(),
            tooltip_text: tooltip.to_string(),
            data_type: ContextDataType::Text,
            value: value.to_string(),
        }
    }
}

/// The words for a verification state, the same in every place the agent reads them.
fn verified_text(verified: Option<bool>) -> &'static str {
    match verified {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not checked",
    }
}

/// The briefing as callback context fields: reference, reason, the caller's words verbatim
/// and whether they were verified, then tier and name.
pub fn briefing_fields(b: &Briefing) -> Vec<ContextField> {
    let mut fields = vec![
        ContextField::text(
            "escalation_reference",
            "Escalation ref",
            "Escalator's reference for this escalation",
            &b.reference,
        ),
        ContextField::text(
            "escalation_reason",
            "Reason",
            "Why the call was escalated",
            &b.reason,
        ),
    ];
    if let Some(q) = b.quote.as_deref().filter(|q| !q.trim().is_empty()) {
        // Verbatim: the receiver must see exactly what the caller said.
        fields.push(ContextField::text(
            "caller_quote",
            "Caller said",
            "The caller's own words that triggered the escalation",
            q,
        ));
    }
    fields.push(ContextField::text(
        "caller_verified",
        "Caller verified",
        "Whether the caller passed identity verification",
        verified_text(b.verified),
    ));
    fields.push(ContextField::text(
        "escalation_tier",
        "Tier",
        "Escalation tier",
        &b.tier,
    ));
    if let Some(n) = b.caller_name.as_deref().filter(|n| !n.trim().is_empty()) {
        fields.push(ContextField::text(
            "caller_name",
            "Caller",
            "Caller's name",
            n,
        ));
    }
    // The call around the trigger: the issue first (what the call is about), then the
    // facts; only those the call gave.
    for item in b.context.present(CONTEXT_FIELD_MAX_CHARS) {
        let (name, tooltip) = match item.key {
            "summary" => (
                "issue_summary",
                "What the call is about, in the caller's own earlier words",
            ),
            "involved" => ("involved", "Who is already on the call"),
            "earlier" => ("earlier_escalations", "Earlier escalations on this call"),
            "heard" => (
                "heard_given",
                "HEARD guidance was already given to the agent",
            ),
            "priorCalls" => ("prior_calls", "Earlier calls from this number"),
            "amounts" => ("amounts", "Amounts named on the call, verbatim"),
            "holdSeconds" => ("hold_seconds", "The longest hold on the call, in seconds"),
            "language" => ("caller_language", "The caller's language"),
            "agent" => ("agent", "The agent who had the call"),
            _ => (
                "recent_turns",
                "The caller's last turns before the escalation",
            ),
        };
        fields.push(ContextField::text(name, item.label, tooltip, &item.value));
    }
    fields
}

/// Longest value of a call-context field (issue, recent turns…). Talkdesk documents no
/// limit for callback context fields (UNCONFIRMED); 255 characters is what a card shows
/// without scrolling on most platforms, and what the other fields stay under.
pub const CONTEXT_FIELD_MAX_CHARS: usize = 255;

/// `POST /calls/callback`: Talkdesk offers the callback to agents like an incoming call,
/// then dials the contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectCallback {
    /// The account's number the contact sees (E.164): `refs["talkdesk_phone_number"]`.
    pub talkdesk_phone_number: String,
    /// The number to call back (E.164).
    pub contact_phone_number: String,
    pub fields: Vec<ContextField>,
}

impl DirectCallback {
    pub fn with_briefing(talkdesk_number: &str, contact_number: &str, b: &Briefing) -> Self {
        Self {
            talkdesk_phone_number: talkdesk_number.to_string(),
            contact_phone_number: contact_number.to_string(),
            fields: briefing_fields(b),
        }
    }

    /// The request body; both numbers normalized to E.164 (required by Talkdesk) and empty
    /// fields dropped (a blank value shows nothing and may be refused).
    pub fn body(&self) -> Result<Value, CallError> {
        let fields: Vec<&ContextField> = self
            .fields
            .iter()
            .filter(|f| !f.value.trim().is_empty() && !f.name.trim().is_empty())
            .collect();
        let mut body = json!({
            "talkdesk_phone_number": e164("talkdesk_phone_number", &self.talkdesk_phone_number)?,
            "contact_phone_number": e164("contact_phone_number", &self.contact_phone_number)?,
        });
        if !fields.is_empty() {
            body["context"] = json!({ "fields": fields });
        }
        Ok(body)
    }
}

/// `assign_type` of a scheduled callback (§3b). `SpecificRingGroup` appears only in the
/// update reference; anything else Talkdesk returns is kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignType {
    MyselfOnly,
    SpecificAgent,
    SpecificQueue,
    SpecificRingGroup,
    MyselfIfAvailable,
    AnyEligibleAgent,
    Other(String),
}

impl AssignType {
    pub fn as_str(&self) -> &str {
        match self {
            AssignType::MyselfOnly => "MYSELF_ONLY",
            AssignType::SpecificAgent => "SPECIFIC_AGENT",
            AssignType::SpecificQueue => "SPECIFIC_QUEUE",
            AssignType::SpecificRingGroup => "SPECIFIC_RING_GROUP",
            AssignType::MyselfIfAvailable => "MYSELF_IF_AVAILABLE",
            AssignType::AnyEligibleAgent => "ANY_ELIGIBLE_AGENT",
            AssignType::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "MYSELF_ONLY" => AssignType::MyselfOnly,
            "SPECIFIC_AGENT" => AssignType::SpecificAgent,
            "SPECIFIC_QUEUE" => AssignType::SpecificQueue,
            "SPECIFIC_RING_GROUP" => AssignType::SpecificRingGroup,
            "MYSELF_IF_AVAILABLE" => AssignType::MyselfIfAvailable,
            "ANY_ELIGIBLE_AGENT" => AssignType::AnyEligibleAgent,
            _ => AssignType::Other(s.trim().to_string()),
        }
    }
}

impl fmt::Display for AssignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who takes a scheduled callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// A queue (a ring group: the team's `queue_id` in Escalator's config).
    Queue(String),
    Agent {
        agent_id: String,
        ring_group: Option<String>,
    },
    AnyEligibleAgent,
}

impl Assignment {
    /// A team's destination as an assignment. An address or an unmapped team cannot take a
    /// scheduled callback: `Unactionable`, so the fallback chain moves on.
    pub fn from_destination(d: &Destination) -> Result<Self, CallError> {
        match d {
            Destination::Queue { id, .. } => Ok(Assignment::Queue(id.clone())),
            Destination::Agent { id } => Ok(Assignment::Agent {
                agent_id: id.clone(),
                ring_group: None,
            }),
            Destination::Address { .. } => Err(CallError::Unactionable(
                "a Talkdesk scheduled callback goes to a queue or an agent, not an address".into(),
            )),
            Destination::Unmapped => Err(CallError::Unactionable(
                "the team has no Talkdesk queue or agent".into(),
            )),
        }
    }

    pub fn assign_type(&self) -> AssignType {
        match self {
            Assignment::Queue(_) => AssignType::SpecificQueue,
            Assignment::Agent { .. } => AssignType::SpecificAgent,
            Assignment::AnyEligibleAgent => AssignType::AnyEligibleAgent,
        }
    }
}

/// The two published readings of a scheduled callback's body (vendor doc §3b). Talkdesk's
/// OpenAPI (`createScheduledCallback`) has `assign_type: SPECIFIC_QUEUE`,
/// `from_call_type: API` and `queues: [{queue}]`; its API reference pages
/// (docs.talkdesk.com/reference/update-a-callback, …/cancel-a-callback-) list
/// `SPECIFIC_RING_GROUP`, `INBOUND | MANUAL_OUTBOUND | PROACTIVE_OUTBOUND` and
/// `ring_groups: [{ring_group}]`, and the support article speaks of "queue(s)/ring
/// group(s)". Which one the create validates is UNCONFIRMED, so both are sent in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScheduleReading {
    #[default]
    OpenApi,
    Reference,
}

impl ScheduleReading {
    pub fn other(self) -> Self {
        match self {
            ScheduleReading::OpenApi => ScheduleReading::Reference,
            ScheduleReading::Reference => ScheduleReading::OpenApi,
        }
    }
}

/// `POST /schedule-callbacks` (`createScheduledCallback`, §3b).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledCallbackRequest {
    /// The interaction the callback follows up; sent as `""` when unknown (allowed).
    pub interaction_id: Option<String>,
    /// The account's number shown to the contact (E.164): `refs["talkdesk_phone_number"]`.
    pub caller_id: String,
    /// The number to call (E.164).
    pub phone_number: String,
    pub time_to_call: Timestamp,
    /// IANA zone name; Talkdesk requires one. `time_to_call` is sent in UTC regardless.
    pub timezone: String,
    pub assignment: Assignment,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `record_extra_data`: the briefing, readable back when the callback is listed.
    pub extra_data: BTreeMap<String, String>,
    pub description: Option<String>,
}

impl ScheduledCallbackRequest {
    /// A callback for `target`'s team at `at` (UTC), carrying the briefing in
    /// `record_extra_data` (keys as in [`briefing_fields`]) and a one-line `description`.
    pub fn for_target(
        interaction_id: Option<&str>,
        caller_id: &str,
        phone_number: &str,
        at: Timestamp,
        target: &Target,
        b: &Briefing,
    ) -> Result<Self, CallError> {
        let extra_data = briefing_fields(b)
            .into_iter()
            .map(|f| (f.name, f.value))
            .chain([
                ("escalation_rule".to_string(), b.rule_id.clone()),
                ("escalation_team".to_string(), target.team.clone()),
            ])
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        Ok(Self {
            interaction_id: interaction_id.map(str::to_string),
            caller_id: caller_id.to_string(),
            phone_number: phone_number.to_string(),
            time_to_call: at,
            timezone: "UTC".to_string(),
            assignment: Assignment::from_destination(&target.destination)?,
            first_name: None,
            last_name: None,
            extra_data,
            description: Some(briefing_line(b)),
        })
    }

    /// The request body in the OpenAPI's reading ([`ScheduleReading::OpenApi`]).
    pub fn body(&self) -> Result<Value, CallError> {
        self.body_as(ScheduleReading::OpenApi)
    }

    /// The request body in `reading` (§3b: the two public sources disagree), with
    /// `dialing_model: PREVIEW` as the support article prescribes for API-made callbacks.
    pub fn body_as(&self, reading: ScheduleReading) -> Result<Value, CallError> {
        if self.timezone.trim().is_empty() {
            return Err(CallError::Unactionable(
                "a scheduled callback needs a timezone".into(),
            ));
        }
        let assign_type = match (&self.assignment, reading) {
            (Assignment::Queue(_), ScheduleReading::Reference) => AssignType::SpecificRingGroup,
            (a, _) => a.assign_type(),
        };
        let from_call_type = match reading {
            ScheduleReading::OpenApi => "API",
            // The call the callback follows up: Escalator books it during an inbound call.
            ScheduleReading::Reference => "INBOUND",
        };
        let mut body = json!({
            "interaction_id": self.interaction_id.clone().unwrap_or_default(),
            "caller_id": e164("caller_id", &self.caller_id)?,
            "time_to_call": utc(self.time_to_call),
            "timezone": self.timezone.trim(),
            "assign_type": assign_type.as_str(),
            "from_call_type": from_call_type,
            "dialing_model": "PREVIEW",
            "phone_number": e164("phone_number", &self.phone_number)?,
        });
        match &self.assignment {
            Assignment::Queue(q) => {
                nonempty("queue", q)?;
                match reading {
                    ScheduleReading::OpenApi => body["queues"] = json!([{ "queue": q }]),
                    ScheduleReading::Reference => {
                        body["ring_groups"] = json!([{ "ring_group": q }])
                    }
                }
            }
            Assignment::Agent {
                agent_id,
                ring_group,
            } => {
                nonempty("agent_id", agent_id)?;
                let mut agent = json!({ "agent_id": agent_id });
                if let Some(rg) = ring_group {
                    agent["ring_group"] = Value::String(rg.clone());
                }
                body["agents"] = json!([agent]);
            }
            Assignment::AnyEligibleAgent => {}
        }
        let optional = [
            ("record_first_name", &self.first_name),
            ("record_last_name", &self.last_name),
            ("description", &self.description),
        ];
        for (key, value) in optional {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                body[key] = Value::String(v.to_string());
            }
        }
        if !self.extra_data.is_empty() {
            body["record_extra_data"] = json!(self.extra_data);
        }
        Ok(body)
    }
}

fn nonempty(what: &str, v: &str) -> Result<(), CallError> {
    if v.trim().is_empty() {
        Err(CallError::Unactionable(format!("{what} is empty")))
    } else {
        Ok(())
    }
}

/// One line for a callback's description.
fn briefing_line(b: &Briefing) -> String {
    let mut line = format!("{}: {}", b.reference, b.reason);
    if let Some(s) = b
        .context
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        line.push_str(&format!(". Issue: {}", s.trim()));
    }
    if let Some(q) = b.quote.as_deref().filter(|q| !q.trim().is_empty()) {
        line.push_str(&format!(". Caller said: \"{q}\""));
    }
    line.push_str(&format!(". Caller verified: {}", verified_text(b.verified)));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BriefingContext;

    fn briefing(context: BriefingContext) -> Briefing {
        Briefing {
            reference: "ESC-1".into(),
            tier: "supervisor".into(),
            reason: "supervisor_request".into(),
            quote: Some("Get me a manager".into()),
            context,
            ..Default::default()
        }
    }

    #[test]
    fn the_call_context_is_shown_as_fields_within_the_limit() {
        let b = briefing(BriefingContext {
            summary: Some(format!("My bill doubled. {}", "blah ".repeat(200))),
            recent_turns: vec!["It doubled.".into(), "Get me a manager".into()],
            prior_calls: 3,
            amounts: vec!["$600".into()],
            ..Default::default()
        });
        let fields = briefing_fields(&b);
        let get = |n: &str| fields.iter().find(|f| f.name == n).map(|f| f.value.clone());
        let issue = get("issue_summary").unwrap_or_default();
        assert!(issue.starts_with("My bill doubled."), "{issue}");
        assert_eq!(issue.chars().count(), CONTEXT_FIELD_MAX_CHARS);
        assert!(issue.ends_with('…'));
        assert_eq!(
            get("recent_turns").as_deref(),
            Some("\"It doubled.\" / \"Get me a manager\"")
        );
        assert_eq!(get("prior_calls").as_deref(), Some("3"));
        assert_eq!(get("amounts").as_deref(), Some("$600"));
        assert_eq!(get("heard_given"), None);
        assert!(fields.iter().all(
            |f| f.value.chars().count() <= CONTEXT_FIELD_MAX_CHARS || f.name == "caller_quote"
        ));
        assert!(briefing_line(&b).starts_with("ESC-1: supervisor_request. Issue: My bill doubled."));
        // Without context: the fields as before.
        assert!(briefing_fields(&briefing(BriefingContext::default()))
            .iter()
            .all(|f| f.name != "issue_summary"));
    }
}
