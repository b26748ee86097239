//! Supervisor alerts: always to the log and metrics, and to a Slack-compatible incoming
//! webhook when one is configured (`ESCALATOR_ALERT_WEBHOOK_URL`).

use escalator_adapters::outbound::CallError;
use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::{Action, Secret};
use serde_json::json;

use super::{Done, Report};

pub struct AlertSink {
    http: reqwest::Client,
    webhook: Option<Secret>,
    /// Signs callback notices (Standard Webhooks) when set.
    signing: Option<SigningKey>,
}

impl AlertSink {
    pub fn new(http: reqwest::Client, webhook: Option<Secret>) -> Self {
        Self {
            http,
            webhook,
            signing: None,
        }
    }

    /// Signs [`Self::notify_notice`] deliveries with `key` (`ESCALATOR_ALERT_WEBHOOK_SECRET`).
    pub fn with_signing_key(mut self, key: Option<SigningKey>) -> Self {
        self.signing = key;
        self
    }

    /// Posts a callback notice as a Standard Webhooks message: `webhook-id` is `id`, the
    /// same on every retry and after a restart, so a receiver that deduplicates on it acts
    /// once although delivery is at least once; signed when a key is set. `Ok(false)` when
    /// no webhook is configured.
    pub async fn notify_notice(
        &self,
        id: &str,
        body: &serde_json::Value,
    ) -> Result<bool, CallError> {
        let Some(url) = &self.webhook else {
            return Ok(false);
        };
        let bytes = body.to_string().into_bytes();
        let timestamp = jiff::Timestamp::now().as_second();
        let mut request = self
            .http
            .post(url.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string());
        if let Some(key) = &self.signing {
            request = request.header("webhook-signature", sign(key, id, timestamp, &bytes));
        }
        match request.body(bytes).send().await {
            Ok(r) if r.status().is_success() => Ok(true),
            Ok(r) => Err(CallError::from_status(
                r.status().as_u16(),
                r.headers(),
                "the alert webhook refused the notice".into(),
            )),
            // `from_reqwest` never echoes the URL, which carries the webhook's token.
            Err(e) => Err(CallError::from_reqwest(&e)),
        }
    }

    /// Posts `body` to the webhook; `Ok(false)` when none is configured (log only).
    pub async fn notify(&self, body: &serde_json::Value) -> Result<bool, CallError> {
        match &self.webhook {
            Some(url) => self.post(url, body).await.map(|()| true),
            None => Ok(false),
        }
    }

    async fn post(&self, url: &Secret, body: &serde_json::Value) -> Result<(), CallError> {
        match self.http.post(url.expose()).json(body).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(CallError::from_status(
                r.status().as_u16(),
                r.headers(),
                "the alert webhook refused the alert".into(),
            )),
            // `from_reqwest` never echoes the URL, which carries the webhook's token.
            Err(e) => Err(CallError::from_reqwest(&e)),
        }
    }

    pub async fn send(&self, action: &Action, report: &mut Report) -> Result<Done, CallError> {
        let Action::SupervisorAlert {
            team,
            reason,
            urgency,
            owner,
            summary,
            briefing,
        } = action
        else {
            return Err(CallError::Unactionable("not an alert".into()));
        };
        // The log line is for operators: no caller name, number or quote.
        tracing::warn!(
            alert = reason.as_str(),
            urgency = urgency.as_str(),
            team = %team,
            reference = %briefing.reference,
            owner = owner.as_deref().unwrap_or("unassigned"),
            "supervisor alert"
        );
        metrics::counter!("escalator_supervisor_alerts_total", "reason" => reason.as_str(), "urgency" => urgency.as_str()).increment(1);
        // An alert never changes the escalation's status: the link it goes with does (or
        // the plan, when an alert is all a platform allows).
        let escalation_status = None;
        let Some(url) = &self.webhook else {
            let detail = "logged (no alert webhook configured)".to_string();
            report.ok("alert", &detail);
            return Ok(Done {
                escalation_status,
                detail,
            });
        };
        let body = json!({
            "text": format!("[{}] {summary}", urgency.as_str().to_uppercase()),
            "escalator": {
                "reason": reason.as_str(),
                "urgency": urgency.as_str(),
                "team": team,
                "owner": owner,
                "reference": briefing.reference,
                "tier": briefing.tier,
                "trigger": briefing.reason,
                "quote": briefing.quote,
            }
        });
        let result = self.post(url, &body).await;
        match result {
            Ok(()) => {
                let detail = "sent to the alert webhook".to_string();
                report.ok("alert", &detail);
                Ok(Done {
                    escalation_status,
                    detail,
                })
            }
            Err(e) => {
                report.failed("alert", &e);
                Err(e)
            }
        }
    }
}
