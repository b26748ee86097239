//! Reading back a callback Genesys holds: `GET /api/v2/conversations/callbacks/{id}` returns
//! the `CallbackConversation`, whose participants say whether an agent took the callback
//! and whether it has ended (vendor doc §3).

use reqwest::Method;
use serde_json::Value;

use super::client::{path_id, GenesysClient};
use crate::outbound::CallError;

/// Where a callback conversation stands, from its participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackProgress {
    /// An agent (or user) participant connected: someone took the callback.
    pub agent_connected: bool,
    /// Every participant is disconnected or terminated.
    pub ended: bool,
    /// The customer side's `disconnectType` once it left (e.g. `client`, `endpoint`).
    pub disconnect_type: Option<String>,
}

impl CallbackProgress {
    pub fn from_conversation(conversation: &Value) -> Self {
        let participants = conversation["participants"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let gone = |p: &Value| {
            matches!(p["state"].as_str(), Some("disconnected" | "terminated"))
                || p["endTime"].as_str().is_some()
        };
        let agent_connected = participants.iter().any(|p| {
            matches!(p["purpose"].as_str(), Some("agent" | "user"))
                && p["connectedTime"].as_str().is_some()
        });
        let disconnect_type = participants
            .iter()
            .find(|p| matches!(p["purpose"].as_str(), Some("customer" | "external")))
            .and_then(|p| p["disconnectType"].as_str())
            .map(str::to_string);
        Self {
            agent_connected,
            ended: !participants.is_empty() && participants.iter().all(gone),
            disconnect_type,
        }
    }
}

impl GenesysClient {
    /// The callback conversation `conversation_id`; `None` when Genesys has no such
    /// conversation (404).
    pub async fn callback_progress(
        &self,
        conversation_id: &str,
    ) -> Result<Option<CallbackProgress>, CallError> {
        let cid = path_id(conversation_id)?;
        let body = match self
            .send(
                Method::GET,
                &format!("/api/v2/conversations/callbacks/{cid}"),
                None,
            )
            .await
        {
            Ok(body) => body,
            Err(CallError::Permanent { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let conversation: Value = serde_json::from_slice(&body).map_err(|_| {
            CallError::Transport("callback conversation response is not valid JSON".into())
        })?;
        Ok(Some(CallbackProgress::from_conversation(&conversation)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_scheduled_callback_is_neither_taken_nor_ended() {
        let c = json!({"id": "c1", "participants": [
            {"id": "p1", "purpose": "customer", "state": "scheduled", "callbackNumbers": ["+13175550100"]},
            {"id": "p2", "purpose": "acd", "state": "connected", "connectedTime": "2026-06-01T15:00:00Z"}
        ]});
        let p = CallbackProgress::from_conversation(&c);
        assert!(!p.agent_connected);
        assert!(!p.ended);
    }

    #[test]
    fn an_agent_who_connected_then_everyone_left_is_a_handled_callback() {
        let c = json!({"id": "c1", "participants": [
            {"purpose": "customer", "state": "disconnected", "disconnectType": "endpoint",
             "endTime": "2026-06-01T15:20:00Z"},
            {"purpose": "acd", "state": "disconnected", "endTime": "2026-06-01T15:05:00Z"},
            {"purpose": "agent", "state": "terminated", "connectedTime": "2026-06-01T15:05:00Z",
             "endTime": "2026-06-01T15:20:00Z"}
        ]});
        let p = CallbackProgress::from_conversation(&c);
        assert!(p.agent_connected);
        assert!(p.ended);
        assert_eq!(p.disconnect_type.as_deref(), Some("endpoint"));
    }

    #[test]
    fn ended_without_an_agent_is_not_handled() {
        let c = json!({"participants": [
            {"purpose": "customer", "state": "disconnected", "disconnectType": "timeout"},
            {"purpose": "agent", "state": "disconnected"}
        ]});
        let p = CallbackProgress::from_conversation(&c);
        assert!(!p.agent_connected);
        assert!(p.ended);
        assert!(!CallbackProgress::from_conversation(&json!({})).ended);
    }
}
