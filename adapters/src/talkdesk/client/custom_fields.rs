//! Reporting custom fields on an interaction (vendor doc §4).

use jiff::Timestamp;
use serde_json::{json, Map, Value};

use super::response::{path_id, utc};
use crate::outbound::CallError;
use crate::Briefing;

/// `POST /interaction-custom-fields` (§4): reporting fields Explore shows, not a live
/// screen pop. Slots are the account's own; [`CustomFields::escalation`] is one layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomFields {
    pub interaction_id: String,
    /// `text_field_1..4`.
    pub text: [Option<String>; 4],
    /// `numeric_field_1..4`.
    pub numeric: [Option<i64>; 4],
    pub timestamp_field_1: Option<Timestamp>,
}

impl CustomFields {
    /// text 1 = tier, 2 = reason, 3 = reference, 4 = rule id; numeric 1 = 1 (escalated);
    /// timestamp = when it was escalated.
    pub fn escalation(interaction_id: &str, b: &Briefing, at: Timestamp) -> Self {
        Self {
            interaction_id: interaction_id.to_string(),
            text: [
                Some(b.tier.clone()),
                Some(b.reason.clone()),
                Some(b.reference.clone()),
                Some(b.rule_id.clone()),
            ],
            numeric: [Some(1), None, None, None],
            timestamp_field_1: Some(at),
        }
    }

    pub fn body(&self) -> Result<Value, CallError> {
        let id = path_id("interaction_id", &self.interaction_id)?;
        let mut body = Map::new();
        body.insert("interaction_id".into(), Value::String(id.to_string()));
        for (i, t) in self.text.iter().enumerate() {
            if let Some(t) = t {
                body.insert(format!("text_field_{}", i + 1), Value::String(t.clone()));
            }
        }
        for (i, n) in self.numeric.iter().enumerate() {
            if let Some(n) = n {
                body.insert(format!("numeric_field_{}", i + 1), json!(n));
            }
        }
        if let Some(t) = self.timestamp_field_1 {
            body.insert("timestamp_field_1".into(), Value::String(utc(t)));
        }
        Ok(Value::Object(body))
    }
}

/// Talkdesk's answer to `POST /interaction-custom-fields`: `{code, message}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomFieldsAck {
    pub code: Option<String>,
    pub message: Option<String>,
}
