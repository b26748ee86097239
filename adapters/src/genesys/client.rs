//! Genesys Cloud Platform API client: OAuth client credentials with a cached token, and the
//! conversation calls Escalator needs (§2–§5 of `shared/vendors/genesys.md`).
//!
//! Each method makes exactly one request (plus a token fetch when needed) and classifies the
//! outcome; retrying is the dispatcher's job, so every attempt is recorded durably.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::outbound::CallError;
use crate::Secret;

#[derive(Debug, Clone)]
pub struct GenesysCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug)]
pub struct GenesysClient {
    http: reqwest::Client,
    api_base: String,
    login_base: String,
    credentials: GenesysCredentials,
    token: Mutex<Option<CachedToken>>,
    budget: Option<crate::ratelimit::RequestBudget>,
}

#[derive(Debug)]
struct CachedToken {
    value: Secret,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

/// A party on the call, from `GET /api/v2/conversations/calls/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: String,
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participants {
    pub customer: Option<Participant>,
    pub agent: Option<Participant>,
    /// Some participant already carries a `consultParticipantId`: a consult is running.
    pub consult_in_progress: bool,
    /// Queues of the participants still on the call (a consult to a queue adds one).
    pub queue_ids: Vec<String>,
    /// Every participant with its state, the ended ones included: who picked up a consult.
    pub all: Vec<ParticipantState>,
}

/// One participant as the conversation read shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantState {
    pub id: String,
    /// `customer`, `agent`, `user`, `acd`, `external`…
    pub purpose: String,
    /// Lowercase: `alerting`, `contacting`, `offering`, `dialing`, `connected`,
    /// `disconnected`, `terminated`…
    pub state: String,
    pub user_id: Option<String>,
    pub queue_id: Option<String>,
}

/// Where a consult stands, from the participants of the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultProgress {
    /// A person other than the consulting agent is connected.
    Answered,
    /// Someone is being offered the consult, or it waits in the queue.
    Ringing,
    /// Nobody is on or coming: the consult ended, or the call did.
    Gone,
}

impl Participants {
    /// Whether someone other than `consulting_user` picked up the consult, it still rings,
    /// or nothing is left of it. A queue consult counts as answered only once a person
    /// (not the queue's `acd` leg) is connected.
    pub fn consult_progress(&self, consulting_user: Option<&str>) -> ConsultProgress {
        let person = |p: &&ParticipantState| {
            matches!(p.purpose.as_str(), "agent" | "user" | "external")
                && p.user_id
                    .as_deref()
                    .is_none_or(|u| Some(u) != consulting_user)
                && Some(p.id.as_str()) != self.agent.as_ref().map(|a| a.id.as_str())
        };
        let caller_here = self
            .all
            .iter()
            .any(|p| p.purpose == "customer" && p.state == "connected");
        if !caller_here {
            return ConsultProgress::Gone;
        }
        if self
            .all
            .iter()
            .filter(person)
            .any(|p| p.state == "connected")
        {
            return ConsultProgress::Answered;
        }
        let ringing = self.all.iter().any(|p| {
            matches!(
                p.state.as_str(),
                "alerting" | "contacting" | "offering" | "dialing"
            ) || (p.purpose == "acd" && p.state == "connected")
        });
        if ringing {
            ConsultProgress::Ringing
        } else {
            ConsultProgress::Gone
        }
    }
}

/// `ConsultTransferToQueue`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsultToQueue {
    pub speak_to: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consulting_user_id: Option<String>,
    pub queue_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
}

/// `ConsultTransferToAgent`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsultToAgent {
    pub speak_to: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consulting_user_id: Option<String>,
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_display_name: Option<String>,
}

/// `ConsultTransferToAddress`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsultToAddress {
    pub speak_to: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consulting_user_id: Option<String>,
    pub address: String,
}

/// `CreateCallbackCommand` (the fields Escalator sets).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackRequest {
    pub queue_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_user_name: Option<String>,
    pub callback_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_scheduled_time: Option<String>,
    pub data: BTreeMap<String, String>,
}

impl GenesysClient {
    pub fn new(
        http: reqwest::Client,
        api_base: impl Into<String>,
        login_base: impl Into<String>,
        credentials: GenesysCredentials,
    ) -> Self {
        Self {
            http,
            api_base: api_base.into().trim_end_matches('/').to_string(),
            login_base: login_base.into().trim_end_matches('/').to_string(),
            credentials,
            token: Mutex::new(None),
            budget: None,
        }
    }

    /// Paces every API request through `budget` (the platform's published limit).
    pub fn with_budget(mut self, budget: Option<crate::ratelimit::RequestBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// The API host requests go to (registration plans print it).
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    pub async fn participants(&self, conversation_id: &str) -> Result<Participants, CallError> {
        let cid = path_id(conversation_id)?;
        let body = self
            .send(
                Method::GET,
                &format!("/api/v2/conversations/calls/{cid}"),
                None,
            )
            .await?;
        let conversation: Value = serde_json::from_slice(&body)
            .map_err(|_| CallError::Transport("conversation response is not valid JSON".into()))?;
        Ok(parse_participants(&conversation))
    }

    /// Merges string attributes into a participant's data (PATCH merges keys, so repeating
    /// it is harmless).
    pub async fn patch_participant_attributes(
        &self,
        conversation_id: &str,
        participant_id: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<(), CallError> {
        let (cid, pid) = (path_id(conversation_id)?, path_id(participant_id)?);
        let body = serde_json::json!({ "attributes": attributes });
        self.send(
            Method::PATCH,
            &format!("/api/v2/conversations/calls/{cid}/participants/{pid}/attributes"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Starts a consult (warm) transfer to a queue; returns the destination participant id.
    pub async fn consult_queue(
        &self,
        conversation_id: &str,
        participant_id: &str,
        request: &ConsultToQueue,
    ) -> Result<Option<String>, CallError> {
        self.consult(conversation_id, participant_id, "consult/queue", request)
            .await
    }

    /// Starts a consult to a named person (`ConsultTransferToAgent`).
    pub async fn consult_agent(
        &self,
        conversation_id: &str,
        participant_id: &str,
        request: &ConsultToAgent,
    ) -> Result<Option<String>, CallError> {
        self.consult(conversation_id, participant_id, "consult/agent", request)
            .await
    }

    /// Starts a consult to a phone number or address (`ConsultTransferToAddress`).
    pub async fn consult_address(
        &self,
        conversation_id: &str,
        participant_id: &str,
        request: &ConsultToAddress,
    ) -> Result<Option<String>, CallError> {
        self.consult(conversation_id, participant_id, "voice/consult", request)
            .await
    }

    async fn consult(
        &self,
        conversation_id: &str,
        participant_id: &str,
        kind: &str,
        request: &impl Serialize,
    ) -> Result<Option<String>, CallError> {
        let (cid, pid) = (path_id(conversation_id)?, path_id(participant_id)?);
        let body = serde_json::to_value(request)
            .map_err(|e| CallError::Unactionable(format!("consult body: {e}")))?;
        let response = self
            .send(
                Method::POST,
                &format!("/api/v2/conversations/calls/{cid}/participants/{pid}/{kind}"),
                Some(&body),
            )
            .await?;
        Ok(serde_json::from_slice::<Value>(&response)
            .ok()
            .and_then(|v| v["destinationParticipantId"].as_str().map(str::to_string)))
    }

    /// Changes who speaks during a running consult (e.g. `BOTH` once the receiver is
    /// briefed, `CONFERENCE` to keep everyone on the line).
    pub async fn update_consult(
        &self,
        conversation_id: &str,
        participant_id: &str,
        speak_to: &str,
        consulting_user_id: Option<&str>,
    ) -> Result<(), CallError> {
        let (cid, pid) = (path_id(conversation_id)?, path_id(participant_id)?);
        let mut body = serde_json::json!({ "speakTo": speak_to });
        if let Some(u) = consulting_user_id {
            body["consultingUserId"] = Value::String(u.to_string());
        }
        self.send(
            Method::PATCH,
            &format!("/api/v2/conversations/calls/{cid}/participants/{pid}/consult"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Cancels a running consult; the caller goes back to the consulting agent.
    pub async fn cancel_consult(
        &self,
        conversation_id: &str,
        participant_id: &str,
    ) -> Result<(), CallError> {
        let (cid, pid) = (path_id(conversation_id)?, path_id(participant_id)?);
        self.send(
            Method::DELETE,
            &format!("/api/v2/conversations/calls/{cid}/participants/{pid}/consult"),
            None,
        )
        .await
        .map(drop)
    }

    /// Completes a consult: the consulting agent leaves, the receiver keeps the caller.
    pub async fn complete_consult(
        &self,
        conversation_id: &str,
        agent_participant_id: &str,
    ) -> Result<(), CallError> {
        let (cid, pid) = (path_id(conversation_id)?, path_id(agent_participant_id)?);
        self.send(
            Method::PATCH,
            &format!("/api/v2/conversations/calls/{cid}/participants/{pid}"),
            Some(&serde_json::json!({ "state": "disconnected" })),
        )
        .await
        .map(drop)
    }

    /// Blind (unattended) transfer of a participant to a queue. Never for hard-stops: the
    /// orchestration only uses it for tier escalations.
    pub async fn blind_transfer_queue(
        &self,
        conversation_id: &str,
        participant_id: &str,
        queue_id: &str,
    ) -> Result<(), CallError> {
        let (cid, pid) = (path_id(conversation_id)?, path_id(participant_id)?);
        self.send(
            Method::POST,
            &format!("/api/v2/conversations/{cid}/participants/{pid}/replace/queue"),
            Some(&serde_json::json!({ "transferType": "Unattended", "queueId": queue_id })),
        )
        .await
        .map(drop)
    }

    /// Creates a callback from a live conversation (`CreateCallbackOnConversationCommand`);
    /// Genesys answers with no body.
    pub async fn create_callback_on_conversation(
        &self,
        conversation_id: &str,
        participant_id: &str,
        request: &CallbackRequest,
    ) -> Result<(), CallError> {
        let (cid, pid) = (path_id(conversation_id)?, path_id(participant_id)?);
        let body = serde_json::to_value(request)
            .map_err(|e| CallError::Unactionable(format!("callback body: {e}")))?;
        self.send(
            Method::POST,
            &format!("/api/v2/conversations/{cid}/participants/{pid}/callbacks"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Moves a scheduled callback (`PatchCallbackRequest`).
    pub async fn reschedule_callback(
        &self,
        callback_conversation_id: &str,
        scheduled_time: &str,
        queue_id: Option<&str>,
    ) -> Result<(), CallError> {
        let mut body = serde_json::json!({
            "conversationId": path_id(callback_conversation_id)?,
            "callbackScheduledTime": scheduled_time,
        });
        if let Some(q) = queue_id {
            body["queueId"] = Value::String(q.to_string());
        }
        self.send(
            Method::PATCH,
            "/api/v2/conversations/callbacks",
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Creates a callback; returns the callback conversation's id.
    pub async fn create_callback(
        &self,
        request: &CallbackRequest,
    ) -> Result<Option<String>, CallError> {
        let body = serde_json::to_value(request)
            .map_err(|e| CallError::Unactionable(format!("callback body: {e}")))?;
        let response = self
            .send(Method::POST, "/api/v2/conversations/callbacks", Some(&body))
            .await?;
        Ok(serde_json::from_slice::<Value>(&response)
            .ok()
            .and_then(|v| v["conversation"]["id"].as_str().map(str::to_string)))
    }

    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<bytes::Bytes, CallError> {
        crate::ratelimit::acquire(self.budget.as_ref()).await;
        let token = self.token().await?;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.api_base))
            .bearer_auth(token.expose());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status();
        if status.is_success() {
            return response
                .bytes()
                .await
                .map_err(|e| CallError::from_reqwest(&e));
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            // Revoked or expired early: fetch a fresh token on the next attempt.
            *self.token.lock().await = None;
        }
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Err(CallError::from_status(
            status.as_u16(),
            &headers,
            error_message(&text),
        ))
    }

    /// The cached bearer token, fetched or refreshed when within a minute of expiry.
    async fn token(&self) -> Result<Secret, CallError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref() {
            if Instant::now() < t.refresh_at {
                return Ok(t.value.clone());
            }
        }
        let response = self
            .http
            .post(format!("{}/oauth/token", self.login_base))
            .basic_auth(
                &self.credentials.client_id,
                Some(self.credentials.client_secret.expose()),
            )
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let text = response.text().await.unwrap_or_default();
            // A rejected client is a configuration error: retrying cannot fix it.
            return Err(match status.as_u16() {
                400 | 401 | 403 => CallError::Permanent {
                    status: status.as_u16(),
                    message: format!("token request rejected: {}", error_message(&text)),
                },
                s => CallError::from_status(s, &headers, error_message(&text)),
            });
        }
        let token: TokenResponse = response
            .json()
            .await
            .map_err(|_| CallError::Transport("token response is not valid JSON".into()))?;
        let lifetime = Duration::from_secs(token.expires_in);
        let margin = Duration::from_secs(60).min(lifetime / 2);
        let value = Secret::new(token.access_token);
        *slot = Some(CachedToken {
            value: value.clone(),
            refresh_at: Instant::now() + lifetime - margin,
        });
        Ok(value)
    }
}

fn parse_participants(conversation: &Value) -> Participants {
    let mut out = Participants::default();
    let Some(list) = conversation["participants"].as_array() else {
        return out;
    };
    for p in list {
        if p["consultParticipantId"].as_str().is_some() {
            out.consult_in_progress = true;
        }
        let Some(id) = p["id"].as_str() else { continue };
        let state = p["state"].as_str().unwrap_or("");
        out.all.push(ParticipantState {
            id: id.to_string(),
            purpose: p["purpose"].as_str().unwrap_or("").to_string(),
            state: state.to_ascii_lowercase(),
            user_id: p["user"]["id"].as_str().map(str::to_string),
            queue_id: p["queue"]["id"].as_str().map(str::to_string),
        });
        if matches!(state, "disconnected" | "terminated") {
            continue;
        }
        if let Some(q) = p["queue"]["id"].as_str() {
            out.queue_ids.push(q.to_string());
        }
        let participant = Participant {
            id: id.to_string(),
            user_id: p["user"]["id"].as_str().map(str::to_string),
        };
        match p["purpose"].as_str() {
            Some("customer" | "external") if out.customer.is_none() => {
                out.customer = Some(participant)
            }
            Some("agent" | "user") if out.agent.is_none() => out.agent = Some(participant),
            _ => {}
        }
    }
    out
}

/// Ids from events go into URL paths; anything but an id-shaped string is refused rather
/// than allowed to change the path.
pub(super) fn path_id(id: &str) -> Result<&str, CallError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && id != "."
        && id != "..";
    if ok {
        Ok(id)
    } else {
        Err(CallError::Unactionable(format!(
            "{id:?} is not a valid Genesys id"
        )))
    }
}

/// The platform's own error text (`ErrorBody.code` and `message`), bounded in length.
fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let text = match parsed {
        Some(v) => match (v["code"].as_str(), v["message"].as_str()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (None, Some(msg)) => msg.to_string(),
            (Some(code), None) => code.to_string(),
            _ => v["error_description"]
                .as_str()
                .or(v["error"].as_str())
                .unwrap_or("")
                .to_string(),
        },
        None => String::new(),
    };
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_consult_is_answered_when_a_person_other_than_the_consulting_agent_connects() {
        let call = |consultee: &str| {
            serde_json::json!({"participants": [
                {"id": "p-c", "purpose": "customer", "state": "connected", "consultParticipantId": "p-s"},
                {"id": "p-a", "purpose": "agent", "state": "connected", "user": {"id": "u-agent"}},
                {"id": "p-q", "purpose": "acd", "state": "connected", "queue": {"id": "q-sup"}},
                {"id": "p-s", "purpose": "agent", "state": consultee, "user": {"id": "u-sup"}}
            ]})
        };
        let progress = |v: &Value| parse_participants(v).consult_progress(Some("u-agent"));
        assert_eq!(progress(&call("connected")), ConsultProgress::Answered);
        assert_eq!(progress(&call("alerting")), ConsultProgress::Ringing);
        // Only the queue's leg is left: still waiting for a person.
        assert_eq!(progress(&call("disconnected")), ConsultProgress::Ringing);
        let no_queue = serde_json::json!({"participants": [
            {"id": "p-c", "purpose": "customer", "state": "connected"},
            {"id": "p-a", "purpose": "agent", "state": "connected", "user": {"id": "u-agent"}},
            {"id": "p-s", "purpose": "agent", "state": "disconnected", "user": {"id": "u-sup"}}
        ]});
        assert_eq!(progress(&no_queue), ConsultProgress::Gone);
        // The caller hung up: nothing to answer.
        let caller_gone = serde_json::json!({"participants": [
            {"id": "p-c", "purpose": "customer", "state": "disconnected"},
            {"id": "p-s", "purpose": "agent", "state": "alerting", "user": {"id": "u-sup"}}
        ]});
        assert_eq!(progress(&caller_gone), ConsultProgress::Gone);
    }

    use super::*;
    use wiremock::matchers::{body_string_contains, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn client(server: &MockServer) -> GenesysClient {
        GenesysClient::new(
            reqwest::Client::new(),
            server.uri(),
            server.uri(),
            GenesysCredentials {
                client_id: "cid".into(),
                client_secret: Secret::new("csecret"),
            },
        )
    }

    #[tokio::test]
    async fn token_is_cached_and_sent_as_bearer() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .and(body_string_contains("grant_type=client_credentials"))
            // base64("cid:csecret")
            .and(header("authorization", "Basic Y2lkOmNzZWNyZXQ="))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": "tok", "token_type": "bearer", "expires_in": 86399})))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("PATCH"))
            .and(path(
                "/api/v2/conversations/calls/c1/participants/p1/attributes",
            ))
            .and(header("authorization", "Bearer tok"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
            .expect(2)
            .mount(&server)
            .await;
        let c = client(&server);
        let attrs = BTreeMap::from([("a".to_string(), "b".to_string())]);
        c.patch_participant_attributes("c1", "p1", &attrs)
            .await
            .unwrap();
        c.patch_participant_attributes("c1", "p1", &attrs)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn short_lived_token_is_refreshed_before_expiry() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            // A 1-second token is refreshed after half its life.
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": "tok", "expires_in": 1})))
            .expect(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v2/conversations/calls/c1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "participants": [
              {"id": "pc", "purpose": "customer", "state": "connected"},
              {"id": "pa", "purpose": "agent", "state": "connected", "user": {"id": "u1"}}
            ]})))
            .mount(&server)
            .await;
        let c = client(&server);
        let p = c.participants("c1").await.unwrap();
        assert_eq!(p.customer.unwrap().id, "pc");
        assert_eq!(p.agent.unwrap().user_id.as_deref(), Some("u1"));
        tokio::time::sleep(Duration::from_millis(600)).await;
        c.participants("c1").await.unwrap();
    }

    #[tokio::test]
    async fn errors_are_classified_with_the_platform_message() {
        let server = MockServer::start().await;
        Mock::given(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": "tok", "expires_in": 3600})))
            .mount(&server)
            .await;
        Mock::given(path(
            "/api/v2/conversations/calls/c1/participants/p1/consult/queue",
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "status": 400, "code": "bad.request",
                "message": "You are not a connected participant on the call"})))
        .mount(&server)
        .await;
        Mock::given(path("/api/v2/conversations/callbacks"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "4"))
            .mount(&server)
            .await;
        let c = client(&server);
        let consult = ConsultToQueue {
            speak_to: "DESTINATION",
            consulting_user_id: None,
            queue_id: "q".into(),
            queue_name: None,
        };
        match c.consult_queue("c1", "p1", &consult).await {
            Err(CallError::Permanent {
                status: 400,
                message,
            }) => {
                assert!(message.contains("not a connected participant"))
            }
            other => panic!("{other:?}"),
        }
        let cb = CallbackRequest {
            queue_id: "q".into(),
            callback_user_name: None,
            callback_numbers: vec!["+15555550520".into()],
            callback_scheduled_time: None,
            data: BTreeMap::new(),
        };
        assert_eq!(
            c.create_callback(&cb).await,
            Err(CallError::Retryable {
                status: 429,
                retry_after: Some(Duration::from_secs(4)),
                message: String::new()
            })
        );
        assert!(matches!(
            c.consult_queue("c1/../x", "p1", &consult).await,
            Err(CallError::Unactionable(_))
        ));
    }

    #[tokio::test]
    async fn rejected_client_credentials_are_permanent() {
        let server = MockServer::start().await;
        Mock::given(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "error": "invalid_client", "error_description": "client not found"})))
            .mount(&server)
            .await;
        let err = client(&server).participants("c1").await.unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
        assert!(!format!("{err}").contains("csecret"));
    }
}
