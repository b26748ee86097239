//! Reading, listing and changing scheduled callbacks (vendor doc §3b).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{json, Value};

use super::callback::AssignType;
use super::response::{e164, first, first_text, scalar, timestamp, utc};
use crate::outbound::CallError;

/// `status` of a listed callback (§3b).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackStatus {
    Queued,
    Unattempted,
    ToBeRetried,
    Exhausted,
    Success,
    Canceled,
    InvalidNumber,
    Other(String),
}

impl CallbackStatus {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "QUEUED" => CallbackStatus::Queued,
            "UNATTEMPTED" => CallbackStatus::Unattempted,
            "TO_BE_RETRIED" => CallbackStatus::ToBeRetried,
            "EXHAUSTED" => CallbackStatus::Exhausted,
            "SUCCESS" => CallbackStatus::Success,
            "CANCELED" | "CANCELLED" => CallbackStatus::Canceled,
            "INVALID_NUMBER" => CallbackStatus::InvalidNumber,
            _ => CallbackStatus::Other(s.trim().to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            CallbackStatus::Queued => "QUEUED",
            CallbackStatus::Unattempted => "UNATTEMPTED",
            CallbackStatus::ToBeRetried => "TO_BE_RETRIED",
            CallbackStatus::Exhausted => "EXHAUSTED",
            CallbackStatus::Success => "SUCCESS",
            CallbackStatus::Canceled => "CANCELED",
            CallbackStatus::InvalidNumber => "INVALID_NUMBER",
            CallbackStatus::Other(s) => s,
        }
    }

    /// Still going to be dialled: can be rescheduled or cancelled.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            CallbackStatus::Queued | CallbackStatus::Unattempted | CallbackStatus::ToBeRetried
        )
    }
}

/// A scheduled callback as Talkdesk returns it (create, get, list items).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledCallback {
    pub callback_id: String,
    pub interaction_id: Option<String>,
    /// Present on list items; the create response may omit it.
    pub status: Option<CallbackStatus>,
    pub time_to_call: Option<Timestamp>,
    pub timezone: Option<String>,
    pub assign_type: Option<AssignType>,
    /// `queues[].queue`, or the older `ring_groups[].ring_group`.
    pub queues: Vec<String>,
    pub agents: Vec<String>,
    pub phone_number: Option<String>,
    pub caller_id: Option<String>,
    pub extra_data: BTreeMap<String, String>,
    pub self_href: Option<String>,
}

impl ScheduledCallback {
    /// `None` when the object has no id: not a callback.
    pub fn from_json(v: &Value) -> Option<Self> {
        let callback_id = first_text(v, &["callback_id", "callbackId", "id"])?;
        let list = |keys: &[&str], inner: &[&str]| -> Vec<String> {
            first(v, keys)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|item| scalar(item).or_else(|| first_text(item, inner)))
                .collect()
        };
        let mut queues = list(&["queues"], &["queue", "id", "name"]);
        queues.extend(list(
            &["ring_groups", "ringGroups"],
            &["ring_group", "ringGroup"],
        ));
        let extra_data = first(v, &["record_extra_data", "recordExtraData"])
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, x)| scalar(x).map(|s| (k.clone(), s)))
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            callback_id,
            interaction_id: first_text(v, &["interaction_id", "interactionId"]),
            status: first_text(v, &["status"]).map(|s| CallbackStatus::parse(&s)),
            time_to_call: first(v, &["time_to_call", "timeToCall"]).and_then(timestamp),
            timezone: first_text(v, &["timezone", "timeZone"]),
            assign_type: first_text(v, &["assign_type_v2", "assign_type", "assignType"])
                .map(|s| AssignType::parse(&s)),
            queues,
            agents: list(&["agents"], &["agent_id", "agentId", "id"]),
            phone_number: first_text(v, &["phone_number", "phoneNumber"]),
            caller_id: first_text(v, &["caller_id", "callerId"]),
            extra_data,
            self_href: v["_links"]["self"]["href"].as_str().map(str::to_string),
        })
    }

    /// The Escalator reference this callback was created for, when it was ours.
    pub fn reference(&self) -> Option<&str> {
        self.extra_data
            .get("escalation_reference")
            .map(String::as_str)
    }
}

/// Filters of `GET /schedule-callbacks` (`listScheduledCallbacks`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackQuery {
    pub phone_number: Option<String>,
    pub status: Option<String>,
    pub agent_id: Option<String>,
    pub queue: Option<String>,
    pub from_call_type: Option<String>,
    pub start_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl CallbackQuery {
    pub(super) fn pairs(&self) -> Result<Vec<(&'static str, String)>, CallError> {
        let mut out = Vec::new();
        if let Some(n) = &self.phone_number {
            out.push(("phone_number", e164("phone_number", n)?));
        }
        let texts = [
            ("status", &self.status),
            ("agent_id", &self.agent_id),
            ("queue", &self.queue),
            ("from_call_type", &self.from_call_type),
        ];
        for (k, v) in texts {
            if let Some(v) = v {
                out.push((k, v.clone()));
            }
        }
        for (k, v) in [("start_time", self.start_time), ("end_time", self.end_time)] {
            if let Some(t) = v {
                out.push((k, utc(t)));
            }
        }
        for (k, v) in [("page", self.page), ("per_page", self.per_page)] {
            if let Some(n) = v {
                out.push((k, n.to_string()));
            }
        }
        Ok(out)
    }
}

/// One page of `GET /schedule-callbacks` (HAL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallbackPage {
    pub callbacks: Vec<ScheduledCallback>,
    pub page: Option<u64>,
    pub total: Option<u64>,
    pub total_pages: Option<u64>,
    /// `_links.next` is present.
    pub has_next: bool,
    /// Whether the answer was a list at all (an array of callbacks was found, or it said
    /// `total: 0`). A page that is not cannot say a callback is absent.
    pub readable: bool,
    /// Items of the list that are not callbacks (no id): a page with any cannot say a
    /// callback is absent either.
    pub unreadable_items: usize,
}

impl CallbackPage {
    /// The list is read from `_embedded` (whatever its key), else a top-level `callbacks`,
    /// `items` or `data` array, else a bare array: the HAL key is not documented.
    pub(super) fn from_json(v: &Value) -> Self {
        let embedded = v["_embedded"]
            .as_object()
            .and_then(|m| m.values().find_map(Value::as_array));
        let items = embedded
            .or_else(|| v["callbacks"].as_array())
            .or_else(|| v["items"].as_array())
            .or_else(|| v["data"].as_array())
            .or_else(|| v.as_array());
        let number = |k: &str| v[k].as_u64().or_else(|| v[k].as_str()?.parse().ok());
        let total = number("total").or_else(|| number("count"));
        let listed = items.map(Vec::len).unwrap_or(0);
        let callbacks: Vec<ScheduledCallback> = items
            .into_iter()
            .flatten()
            .filter_map(ScheduledCallback::from_json)
            .collect();
        Self {
            unreadable_items: listed - callbacks.len(),
            callbacks,
            page: number("page"),
            total,
            total_pages: number("total_pages"),
            has_next: !v["_links"]["next"].is_null(),
            readable: items.is_some() || total == Some(0),
        }
    }
}

/// How JSON-Patch paths are spelled. The update reference's example is camelCase
/// (`/timeToCall`) while the create schema is snake_case: UNCONFIRMED which one the PATCH
/// validates, so the client lets configuration choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PatchPaths {
    /// As the update reference's example (the default).
    #[default]
    CamelCase,
    SnakeCase,
}

/// One change to a scheduled callback (`PATCH /schedule-callbacks/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackChange {
    TimeToCall(Timestamp),
    Timezone(String),
    AssignType(AssignType),
    Description(String),
    /// Any other `replace`, path and value sent as given.
    Replace {
        path: String,
        value: Value,
    },
}

impl CallbackChange {
    pub(super) fn op(&self, style: PatchPaths) -> Value {
        let camel = style == PatchPaths::CamelCase;
        let (path, value) = match self {
            CallbackChange::TimeToCall(t) => (
                if camel {
                    "/timeToCall"
                } else {
                    "/time_to_call"
                }
                .to_string(),
                Value::String(utc(*t)),
            ),
            CallbackChange::Timezone(z) => ("/timezone".to_string(), Value::String(z.clone())),
            CallbackChange::AssignType(a) => (
                if camel { "/assignType" } else { "/assign_type" }.to_string(),
                Value::String(a.as_str().to_string()),
            ),
            CallbackChange::Description(d) => {
                ("/description".to_string(), Value::String(d.clone()))
            }
            CallbackChange::Replace { path, value } => (path.clone(), value.clone()),
        };
        json!({ "op": "replace", "path": path, "value": value })
    }
}
