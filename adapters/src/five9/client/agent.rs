//! Agent REST ("VCC REST", classic) calls: warm transfer to a skill with complete and
//! cancel (§2), and call variables on a live call (§4). The session is in `session.rs`.
//!
//! Every call acts as the logged-in agent who holds the call: the session is opened with
//! that agent's credentials and `policy: AttachExisting`, so the agent's own desktop
//! session is joined, not replaced (`ForceIn` would log them out).

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use super::session::{scalar, session_headers};
use super::{path_id, Five9Client};
use crate::briefing_text::{cut, joined};
use crate::model::Briefing;
use crate::outbound::{retry_after, CallError};

/// Context path of the agent API on both the login host and the data-center host.
pub const AGENT_REST_PREFIX: &str = "/appsvcs/rs/svc";

/// Five9's non-standard status for "service migrated": log in again.
pub const STATUS_MIGRATED: u16 = 435;

/// Longest briefing line written to the `Briefing` variable. A STRING variable's maximum
/// length is the admin's choice and is not documented; 255 fits the usual limit.
pub const BRIEFING_MAX_CHARS: usize = 255;

/// Warm (consult first, then complete or cancel) or blind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransferMode {
    #[default]
    Warm,
    Blind,
}

/// How the transfer body says warm or blind. The body is not published (UNCONFIRMED):
/// the default sends `"transferType": "WARM" | "COLD"` (Five9 calls blind "cold");
/// configuration can rename the key and values, or drop it (`None`) for the reading in
/// which warm vs blind is not part of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferModeField {
    pub key: String,
    pub warm: Value,
    pub blind: Value,
}

impl Default for TransferModeField {
    fn default() -> Self {
        Self {
            key: "transferType".into(),
            warm: Value::String("WARM".into()),
            blind: Value::String("COLD".into()),
        }
    }
}

/// A call the agent holds, from `GET /agents/{agentId}/interactions/calls`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSummary {
    /// The Agent REST `callId` (`id`, else `callId`, else `interactionId`).
    pub id: String,
    pub state: Option<String>,
    /// The whole object, for fields this client does not model.
    pub raw: Value,
}

/// The briefing as call variables of `group` (§4), using only the variables the setup
/// template asks the admin to create (`Reference`, `Reason`, `Briefing`,
/// `CallerVerified`): writing one that does not exist would fail the whole request. The
/// caller's verbatim quote goes into the `Briefing` line.
pub fn briefing_variables(group: &str, b: &Briefing) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::from([
        (format!("{group}.Reference"), b.reference.clone()),
        (format!("{group}.Reason"), b.reason.clone()),
        (format!("{group}.Briefing"), briefing_line(b)),
    ]);
    if let Some(v) = b.verified {
        vars.insert(format!("{group}.CallerVerified"), v.to_string());
    }
    vars
}

/// One line for the receiving agent: reference, tier, reason, verification, caller, then
/// what the call is about (the issue summary), the caller's words that fired the trigger
/// and the call's facts (HEARD, prior calls, amounts, hold, who is involved). The head is
/// kept whole; the rest share what is left of [`BRIEFING_MAX_CHARS`] equally, each cut
/// with an ellipsis, so a long quote does not push the issue out (or the other way).
pub fn briefing_line(b: &Briefing) -> String {
    let mut parts = vec![b.reference.clone(), b.tier.clone(), b.reason.clone()];
    parts.push(
        match b.verified {
            Some(true) => "caller verified",
            Some(false) => "caller NOT verified",
            None => "verification unknown",
        }
        .to_string(),
    );
    if let Some(name) = b.caller_name.as_deref().filter(|n| !n.trim().is_empty()) {
        parts.push(format!("caller: {}", name.trim()));
    }
    let head = parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    let mut tail = Vec::new();
    if let Some(s) = b
        .context
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        tail.push(format!("issue: {}", s.trim()));
    }
    if let Some(q) = b.quote.as_deref().filter(|q| !q.trim().is_empty()) {
        tail.push(format!("said: \"{}\"", q.trim()));
    }
    let facts = b
        .context
        .present(BRIEFING_MAX_CHARS)
        .into_iter()
        .filter(|i| {
            matches!(
                i.key,
                "involved" | "earlier" | "heard" | "priorCalls" | "amounts" | "holdSeconds"
            )
        })
        .map(|i| format!("{}: {}", i.label.to_lowercase(), i.value))
        .collect::<Vec<_>>()
        .join(", ");
    if !facts.is_empty() {
        tail.push(facts);
    }
    if tail.is_empty() {
        return cut(&head, BRIEFING_MAX_CHARS);
    }
    let room = BRIEFING_MAX_CHARS.saturating_sub(head.chars().count() + 3);
    cut(
        &format!("{head} | {}", joined(&tail, " | ", room)),
        BRIEFING_MAX_CHARS,
    )
}

/// Which call to act on. Whether the connector's `@Call.call_id@` is the Agent REST
/// `callId` is UNCONFIRMED: an exact match wins; otherwise, when the agent holds exactly
/// one call, that one is it; otherwise nothing (the caller must not guess).
pub fn resolve_call_id(calls: &[CallSummary], hint: Option<&str>) -> Option<String> {
    if let Some(h) = hint {
        if let Some(c) = calls.iter().find(|c| c.id == h) {
            return Some(c.id.clone());
        }
    }
    match calls {
        [only] => Some(only.id.clone()),
        _ => None,
    }
}

impl Five9Client {
    /// The agent's Agent REST id (`userId` of the login), logging in when needed.
    pub async fn agent_id(&self, agent: &str) -> Result<String, CallError> {
        Ok(self.session(agent).await?.agent_id.clone())
    }

    /// The calls the agent holds (`GET /agents/{agentId}/interactions/calls`), to find the
    /// `callId` ([`resolve_call_id`]) and to re-read state before retrying a transfer.
    pub async fn calls(&self, agent: &str) -> Result<Vec<CallSummary>, CallError> {
        let body = self
            .agent_send(agent, Method::GET, "/interactions/calls", None)
            .await?;
        let value: Value = serde_json::from_slice(&body)
            .map_err(|_| CallError::Transport("calls response is not valid JSON".into()))?;
        let list = match &value {
            Value::Array(items) => items.as_slice(),
            other => other["calls"].as_array().map_or(&[][..], Vec::as_slice),
        };
        Ok(list.iter().filter_map(call_summary).collect())
    }

    /// One call (`GET /agents/{agentId}/interactions/calls/{callId}`), as Five9 returns it.
    pub async fn call(&self, agent: &str, call_id: &str) -> Result<Value, CallError> {
        let cid = path_id(call_id)?;
        let body = self
            .agent_send(
                agent,
                Method::GET,
                &format!("/interactions/calls/{cid}"),
                None,
            )
            .await?;
        serde_json::from_slice(&body)
            .map_err(|_| CallError::Transport("call response is not valid JSON".into()))
    }

    /// Starts a transfer of the call to a skill
    /// (`PUT /agents/{agentId}/interactions/calls/{callId}/transfer_to_skill`). Not
    /// idempotent: after a transport error or a 5xx, re-read the call before retrying.
    pub async fn transfer_to_skill(
        &self,
        agent: &str,
        call_id: &str,
        skill_id: &str,
        mode: TransferMode,
    ) -> Result<(), CallError> {
        let cid = path_id(call_id)?;
        let body = self.transfer_body(skill_id, mode)?;
        self.agent_send(
            agent,
            Method::PUT,
            &format!("/interactions/calls/{cid}/transfer_to_skill"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// The body [`Self::transfer_to_skill`] sends (also for `--dry-run`).
    pub fn transfer_body(&self, skill_id: &str, mode: TransferMode) -> Result<Value, CallError> {
        let skill = skill_id.trim();
        if skill.is_empty() {
            return Err(CallError::Unactionable(
                "no Five9 skill id for this team".into(),
            ));
        }
        let mut body = json!({ "skillId": skill });
        if let Some(field) = &self.config.transfer_mode_field {
            let value = match mode {
                TransferMode::Warm => field.warm.clone(),
                TransferMode::Blind => field.blind.clone(),
            };
            body[field.key.as_str()] = value;
        }
        Ok(body)
    }

    /// Completes a warm transfer: the consulting agent leaves, the skill's agent keeps
    /// the caller (`PUT …/complete_transfer`). A repeat after success is refused (4xx).
    pub async fn complete_transfer(&self, agent: &str, call_id: &str) -> Result<(), CallError> {
        let cid = path_id(call_id)?;
        self.agent_send(
            agent,
            Method::PUT,
            &format!("/interactions/calls/{cid}/complete_transfer"),
            None,
        )
        .await
        .map(drop)
    }

    /// Cancels a warm transfer; the caller returns to the agent (`PUT …/cancel_transfer`).
    pub async fn cancel_transfer(&self, agent: &str, call_id: &str) -> Result<(), CallError> {
        let cid = path_id(call_id)?;
        self.agent_send(
            agent,
            Method::PUT,
            &format!("/interactions/calls/{cid}/cancel_transfer"),
            None,
        )
        .await
        .map(drop)
    }

    /// Sets call variables (`Group.Name` → value) on a live call
    /// (`PUT …/interactions/calls/{callId}/variables_2`). Idempotent: the same values
    /// can be written again.
    pub async fn set_call_variables(
        &self,
        agent: &str,
        call_id: &str,
        variables: &BTreeMap<String, String>,
    ) -> Result<(), CallError> {
        let cid = path_id(call_id)?;
        if variables.is_empty() {
            return Ok(());
        }
        if let Some(bad) = variables.keys().find(|k| !is_variable_name(k)) {
            return Err(CallError::Unactionable(format!(
                "{bad:?} is not a Five9 call variable (Group.Name)"
            )));
        }
        let body = serde_json::to_value(variables)
            .map_err(|e| CallError::Unactionable(format!("variables body: {e}")))?;
        self.agent_send(
            agent,
            Method::PUT,
            &format!("/interactions/calls/{cid}/variables_2"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Writes the briefing into the configured call-variable group (default `Escalator`).
    pub async fn write_briefing(
        &self,
        agent: &str,
        call_id: &str,
        briefing: &Briefing,
    ) -> Result<(), CallError> {
        let vars = briefing_variables(&self.config.cav_group, briefing);
        self.set_call_variables(agent, call_id, &vars).await
    }

    /// One request under `/agents/{agentId}` as `agent`, classified.
    async fn agent_send(
        &self,
        agent: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<bytes::Bytes, CallError> {
        crate::ratelimit::acquire(self.budget.as_ref()).await;
        let session = self.session(agent).await?;
        let url = format!(
            "{}{AGENT_REST_PREFIX}/agents/{}{path}",
            session.api_base, session.agent_id
        );
        let mut request = self
            .http
            .request(method, url)
            .headers(session_headers(&session)?);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return response
                .bytes()
                .await
                .map_err(|e| CallError::from_reqwest(&e));
        }
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let message = rest_error_message(&text);
        match status {
            401 if session.logged_in_at.elapsed() < self.config.login_grace => {
                // Right after a login the data-center host may not know the session yet
                // (five9-go waits 2 s): keep it and retry shortly.
                Err(CallError::Retryable {
                    status,
                    retry_after: Some(
                        retry_after(&headers, jiff::Timestamp::now())
                            .unwrap_or(Duration::from_secs(2)),
                    ),
                    message,
                })
            }
            401 => {
                // Stale or revoked session: log in again on the next call.
                self.forget(agent, &session).await;
                Err(CallError::from_status(status, &headers, message))
            }
            STATUS_MIGRATED => {
                // The domain moved to another data center: the next login finds it.
                self.forget(agent, &session).await;
                Err(CallError::Retryable {
                    status,
                    retry_after: retry_after(&headers, jiff::Timestamp::now()),
                    message,
                })
            }
            _ => Err(CallError::from_status(status, &headers, message)),
        }
    }
}

fn call_summary(v: &Value) -> Option<CallSummary> {
    let id = ["id", "callId", "interactionId"]
        .iter()
        .find_map(|k| scalar(&v[*k]).filter(|s| !s.is_empty()))?;
    Some(CallSummary {
        id,
        state: v["state"].as_str().map(str::to_string),
        raw: v.clone(),
    })
}

/// `Group.Name`: two non-empty parts without path or markup characters.
fn is_variable_name(name: &str) -> bool {
    let mut parts = name.splitn(2, '.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.trim().is_empty() && !p.chars().any(|c| c.is_control() || "/\\<>\"".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next())
}

/// The platform's own error text: `five9ExceptionDetail` (`contextCode errorCode:
/// message`), else the new-platform `{code, message}` shape, bounded.
pub(super) fn rest_error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    let detail = &v["five9ExceptionDetail"];
    let text = if detail.is_object() {
        let code = scalar(&detail["errorCode"]).unwrap_or_default();
        let context = detail["context"]["contextCode"].as_str().unwrap_or("");
        let message = detail["message"].as_str().unwrap_or("");
        let prefix = [context, code.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if prefix.is_empty() {
            message.to_string()
        } else {
            format!("{prefix}: {message}")
        }
    } else {
        match (scalar(&v["code"]), v["message"].as_str()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (None, Some(msg)) => msg.to_string(),
            (Some(code), None) => code,
            _ => v["error"].as_str().unwrap_or("").to_string(),
        }
    };
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn briefing() -> Briefing {
        Briefing {
            reference: "ESC-7".into(),
            tier: "hard_stop".into(),
            reason: "legal threat".into(),
            rule_id: "legal-1".into(),
            quote: Some("I'm calling my attorney".into()),
            utterance_id: None,
            caller_name: Some("Dana".into()),
            verified: Some(false),
            context: Default::default(),
        }
    }

    #[test]
    fn briefing_goes_into_the_template_variables() {
        let v = briefing_variables("Escalator", &briefing());
        assert_eq!(v["Escalator.Reference"], "ESC-7");
        assert_eq!(v["Escalator.Reason"], "legal threat");
        assert_eq!(v["Escalator.CallerVerified"], "false");
        assert_eq!(
            v["Escalator.Briefing"],
            "ESC-7 | hard_stop | legal threat | caller NOT verified | caller: Dana | said: \"I'm calling my attorney\""
        );
        let mut long = briefing();
        long.quote = Some("x".repeat(1000));
        long.verified = None;
        let line = briefing_line(&long);
        assert_eq!(line.chars().count(), BRIEFING_MAX_CHARS);
        assert!(line.starts_with("ESC-7 | hard_stop | legal threat | verification unknown"));
        assert!(!briefing_variables("G", &long).contains_key("G.CallerVerified"));
    }

    #[test]
    fn the_briefing_line_carries_the_issue_and_the_facts_within_the_limit() {
        let mut b = briefing();
        b.context = crate::BriefingContext {
            summary: Some("I'm calling about my bill, it doubled.".into()),
            prior_calls: 2,
            heard_given: true,
            amounts: vec!["$600".into()],
            ..Default::default()
        };
        assert_eq!(
            briefing_line(&b),
            "ESC-7 | hard_stop | legal threat | caller NOT verified | caller: Dana | issue: I'm \
             calling about my bill, it doubled. | said: \"I'm calling my attorney\" | heard \
             given: yes, prior calls: 2, amounts: $600"
        );
        b.quote = Some("q".repeat(1000));
        b.context.summary = Some("my bill ".repeat(100));
        let line = briefing_line(&b);
        assert_eq!(line.chars().count(), BRIEFING_MAX_CHARS);
        // Both long parts keep a share; the short facts stay whole.
        assert!(line.contains("issue: my bill my bill"), "{line}");
        assert!(line.contains("said: \"qqqq"), "{line}");
        assert!(line.contains("prior calls: 2, amounts: $600"), "{line}");
    }

    #[test]
    fn call_id_resolution() {
        let c = |id: &str| CallSummary {
            id: id.into(),
            state: None,
            raw: Value::Null,
        };
        assert_eq!(
            resolve_call_id(&[c("a"), c("b")], Some("b")).as_deref(),
            Some("b")
        );
        assert_eq!(resolve_call_id(&[c("a")], Some("zz")).as_deref(), Some("a"));
        assert_eq!(resolve_call_id(&[c("a"), c("b")], Some("zz")), None);
        assert_eq!(resolve_call_id(&[], None), None);
    }

    #[test]
    fn error_shapes() {
        let classic = r#"{"five9ExceptionDetail":{"timestamp":1,"errorCode":3,
            "message":"Improper agent login state","context":{"contextCode":"LOGIN"}}}"#;
        assert_eq!(
            rest_error_message(classic),
            "LOGIN 3: Improper agent login state"
        );
        assert_eq!(
            rest_error_message(r#"{"code":401,"message":"invalid token","traceId":"t"}"#),
            "401: invalid token"
        );
        assert_eq!(rest_error_message("<html>"), "");
        assert!(is_variable_name("Escalator.Briefing"));
        assert!(!is_variable_name("Briefing"));
        assert!(!is_variable_name("A./x"));
    }
}
