//! Callbacks (vendor doc §3). NCC has no REST call that creates one; the two mechanisms an
//! integration can drive are an outbound (dialer) list's lead upsert and a webform into a
//! dedicated callback campaign whose workflow runs `acdcallbackfromexpression`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{parse_json, path_id, NextivaClient};
use crate::outbound::CallError;
use crate::Briefing;

/// One lead of an outbound list. Field names are defined per list (§3.3), so a lead is a
/// flat JSON object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Lead(pub BTreeMap<String, Value>);

impl Lead {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }
}

/// How the list wants phone numbers (UNCONFIRMED: the one real example, and Nextiva's
/// callback template, use ten US digits; NCC reports `from` as `+1…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhoneFormat {
    /// As given (E.164 from the intake).
    #[default]
    AsGiven,
    /// The last ten digits (US/Canada national number).
    TenDigits,
}

/// How a callback time is written into its lead field (UNCONFIRMED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScheduledFormat {
    #[default]
    Rfc3339,
    EpochMillis,
}

/// Which lead field carries what: set per outbound list. `None` leaves a value out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFields {
    pub phone: String,
    pub phone_format: PhoneFormat,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The escalation reference: lets an upsert match the lead again.
    pub reference: Option<String>,
    /// The briefing line for the agent who calls back.
    pub note: Option<String>,
    pub scheduled_at: Option<String>,
    pub scheduled_format: ScheduledFormat,
}

impl Default for LeadFields {
    /// The field names of the one real list seen (§3.3).
    fn default() -> Self {
        Self {
            phone: "phone".into(),
            phone_format: PhoneFormat::default(),
            first_name: Some("first_name".into()),
            last_name: Some("last_name".into()),
            reference: None,
            note: None,
            scheduled_at: None,
            scheduled_format: ScheduledFormat::default(),
        }
    }
}

/// What Escalator knows about a callback, before it is mapped onto a list's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackLead {
    pub phone: String,
    pub caller_name: Option<String>,
    pub reference: String,
    pub note: String,
    pub scheduled_at: Option<Timestamp>,
    /// Further list fields, written as given (after the mapped ones, so they can override).
    pub extra: BTreeMap<String, Value>,
}

impl CallbackLead {
    pub fn from_briefing(phone: &str, briefing: &Briefing, at: Option<Timestamp>) -> Self {
        Self {
            phone: phone.to_string(),
            caller_name: briefing.caller_name.clone(),
            reference: briefing.reference.clone(),
            note: briefing_line(briefing),
            scheduled_at: at,
            extra: BTreeMap::new(),
        }
    }
}

impl LeadFields {
    /// The lead as the list reads it; `Unactionable` when the number cannot be dialled.
    pub fn render(&self, lead: &CallbackLead) -> Result<Lead, CallError> {
        let mut out = Lead::new().field(&self.phone, phone(&lead.phone, self.phone_format)?);
        if let Some(name) = lead.caller_name.as_deref().map(str::trim) {
            let (first, last) = match name.rsplit_once(' ') {
                Some((first, last)) => (first.trim(), last.trim()),
                None => (name, ""),
            };
            for (field, value) in [(&self.first_name, first), (&self.last_name, last)] {
                if let (Some(f), false) = (field, value.is_empty()) {
                    out = out.field(f, value);
                }
            }
        }
        if let Some(f) = &self.reference {
            out = out.field(f, lead.reference.as_str());
        }
        if let Some(f) = &self.note {
            out = out.field(f, lead.note.as_str());
        }
        if let (Some(f), Some(at)) = (&self.scheduled_at, lead.scheduled_at) {
            out = match self.scheduled_format {
                ScheduledFormat::Rfc3339 => out.field(f, at.to_string()),
                ScheduledFormat::EpochMillis => out.field(f, at.as_millisecond()),
            };
        }
        for (k, v) in &lead.extra {
            out = out.field(k, v.clone());
        }
        Ok(out)
    }
}

fn phone(number: &str, format: PhoneFormat) -> Result<String, CallError> {
    let n = number.trim();
    let digits: String = n.chars().filter(char::is_ascii_digit).collect();
    let well_formed = n.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || (i == 0 && c == '+') || matches!(c, ' ' | '-' | '(' | ')')
    });
    if !well_formed || digits.len() < 7 || digits.len() > 15 {
        return Err(CallError::Unactionable(
            "the callback number is not a phone number".into(),
        ));
    }
    match format {
        PhoneFormat::AsGiven => Ok(n.to_string()),
        PhoneFormat::TenDigits if digits.len() >= 10 => Ok(digits[digits.len() - 10..].to_string()),
        PhoneFormat::TenDigits => Err(CallError::Unactionable(
            "the callback number has fewer than ten digits".into(),
        )),
    }
}

/// Longest note written to a callback lead (NCC documents no limit: UNCONFIRMED).
pub const NOTE_MAX_CHARS: usize = 1000;

/// The lead's note: reference, tier and reason, the caller's words, then the call's
/// context ("Issue: … | Prior calls: 2 | …"); the context is cut first.
fn briefing_line(b: &Briefing) -> String {
    let mut line = format!("{} [{}] {}", b.reference, b.tier, b.reason);
    if let Some(q) = &b.quote {
        line.push_str(&format!(" - \"{q}\""));
    }
    let head = crate::briefing_text::cut(&line, NOTE_MAX_CHARS);
    let room = NOTE_MAX_CHARS.saturating_sub(head.chars().count() + 3);
    let context = b.context.line(room);
    if context.is_empty() {
        head
    } else {
        format!("{head} | {context}")
    }
}

/// What a lead upsert answered. The shape is undocumented: ids are collected from
/// `_id`/`id`/`leadId` wherever they appear at the top or under `objects`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpsertResult {
    pub lead_ids: Vec<String>,
    pub raw: Value,
}

/// A workitem start through `POST /workflows/api/webform` (§3.4).
#[derive(Debug, Clone, PartialEq)]
pub struct WebformRequest {
    pub campaign_id: String,
    /// `type`: `sms` is the one value seen; the value for a voice callback is UNCONFIRMED,
    /// so it is configuration.
    pub kind: String,
    /// `from`: the consumer's address (for a callback, the number to call back).
    pub from: Option<String>,
    /// `properties.toAddress` (SMS: the number to text).
    pub to_address: Option<String>,
    /// `consumerData`: what the campaign's workflow reads.
    pub consumer_data: BTreeMap<String, Value>,
}

impl WebformRequest {
    /// A callback into a dedicated callback campaign. The workflow finds the number in
    /// `workitem.from` (Nextiva's callback template) and in `callbackNumber`, the queue in
    /// `callbackQueueId`, and what to tell the agent in `escalationReference`/`briefing`.
    pub fn callback(
        campaign_id: &str,
        kind: &str,
        number: &str,
        queue_id: Option<&str>,
        briefing: &Briefing,
        at: Option<Timestamp>,
    ) -> Self {
        let mut data = BTreeMap::from([
            ("callbackNumber".to_string(), Value::from(number)),
            (
                "escalationReference".to_string(),
                Value::from(briefing.reference.as_str()),
            ),
            ("tier".to_string(), Value::from(briefing.tier.as_str())),
            ("reason".to_string(), Value::from(briefing.reason.as_str())),
            ("briefing".to_string(), Value::from(briefing_line(briefing))),
        ]);
        if let Some(q) = queue_id {
            data.insert("callbackQueueId".into(), Value::from(q));
        }
        if let Some(at) = at {
            data.insert("scheduledAt".into(), Value::from(at.to_string()));
        }
        Self {
            campaign_id: campaign_id.to_string(),
            kind: kind.to_string(),
            from: Some(number.to_string()),
            to_address: None,
            consumer_data: data,
        }
    }

    fn body(&self) -> Value {
        let mut body = Map::new();
        if let Some(from) = &self.from {
            body.insert("from".into(), Value::from(from.as_str()));
        }
        body.insert("campaignId".into(), Value::from(self.campaign_id.as_str()));
        body.insert("type".into(), Value::from(self.kind.as_str()));
        if let Some(to) = &self.to_address {
            body.insert("properties".into(), serde_json::json!({ "toAddress": to }));
        }
        body.insert(
            "consumerData".into(),
            Value::Object(self.consumer_data.clone().into_iter().collect()),
        );
        Value::Object(body)
    }
}

/// What a webform answered: the new workitem's id when the body names one.
#[derive(Debug, Clone, PartialEq)]
pub struct WebformResult {
    pub workitem_id: Option<String>,
    pub raw: Value,
}

impl NextivaClient {
    /// Adds or updates leads of an outbound list; the dialer then calls them back.
    pub async fn upsert_leads(
        &self,
        outbound_list_id: &str,
        leads: &[Lead],
    ) -> Result<UpsertResult, CallError> {
        let lid = path_id(outbound_list_id)?;
        if leads.is_empty() {
            return Err(CallError::Unactionable("no lead to upsert".into()));
        }
        let body = serde_json::to_value(leads)
            .map_err(|e| CallError::Unactionable(format!("lead body: {e}")))?;
        let response = self
            .send(
                Method::POST,
                // The trailing slash is part of the path in the only real example.
                &format!("/data/api/types/outboundlist/{lid}/leadsupsert/"),
                Some(&body),
            )
            .await?;
        let raw = parse_json(&response, "lead upsert").unwrap_or(Value::Null);
        Ok(UpsertResult {
            lead_ids: ids(&raw, &["_id", "id", "leadId"]),
            raw,
        })
    }

    /// Makes a lead dialable again (a fresh callback attempt on an existing lead).
    pub async fn reset_lead(&self, outbound_list_id: &str, lead_id: &str) -> Result<(), CallError> {
        let (lid, id) = (path_id(outbound_list_id)?, path_id(lead_id)?);
        self.send(
            Method::POST,
            &format!("/data/api/types/outboundlist/{lid}/resetlead/{id}"),
            None,
        )
        .await
        .map(drop)
    }

    /// Starts a workitem in a campaign. **Not idempotent**: every call starts another one.
    pub async fn start_webform(
        &self,
        request: &WebformRequest,
    ) -> Result<WebformResult, CallError> {
        // Checked like a path id: an id-shaped value, never free text.
        path_id(&request.campaign_id)?;
        if request.kind.trim().is_empty() {
            return Err(CallError::Unactionable(
                "the webform type is not configured".into(),
            ));
        }
        let response = self
            .send(
                Method::POST,
                "/workflows/api/webform",
                Some(&request.body()),
            )
            .await?;
        let raw = parse_json(&response, "webform").unwrap_or(Value::Null);
        Ok(WebformResult {
            workitem_id: ids(&raw, &["workitemId", "_id", "id"]).into_iter().next(),
            raw,
        })
    }
}

/// String ids under any of `keys`, at the top level, in a top-level array, or in `objects`.
fn ids(v: &Value, keys: &[&str]) -> Vec<String> {
    let items: Vec<&Value> = match v {
        Value::Array(list) => list.iter().collect(),
        Value::Object(o) => match o.get("objects").and_then(Value::as_array) {
            Some(list) => list.iter().collect(),
            None => vec![v],
        },
        _ => vec![],
    };
    items
        .into_iter()
        .filter_map(|item| {
            keys.iter()
                .find_map(|k| item.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn briefing() -> Briefing {
        Briefing {
            reference: "ESC-1".into(),
            tier: "legal".into(),
            reason: "legal threat".into(),
            rule_id: "r1".into(),
            quote: Some("my lawyer".into()),
            utterance_id: None,
            caller_name: Some("Dana M. Reyes".into()),
            verified: Some(true),
            context: Default::default(),
        }
    }

    #[test]
    fn a_callback_lead_is_mapped_onto_the_lists_fields() {
        let at: Timestamp = "2026-06-01T15:30:00Z".parse().unwrap();
        let lead = CallbackLead::from_briefing("+1 (239) 999-9999", &briefing(), Some(at));
        let fields = LeadFields {
            phone_format: PhoneFormat::TenDigits,
            reference: Some("contactId".into()),
            note: Some("notes".into()),
            scheduled_at: Some("followUp_timestampt".into()),
            scheduled_format: ScheduledFormat::EpochMillis,
            ..LeadFields::default()
        };
        let v = serde_json::to_value(fields.render(&lead).unwrap()).unwrap();
        assert_eq!(
            v,
            json!({"phone": "2399999999", "first_name": "Dana M.", "last_name": "Reyes",
                   "contactId": "ESC-1", "notes": "ESC-1 [legal] legal threat - \"my lawyer\"",
                   "followUp_timestampt": 1780327800000_i64})
        );
        let plain = LeadFields::default().render(&lead).unwrap();
        assert_eq!(plain.0["phone"], "+1 (239) 999-9999");
        assert!(!plain.0.contains_key("contactId"));
    }

    #[test]
    fn the_note_carries_the_call_context_within_its_limit() {
        let mut b = briefing();
        b.context = crate::BriefingContext {
            summary: Some("I'm calling about my claim, it was denied.".into()),
            prior_calls: 2,
            ..Default::default()
        };
        assert_eq!(
            briefing_line(&b),
            "ESC-1 [legal] legal threat - \"my lawyer\" | Issue: I'm calling about my claim, it \
             was denied. | Prior calls: 2"
        );
        b.quote = Some("q".repeat(2000));
        b.context.summary = Some("s".repeat(2000));
        assert_eq!(briefing_line(&b).chars().count(), NOTE_MAX_CHARS);
        b.quote = Some("q".repeat(900));
        let line = briefing_line(&b);
        assert!(line.chars().count() <= NOTE_MAX_CHARS);
        assert!(line.contains("| Issue: sss"), "{line}");
    }

    #[test]
    fn undialable_numbers_are_unactionable() {
        for bad in ["", "anonymous", "12", "+1 239 999 99x9", "1+2399999999"] {
            assert!(phone(bad, PhoneFormat::AsGiven).is_err(), "{bad}");
        }
        assert!(phone("2399999", PhoneFormat::TenDigits).is_err());
    }

    #[test]
    fn ids_are_found_in_the_plausible_shapes() {
        assert_eq!(
            ids(&json!([{"_id": "a"}, {"id": "b"}]), &["_id", "id"]),
            ["a", "b"]
        );
        assert_eq!(
            ids(&json!({"objects": [{"leadId": "c"}]}), &["leadId"]),
            ["c"]
        );
        assert_eq!(ids(&json!({"workitemId": "w"}), &["workitemId"]), ["w"]);
        assert!(ids(&json!("ok"), &["_id"]).is_empty());
    }
}
