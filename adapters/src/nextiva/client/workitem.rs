//! The workitem as the REST API returns it (`Workitem` schema, vendor doc §1b): read
//! leniently, since only the schema's field names are documented, not their presence.

use serde_json::Value;

/// Where the workitem is. Only `active`, `hold` and `inqueue` are documented; any other
/// value is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkitemState {
    Active,
    Hold,
    InQueue,
    Other(String),
    /// The answer had no `state`.
    Missing,
}

impl WorkitemState {
    fn parse(s: Option<&str>) -> Self {
        match s.map(str::trim) {
            None | Some("") => WorkitemState::Missing,
            Some(s) => match s.to_ascii_lowercase().as_str() {
                "active" => WorkitemState::Active,
                "hold" => WorkitemState::Hold,
                "inqueue" => WorkitemState::InQueue,
                _ => WorkitemState::Other(s.to_string()),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workitem {
    /// `_id` (the internal id).
    pub id: Option<String>,
    /// `workitemId`: what the call-control paths and our templates use.
    pub workitem_id: Option<String>,
    pub state: WorkitemState,
    pub channel_type: Option<String>,
    /// `type`, e.g. `InboundCall`.
    pub kind: Option<String>,
    /// 1–5, 5 highest.
    pub priority: Option<u8>,
    pub agent_username: Option<String>,
    pub created_at_ms: Option<i64>,
    pub modified_at_ms: Option<i64>,
    /// The whole answer, for fields the schema does not list (`data.queueId`, …).
    pub raw: Value,
}

impl Workitem {
    pub(super) fn from_value(raw: Value) -> Self {
        let s = |k: &str| {
            raw.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Self {
            id: s("_id"),
            workitem_id: s("workitemId"),
            state: WorkitemState::parse(raw.get("state").and_then(Value::as_str)),
            channel_type: s("channelType"),
            kind: s("type"),
            priority: number(raw.get("priority"))
                .and_then(|p| u8::try_from(p).ok())
                .filter(|p| (1..=5).contains(p)),
            agent_username: s("agentUsername"),
            created_at_ms: number(raw.get("createdAt")),
            modified_at_ms: number(raw.get("modifiedAt")),
            raw,
        }
    }

    /// Changed after `at_ms` (epoch ms), e.g. after a transfer attempt whose outcome is
    /// unknown. `None` when NCC did not say.
    pub fn modified_since(&self, at_ms: i64) -> Option<bool> {
        self.modified_at_ms.map(|m| m > at_ms)
    }
}

/// A page of `GET /data/api/types/workitem` (`{count, total, objects}`).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkitemPage {
    pub total: u64,
    pub objects: Vec<Workitem>,
}

impl WorkitemPage {
    pub(super) fn from_value(v: &Value) -> Self {
        let objects: Vec<Workitem> = v
            .get("objects")
            .and_then(Value::as_array)
            .map(|list| list.iter().cloned().map(Workitem::from_value).collect())
            .unwrap_or_default();
        let total = number(v.get("total"))
            .and_then(|t| u64::try_from(t).ok())
            .unwrap_or(objects.len() as u64);
        Self { total, objects }
    }
}

/// An integer sent as a JSON number or a numeric string.
fn number(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_schema_fields_leniently() {
        let w = Workitem::from_value(json!({
            "_id": "m1", "workitemId": "w1", "state": "InQueue", "channelType": "voice",
            "type": "InboundCall", "priority": "5", "agentUsername": "jsmith",
            "createdAt": 1773957600000_i64, "modifiedAt": 1773957621482.0
        }));
        assert_eq!(w.id.as_deref(), Some("m1"));
        assert_eq!(w.state, WorkitemState::InQueue);
        assert_eq!(w.priority, Some(5));
        assert_eq!(w.modified_at_ms, Some(1773957621482));
        assert_eq!(w.modified_since(1773957600000), Some(true));
        let bare = Workitem::from_value(json!({"state": "wrapup", "priority": 9}));
        assert_eq!(bare.state, WorkitemState::Other("wrapup".into()));
        assert_eq!(bare.priority, None);
        assert_eq!(bare.modified_since(0), None);
        assert_eq!(
            Workitem::from_value(json!({})).state,
            WorkitemState::Missing
        );
    }

    #[test]
    fn pages_default_their_total() {
        let p = WorkitemPage::from_value(&json!({"objects": [{"workitemId": "a"}]}));
        assert_eq!(p.total, 1);
        assert_eq!(WorkitemPage::from_value(&json!(null)).objects, vec![]);
    }
}
