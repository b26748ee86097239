//! CloudTalk execution. CloudTalk has no API to transfer a call or to hold a callback
//! (`shared/vendors/cloudtalk.md` §2–§3), so Escalator works through what it has:
//! - **AssistedTransfer** and **AgentGuidance**: a Cue Card on the live agent's screen
//!   ([`cards`]): the briefing with the caller's words and what to do now. The agent makes
//!   the transfer; for self-harm they are told to conference the team in, never to hold,
//!   and a supervisor is alerted at once because nothing can confirm they did.
//! - **ScheduleCallback**: the commitment recorded on the caller's CloudTalk contact
//!   ([`commitment`]): a note with the briefing, tags, and a task activity due at the
//!   callback time. Placing the call at the window is not done here.
//!
//! Every request goes through the client's budget (`requests_per_minute`, below CloudTalk's
//! 60 a minute for the whole company) and, once CloudTalk has said the window is spent
//! (`X-CloudTalkAPI-Remaining: 0`), nothing is sent until it resets.

mod cards;
mod commitment;
mod progress;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use escalator_adapters::cloudtalk::{CloudTalkClient, CloudTalkConfig, CloudTalkCredentials};
use escalator_adapters::outbound::CallError;
use escalator_adapters::ratelimit::RequestBudget;
use escalator_adapters::{Action, Vendor};

use super::{Checkpoint, Done, PlatformExecutor, Report};
use crate::config::{
    CloudTalkApi, Config, Secrets, ENV_CLOUDTALK_API_KEY_ID, ENV_CLOUDTALK_API_KEY_SECRET,
};
use crate::store::ClaimedAction;

/// The executor when CloudTalk is enabled and its API key pair is set; `None` (dry-run)
/// otherwise.
#[cfg(test)]
pub fn build(
    config: &Config,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> Result<Option<Box<dyn PlatformExecutor>>, String> {
    match client(config, secrets, http)? {
        Some(client) => build_on(config, client).map(Some),
        None => Ok(None),
    }
}

/// The executor on a client from [`client`] (shared with the scheduler's dialler).
pub fn build_on(
    config: &Config,
    client: Arc<CloudTalkClient>,
) -> Result<Box<dyn PlatformExecutor>, String> {
    if config.vendors.cloudtalk.api.callback_window_minutes == 0 {
        return Err("vendors.cloudtalk.api.callback_window_minutes must be at least 1".into());
    }
    Ok(executor(config, client))
}

/// The CloudTalk API client when CloudTalk is enabled and its key pair is set (also what
/// dials Escalator-held callbacks at their window).
pub fn client(
    config: &Config,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> Result<Option<Arc<CloudTalkClient>>, String> {
    if !config.vendors.intake(Vendor::Cloudtalk).enabled {
        return Ok(None);
    }
    let id = secrets.api(ENV_CLOUDTALK_API_KEY_ID);
    let secret = secrets.api(ENV_CLOUDTALK_API_KEY_SECRET);
    let (id, secret) = match (id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (None, None) => return Ok(None),
        // Half a key pair is a mistake, not a wish for dry-run.
        (Some(_), None) => return Err(format!("{ENV_CLOUDTALK_API_KEY_SECRET} is not set")),
        (None, Some(_)) => return Err(format!("{ENV_CLOUDTALK_API_KEY_ID} is not set")),
    };
    let api = &config.vendors.cloudtalk.api;
    let mut client_config = CloudTalkConfig::new(CloudTalkCredentials {
        key_id: id.expose().to_string(),
        key_secret: secret.clone(),
    });
    for (key, value, slot) in [
        ("api_base", &api.api_base, &mut client_config.api_base),
        (
            "platform_base",
            &api.platform_base,
            &mut client_config.platform_base,
        ),
        (
            "analytics_base",
            &api.analytics_base,
            &mut client_config.analytics_base,
        ),
    ] {
        if let Some(url) = value {
            *slot = checked_base(key, url)?;
        }
    }
    // One client, so the executor and the scheduler's dialler share one request budget.
    Ok(Some(Arc::new(
        CloudTalkClient::new(http.clone(), client_config)
            .with_budget(RequestBudget::per_minute(api.requests_per_minute)),
    )))
}

fn executor(config: &Config, client: Arc<CloudTalkClient>) -> Box<dyn PlatformExecutor> {
    let api = &config.vendors.cloudtalk.api;
    let owners = config
        .teams
        .iter()
        .filter_map(|(team, t)| {
            let owner = t.callback_owner.clone()?;
            (!owner.trim().is_empty()).then(|| (team.clone(), owner))
        })
        .collect();
    Box::new(CloudTalkExecutor {
        client,
        owners,
        timing: Timing::from(api),
    })
}

fn checked_base(key: &str, url: &str) -> Result<String, String> {
    match reqwest::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(url.trim().to_string()),
        _ => Err(format!(
            "vendors.cloudtalk.api.{key} must be an http(s) URL"
        )),
    }
}

/// When callbacks committed on CloudTalk fall due.
#[derive(Debug, Clone, Copy)]
struct Timing {
    due_after: Duration,
    window: Duration,
}

impl From<&CloudTalkApi> for Timing {
    fn from(api: &CloudTalkApi) -> Self {
        Self {
            due_after: Duration::from_secs(u64::from(api.callback_due_minutes) * 60),
            window: Duration::from_secs(u64::from(api.callback_window_minutes) * 60),
        }
    }
}

pub struct CloudTalkExecutor {
    client: Arc<CloudTalkClient>,
    /// Team → the named owner of its callbacks (`teams.<team>.callback_owner`).
    owners: BTreeMap<String, String>,
    timing: Timing,
}

#[async_trait::async_trait]
impl PlatformExecutor for CloudTalkExecutor {
    async fn execute(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<Done, CallError> {
        let step = step_name(&claimed.action);
        if let Err(e) = self.window_open() {
            report.failed(step, &e);
            return Err(e);
        }
        match claimed.action.clone() {
            Action::AssistedTransfer {
                target,
                briefing,
                speak_to,
            } => {
                self.assisted_transfer(claimed, report, &target, &briefing, speak_to)
                    .await
            }
            Action::AgentGuidance { text, .. } => self.guidance(claimed, report, &text).await,
            Action::ScheduleCallback {
                target,
                number,
                at,
                briefing,
                ..
            } => {
                let c = commitment::Request {
                    target: &target,
                    number,
                    at,
                    briefing: &briefing,
                };
                self.commit(claimed, report, checkpoint, &c).await
            }
            other => {
                let e = CallError::Unactionable(format!(
                    "{} is not possible on CloudTalk (no API for it)",
                    other.kind()
                ));
                report.failed(step, &e);
                Err(e)
            }
        }
    }
}

impl CloudTalkExecutor {
    /// Nothing is sent while CloudTalk's company-wide window is known to be spent: each
    /// request would only be refused and eat into the next window of every integration.
    fn window_open(&self) -> Result<(), CallError> {
        let Some(limit) = self.client.rate_limit() else {
            return Ok(());
        };
        let wait = limit.wait(jiff::Timestamp::now()).unwrap_or(Duration::ZERO);
        if limit.remaining == Some(0) && !wait.is_zero() {
            return Err(CallError::Retryable {
                status: 429,
                retry_after: Some(wait),
                message: "CloudTalk's rate-limit window is spent (X-CloudTalkAPI-Remaining: 0); \
                          nothing sent until it resets"
                    .into(),
            });
        }
        Ok(())
    }

    fn owner(&self, team: &str) -> Option<String> {
        self.owners.get(team).cloned()
    }
}

/// The step an action's first request is recorded under.
fn step_name(action: &Action) -> &'static str {
    match action {
        Action::AssistedTransfer { .. } => "cue_card",
        Action::AgentGuidance { .. } => "guidance",
        Action::ScheduleCallback { .. } => "commitment",
        other => other.kind(),
    }
}

/// The live call's `call_uuid` (what Cue Cards act on): from the events seen, or the call
/// id itself when it is one (the numeric CDR id is not).
fn call_uuid(claimed: &ClaimedAction) -> Option<String> {
    claimed
        .refs
        .get("call_uuid")
        .cloned()
        .or_else(|| {
            let id = claimed.call_id.trim();
            (!id.is_empty() && !id.chars().all(|c| c.is_ascii_digit())).then(|| id.to_string())
        })
        .filter(|u| !u.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(pairs: &[(&str, &str)]) -> Secrets {
        Secrets::from_lookup(|k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    fn built(config: &Config, pairs: &[(&str, &str)]) -> Result<bool, String> {
        build(config, &secrets(pairs), &reqwest::Client::new()).map(|e| e.is_some())
    }

    #[test]
    fn dry_run_without_the_key_pair_and_an_error_for_half_of_it() {
        let config = Config::default();
        assert_eq!(built(&config, &[]), Ok(false));
        assert_eq!(
            built(
                &config,
                &[
                    (ENV_CLOUDTALK_API_KEY_ID, "id"),
                    (ENV_CLOUDTALK_API_KEY_SECRET, "s")
                ]
            ),
            Ok(true)
        );
        let err = built(&config, &[(ENV_CLOUDTALK_API_KEY_ID, "id")]).unwrap_err();
        assert!(err.contains(ENV_CLOUDTALK_API_KEY_SECRET), "{err}");
        let err = built(&config, &[(ENV_CLOUDTALK_API_KEY_SECRET, "s3cr3t")]).unwrap_err();
        assert!(err.contains(ENV_CLOUDTALK_API_KEY_ID), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }

    #[tokio::test]
    async fn nothing_is_sent_while_the_company_window_is_spent() {
        use wiremock::matchers::any;
        use wiremock::{Mock, MockServer, ResponseTemplate};

        let server = MockServer::start().await;
        let reset = jiff::Timestamp::now().as_second() + 30;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("X-CloudTalkAPI-Remaining", "0")
                    .insert_header("X-CloudTalkAPI-ResetTime", reset.to_string().as_str()),
            )
            .expect(1)
            .mount(&server)
            .await;
        let mut config = CloudTalkConfig::new(CloudTalkCredentials {
            key_id: "id".into(),
            key_secret: escalator_adapters::Secret::new("s"),
        });
        config.api_base = server.uri();
        let executor = CloudTalkExecutor {
            client: Arc::new(CloudTalkClient::new(reqwest::Client::new(), config)),
            owners: BTreeMap::new(),
            timing: Timing::from(&CloudTalkApi::default()),
        };
        assert!(executor.window_open().is_ok());
        assert!(executor.client.find_contacts("x").await.is_err());
        match executor.window_open() {
            Err(CallError::Retryable {
                status: 429,
                retry_after: Some(wait),
                ..
            }) => assert!(wait > Duration::from_secs(20), "{wait:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_disabled_vendor_or_a_bad_base_url() {
        let pair = [
            (ENV_CLOUDTALK_API_KEY_ID, "id"),
            (ENV_CLOUDTALK_API_KEY_SECRET, "s"),
        ];
        let mut config = Config::default();
        config.vendors.cloudtalk.enabled = Some(false);
        assert_eq!(built(&config, &pair), Ok(false));
        let mut config = Config::default();
        config.vendors.cloudtalk.api.platform_base = Some("platform-api.cloudtalk.io".into());
        let err = built(&config, &pair).unwrap_err();
        assert!(err.contains("vendors.cloudtalk.api.platform_base"), "{err}");
        let mut config = Config::default();
        config.vendors.cloudtalk.api.callback_window_minutes = 0;
        let err = built(&config, &pair).unwrap_err();
        assert!(err.contains("callback_window_minutes"), "{err}");
    }
}
