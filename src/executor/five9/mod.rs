//! Five9 execution. Call control goes through the Agent REST API as the agent who holds
//! the call (Five9 offers no server-side transfer): the briefing is written as call
//! variables first, then the call is transferred to the team's skill. Callbacks are
//! records on a dialing list (Configuration Web Services), dialed by its campaign.

mod callback;
mod credentials;
mod settings;
mod transfer;

use std::collections::BTreeMap;

use escalator_adapters::five9::{resolve_call_id, Five9Client, Five9Credentials, TransferMode};
use escalator_adapters::outbound::CallError;
use escalator_adapters::ratelimit::RequestBudget;
use escalator_adapters::{Action, SpeakTo, Vendor};
use serde_json::Value;

use super::once::OnceRequest;
use super::{Checkpoint, Done, PlatformExecutor, Report};
use crate::config::{
    Config, Secrets, ENV_FIVE9_ADMIN_PASSWORD, ENV_FIVE9_ADMIN_USER, ENV_FIVE9_AGENT_CREDENTIALS,
};
use crate::store::ClaimedAction;

// Progress keys: what earlier attempts of the same action found or did.
/// The Agent REST `callId` of the call.
const CALL_ID: &str = "five9_call_id";
const BRIEFED: &str = "briefed";
/// A transfer was (maybe) sent and its outcome is not known.
const TRANSFER: OnceRequest = OnceRequest::new("transfer_uncertain", "transfer");

/// The ref the Call Accepted connector fills with `@Agent.user_name@` (normalize.rs).
const AGENT_REF: &str = "agent_user_name";

/// Longest guidance text written; Five9 documents no STRING variable limit.
const GUIDANCE_MAX_CHARS: usize = 1000;

pub struct Five9Executor {
    client: Five9Client,
    callback_list: String,
    callback_briefing_field: String,
}

/// The executor when Five9 is enabled and any of its API credentials are set.
pub fn build(
    config: &Config,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> Result<Option<Box<dyn PlatformExecutor>>, String> {
    Ok(Five9Executor::build(config, secrets, http)?
        .map(|e| Box::new(e) as Box<dyn PlatformExecutor>))
}

impl Five9Executor {
    pub fn build(
        config: &Config,
        secrets: &Secrets,
        http: &reqwest::Client,
    ) -> Result<Option<Self>, String> {
        if !config.vendors.intake(Vendor::Five9).enabled {
            return Ok(None);
        }
        let secret = |env| secrets.api(env).map(|s| s.expose().to_string());
        let admin = match (
            secret(ENV_FIVE9_ADMIN_USER),
            secret(ENV_FIVE9_ADMIN_PASSWORD),
        ) {
            (Some(user), Some(password)) => Some(Five9Credentials {
                username: user.trim().to_string(),
                password: escalator_adapters::Secret::new(password),
            }),
            (Some(_), None) => {
                return Err(format!(
                    "{ENV_FIVE9_ADMIN_USER} is set without {ENV_FIVE9_ADMIN_PASSWORD}"
                ))
            }
            (None, Some(_)) => {
                return Err(format!(
                    "{ENV_FIVE9_ADMIN_PASSWORD} is set without {ENV_FIVE9_ADMIN_USER}"
                ))
            }
            (None, None) => None,
        };
        let agents = match secrets.api(ENV_FIVE9_AGENT_CREDENTIALS) {
            Some(raw) => credentials::parse_agent_credentials(raw.expose())?,
            None => Vec::new(),
        };
        if admin.is_none() && agents.is_empty() {
            return Ok(None);
        }
        let api = &config.vendors.five9.api;
        let client_config = settings::client_config(api, admin, agents)?;
        let client = Five9Client::new(http.clone(), client_config)
            .with_budget(RequestBudget::per_minute(api.requests_per_minute));
        Ok(Some(Self {
            client,
            callback_list: api.callback_list.trim().to_string(),
            callback_briefing_field: api.callback_briefing_field.trim().to_string(),
        }))
    }
}

#[async_trait::async_trait]
impl PlatformExecutor for Five9Executor {
    async fn execute(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<Done, CallError> {
        match claimed.action.clone() {
            Action::WarmTransfer {
                target,
                briefing,
                speak_to,
            } => {
                if speak_to == SpeakTo::Conference {
                    // Five9's consult holds the caller; a caller at risk is never parked.
                    let e = CallError::Unactionable(
                        "Five9 cannot conference a team in by API (its consult holds the caller)"
                            .into(),
                    );
                    report.failed("transfer", &e);
                    return Err(e);
                }
                self.transfer(
                    claimed,
                    report,
                    checkpoint,
                    &target,
                    Some(&briefing),
                    TransferMode::Warm,
                )
                .await
            }
            Action::BlindTransfer { target, briefing } => {
                self.transfer(
                    claimed,
                    report,
                    checkpoint,
                    &target,
                    briefing.as_ref(),
                    TransferMode::Blind,
                )
                .await
            }
            Action::ScheduleCallback {
                target,
                number,
                at,
                briefing,
                ..
            } => {
                let number = number.or_else(|| claimed.refs.get("caller_number").cloned());
                self.schedule_callback(report, &target, number.as_deref(), at, &briefing)
                    .await
            }
            Action::AgentGuidance { text, .. } => {
                let name = format!("{}.Guidance", self.client.config().cav_group);
                let text: String = text.chars().take(GUIDANCE_MAX_CHARS).collect();
                let vars = BTreeMap::from([(name, text)]);
                self.set_variables(claimed, report, "guidance", &vars)
                    .await?;
                Ok(Done {
                    escalation_status: None,
                    detail: "guidance shown to the agent (call variable)".into(),
                })
            }
            Action::AttachBriefing { briefing } => {
                let vars = escalator_adapters::five9::briefing_variables(
                    &self.client.config().cav_group,
                    &briefing,
                );
                self.set_variables(claimed, report, "briefing", &vars)
                    .await?;
                Ok(Done {
                    escalation_status: None,
                    detail: "briefing written to the call variables".into(),
                })
            }
            other => {
                let e =
                    CallError::Unactionable(format!("{} is not supported on Five9", other.kind()));
                report.failed(other.kind(), &e);
                Err(e)
            }
        }
    }

    /// `cancel_transfer` as the agent on the call: the caller returns to the agent.
    async fn cancel_consult(&self, claimed: &ClaimedAction) -> Result<bool, CallError> {
        let mut claimed = claimed.clone();
        let mut report = Report::default();
        let agent = self.agent_on_call(&claimed, &mut report, "cancel_consult")?;
        let call_id = self.rest_call_id(&mut claimed, &mut report, &agent).await?;
        self.cancel_transfer(&agent, &call_id).await
    }
}

impl Five9Executor {
    /// Call variables on the live call (`variables_2`); idempotent, so never checkpointed.
    async fn set_variables(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        step: &'static str,
        vars: &BTreeMap<String, String>,
    ) -> Result<(), CallError> {
        let agent = self.agent_on_call(claimed, report, step)?;
        let call_id = self.rest_call_id(claimed, report, &agent).await?;
        match self.client.set_call_variables(&agent, &call_id, vars).await {
            Ok(()) => {
                let names: Vec<&str> = vars.keys().map(String::as_str).collect();
                report.ok(step, format!("call variables set: {}", names.join(", ")));
                Ok(())
            }
            Err(e) => {
                report.failed(step, &e);
                Err(e)
            }
        }
    }

    /// The user name of the agent holding the call, who must be one Escalator may act as.
    fn agent_on_call(
        &self,
        claimed: &ClaimedAction,
        report: &mut Report,
        step: &'static str,
    ) -> Result<String, CallError> {
        let agent = claimed
            .refs
            .get(AGENT_REF)
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty());
        let error = match agent {
            None => CallError::Unactionable(
                "no Five9 agent is known on the call (the Call Accepted connector sends \
                 agent_user_name)"
                    .into(),
            ),
            Some(a) if self.has_credentials(&a) => return Ok(a),
            // The user name is not repeated: it is personal data.
            Some(_) => CallError::Unactionable(format!(
                "the agent on the call has no Agent REST credentials in \
                 {ENV_FIVE9_AGENT_CREDENTIALS}"
            )),
        };
        report.failed(step, &error);
        Err(error)
    }

    fn has_credentials(&self, agent: &str) -> bool {
        self.client
            .config()
            .agents
            .iter()
            .any(|c| c.username.eq_ignore_ascii_case(agent))
    }

    /// The Agent REST `callId`: found once among the agent's calls, then kept in progress.
    async fn rest_call_id(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        agent: &str,
    ) -> Result<String, CallError> {
        if let Some(id) = claimed.progress.get(CALL_ID).and_then(Value::as_str) {
            return Ok(id.to_string());
        }
        let calls = match self.client.calls(agent).await {
            Ok(c) => c,
            Err(e) => {
                report.failed("lookup_call", &e);
                return Err(e);
            }
        };
        match resolve_call_id(&calls, Some(&claimed.call_id)) {
            Some(id) => {
                report.ok("lookup_call", format!("agent's call is {id}"));
                claimed
                    .progress
                    .insert(CALL_ID.into(), Value::String(id.clone()));
                Ok(id)
            }
            None => {
                let e = CallError::Unactionable(format!(
                    "the agent holds {} calls and none is this one",
                    calls.len()
                ));
                report.failed("lookup_call", &e);
                Err(e)
            }
        }
    }
}
