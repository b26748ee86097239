//! Talkdesk execution. Talkdesk has no call-control API, so its chain is the routing hook
//! (carried out locally), then a callback Talkdesk places ([`callback`]), then Escalator's
//! named callback. Each callback is also recorded on the interaction's reporting custom
//! fields, best effort.

mod callback;

use escalator_adapters::outbound::CallError;
use escalator_adapters::ratelimit::RequestBudget;
use escalator_adapters::talkdesk::{
    CallbackStatus as ScheduledStatus, CustomFields, Region, TalkdeskClient, TalkdeskConfig,
    TalkdeskCredentials,
};
use escalator_adapters::{phone, Action, Briefing, Vendor};
use serde_json::Value;

use super::{Checkpoint, Done, PlatformExecutor, Readback, Report, Reported};
use crate::config::{Config, Secrets, ENV_TALKDESK_CLIENT_ID, ENV_TALKDESK_CLIENT_SECRET};
use crate::store::ClaimedAction;

/// Only what the executor calls: asking for a scope the client lacks fails the login.
const CALLBACK_SCOPES: [&str; 3] = [
    "callback:write",
    "schedule-callbacks:write",
    "schedule-callbacks:read",
];

/// Progress key: the custom fields were written by an earlier attempt.
const FIELDS_RECORDED: &str = "custom_fields_recorded";

pub struct TalkdeskExecutor {
    client: TalkdeskClient,
    /// E.164: the account number callbacks are placed from.
    from_number: String,
    custom_fields: bool,
}

/// The executor when Talkdesk is enabled and its OAuth client is configured; an error
/// naming the key when the credentials are set but the configuration cannot work.
pub fn build(
    config: &Config,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> Result<Option<Box<dyn PlatformExecutor>>, String> {
    if !config.vendors.intake(Vendor::Talkdesk).enabled {
        return Ok(None);
    }
    let id = secrets.api(ENV_TALKDESK_CLIENT_ID);
    let secret = secrets.api(ENV_TALKDESK_CLIENT_SECRET);
    let (id, secret) = match (id, secret) {
        (None, None) => return Ok(None),
        (Some(id), Some(secret)) => (id, secret),
        (Some(_), None) => {
            return Err(format!(
                "{ENV_TALKDESK_CLIENT_SECRET} is not set but {ENV_TALKDESK_CLIENT_ID} is"
            ))
        }
        (None, Some(_)) => {
            return Err(format!(
                "{ENV_TALKDESK_CLIENT_ID} is not set but {ENV_TALKDESK_CLIENT_SECRET} is"
            ))
        }
    };
    let api = &config.vendors.talkdesk.api;
    let region: Region = api
        .region
        .parse()
        .map_err(|e| format!("vendors.talkdesk.api.region: {e}"))?;
    let token_url = match override_url(&api.token_url) {
        Some(url) => url,
        None if api.account.trim().is_empty() => {
            return Err(
                "vendors.talkdesk.api.account is empty: it names the token host \
                        ({account}.talkdeskid.com); set it, or vendors.talkdesk.api.token_url"
                    .into(),
            )
        }
        None => region
            .token_url(&api.account)
            .map_err(|e| format!("vendors.talkdesk.api.account: {e}"))?,
    };
    if api.callback_from_number.trim().is_empty() {
        return Err(
            "vendors.talkdesk.api.callback_from_number is empty: callbacks need the Talkdesk \
             number (E.164) they are placed from"
                .into(),
        );
    }
    let from_number = phone::to_e164(&api.callback_from_number).ok_or_else(|| {
        "vendors.talkdesk.api.callback_from_number is not an E.164 phone number".to_string()
    })?;
    let scopes = match &api.scopes {
        Some(s) => s.clone(),
        None => CALLBACK_SCOPES.iter().map(|s| s.to_string()).collect(),
    };
    let client = TalkdeskClient::new(
        http.clone(),
        TalkdeskConfig {
            api_base: override_url(&api.api_base).unwrap_or_else(|| region.api_base().to_string()),
            token_url,
            scopes,
            credentials: TalkdeskCredentials {
                client_id: id.expose().to_string(),
                client_secret: secret.clone(),
            },
            patch_paths: Default::default(),
        },
    )
    .with_budget(RequestBudget::per_minute(api.requests_per_minute));
    Ok(Some(Box::new(TalkdeskExecutor {
        client,
        from_number,
        custom_fields: api.custom_fields,
    })))
}

fn override_url(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[async_trait::async_trait]
impl PlatformExecutor for TalkdeskExecutor {
    async fn execute(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<Done, CallError> {
        match claimed.action.clone() {
            Action::ScheduleCallback {
                target,
                number,
                at,
                briefing,
                ..
            } => {
                let number = number.or_else(|| claimed.refs.get("caller_number").cloned());
                let Some(number) = number else {
                    let e = CallError::Unactionable(
                        "no callback number is known for the caller".into(),
                    );
                    report.failed("callback", &e);
                    return Err(e);
                };
                let done = match at {
                    None => {
                        self.direct_callback(
                            claimed, report, checkpoint, &target, &number, &briefing,
                        )
                        .await?
                    }
                    Some(at) => {
                        self.scheduled_callback(
                            claimed, report, checkpoint, &target, &number, at, &briefing,
                        )
                        .await?
                    }
                };
                self.record_on_interaction(claimed, report, &briefing).await;
                Ok(done)
            }
            Action::AgentGuidance { .. } => {
                let e = CallError::Unactionable(
                    "Talkdesk has no API to show a live agent anything; guidance stays in the \
                     decision record"
                        .into(),
                );
                report.failed("guidance", &e);
                Err(e)
            }
            other => {
                let e = CallError::Unactionable(format!(
                    "{} is not possible on Talkdesk: it has no call-control API",
                    other.kind()
                ));
                report.failed(other.kind(), &e);
                Err(e)
            }
        }
    }

    /// A scheduled callback's `status` (vendor doc §3b). Direct callbacks have no id to
    /// read; their calls are matched from Talkdesk's events instead.
    async fn read_callback(&self, platform_ref: &str) -> Result<Option<Readback>, CallError> {
        let Some(cb) = self.client.scheduled_callback(platform_ref).await? else {
            return Ok(Some(Readback::new("NOT_FOUND", Reported::Gone)));
        };
        let Some(status) = cb.status else {
            return Ok(Some(Readback::new("no status", Reported::Waiting)));
        };
        let reported = match status {
            ScheduledStatus::Queued | ScheduledStatus::Unattempted => Reported::Waiting,
            ScheduledStatus::ToBeRetried => Reported::Attempted,
            ScheduledStatus::Success => Reported::Completed,
            ScheduledStatus::Exhausted | ScheduledStatus::InvalidNumber => Reported::Missed,
            ScheduledStatus::Canceled => Reported::Cancelled,
            // A state the vendor doc does not list: kept in the log, status unchanged.
            ScheduledStatus::Other(_) => Reported::Waiting,
        };
        Ok(Some(Readback::new(status.as_str(), reported)))
    }
}

impl TalkdeskExecutor {
    /// Tags the interaction for Explore reports. Best effort: the callback already stands,
    /// so a failure here is only a step in the record.
    async fn record_on_interaction(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        briefing: &Briefing,
    ) {
        if !self.custom_fields || claimed.progress.contains_key(FIELDS_RECORDED) {
            return;
        }
        let Some(interaction) = claimed.refs.get("interaction_id").cloned() else {
            return;
        };
        let fields = CustomFields::escalation(&interaction, briefing, jiff::Timestamp::now());
        match self.client.set_custom_fields(&fields).await {
            Ok(_) => {
                report.ok(
                    "custom_fields",
                    format!(
                        "escalation {} recorded on interaction {interaction}",
                        briefing.reference
                    ),
                );
                claimed
                    .progress
                    .insert(FIELDS_RECORDED.into(), Value::Bool(true));
            }
            Err(e) => report.failed("custom_fields", &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use escalator_adapters::Secret;

    use super::*;

    fn secrets(pairs: &[&'static str]) -> Secrets {
        Secrets {
            api: pairs.iter().map(|k| (*k, Secret::new("x"))).collect(),
            ..Secrets::default()
        }
    }

    fn configured() -> Config {
        let mut c = Config::default();
        c.vendors.talkdesk.api.account = "acme".into();
        c.vendors.talkdesk.api.callback_from_number = "+1 (800) 555-0100".into();
        c
    }

    fn built(c: &Config, s: &Secrets) -> Result<bool, String> {
        build(c, s, &reqwest::Client::new()).map(|e| e.is_some())
    }

    const BOTH: [&str; 2] = [ENV_TALKDESK_CLIENT_ID, ENV_TALKDESK_CLIENT_SECRET];

    #[test]
    fn without_credentials_talkdesk_runs_in_dry_run() {
        assert_eq!(built(&Config::default(), &secrets(&[])), Ok(false));
        let mut off = configured();
        off.vendors.talkdesk.enabled = Some(false);
        assert_eq!(built(&off, &secrets(&BOTH)), Ok(false));
        assert_eq!(built(&configured(), &secrets(&BOTH)), Ok(true));
    }

    #[test]
    fn credentials_with_an_unusable_configuration_name_the_key() {
        let err = |c: &Config, s: &Secrets| built(c, s).expect_err("must not build");
        let mut c = configured();
        c.vendors.talkdesk.api.account = " ".into();
        assert!(err(&c, &secrets(&BOTH)).contains("vendors.talkdesk.api.account"));
        // A token URL of its own needs no account.
        c.vendors.talkdesk.api.token_url = Some("https://sso.example/oauth/token".into());
        assert_eq!(built(&c, &secrets(&BOTH)), Ok(true));

        let mut c = configured();
        c.vendors.talkdesk.api.callback_from_number = String::new();
        assert!(err(&c, &secrets(&BOTH)).contains("vendors.talkdesk.api.callback_from_number"));
        c.vendors.talkdesk.api.callback_from_number = "sip:desk@example".into();
        assert!(err(&c, &secrets(&BOTH)).contains("vendors.talkdesk.api.callback_from_number"));

        let mut c = configured();
        c.vendors.talkdesk.api.region = "au".into();
        assert!(err(&c, &secrets(&BOTH)).contains("vendors.talkdesk.api.region"));
        c = configured();
        c.vendors.talkdesk.api.account = "evil.com/x".into();
        assert!(err(&c, &secrets(&BOTH)).contains("vendors.talkdesk.api.account"));

        let half = err(&configured(), &secrets(&[ENV_TALKDESK_CLIENT_ID]));
        assert!(half.contains(ENV_TALKDESK_CLIENT_SECRET), "{half}");
    }
}
