//! Nextiva Contact Center (NCC) execution. NCC can only blind-transfer, so a tier
//! escalation is a queue transfer of the call's workitem (never repeated without first
//! re-reading the workitem), and a callback is a lead upserted on an outbound list.
//! Hard-stops never reach the transfer: their chain starts at the routing hook. NCC has no
//! channel to the live agent's screen, so guidance is never sent.

mod callback;
mod transfer;

use escalator_adapters::nextiva::{LeadFields, NextivaClient, NextivaConfig, PhoneFormat};
use escalator_adapters::outbound::CallError;
use escalator_adapters::ratelimit::RequestBudget;
use escalator_adapters::{Action, Vendor};

use super::{Checkpoint, Done, PlatformExecutor, Report};
use crate::config::{
    Config, LeadPhoneFormat, NextivaApi, Secrets, ENV_NEXTIVA_API_PASSWORD, ENV_NEXTIVA_API_USER,
};
use crate::store::ClaimedAction;

pub struct NextivaExecutor {
    client: NextivaClient,
    /// The outbound list callbacks go to; `None` when not configured.
    callback_list_id: Option<String>,
    lead_fields: LeadFields,
}

/// The executor when NCC is enabled and its API user is configured; `None` runs NCC in
/// dry-run.
pub fn build(
    config: &Config,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> Result<Option<Box<dyn PlatformExecutor>>, String> {
    if !config.vendors.intake(Vendor::Nextiva).enabled {
        return Ok(None);
    }
    let user = secrets.api(ENV_NEXTIVA_API_USER);
    let password = secrets.api(ENV_NEXTIVA_API_PASSWORD);
    let (user, password) = match (user, password) {
        (None, None) => return Ok(None),
        (Some(u), Some(p)) => (u, p),
        // Half a credential is a mistake, not a wish for dry-run: say so at startup.
        (Some(_), None) => return Err(format!("{ENV_NEXTIVA_API_PASSWORD} is not set")),
        (None, Some(_)) => return Err(format!("{ENV_NEXTIVA_API_USER} is not set")),
    };
    let api = &config.vendors.nextiva.api;
    let mut client_config = NextivaConfig::new(user.expose().trim(), password.clone());
    if let Some(base) = &api.login_base {
        client_config.login_base = http_base(base, "vendors.nextiva.api.login_base")?;
    }
    if let Some(base) = &api.api_base {
        client_config.api_base_override = Some(http_base(base, "vendors.nextiva.api.api_base")?);
    }
    let callback_list_id = callback_list(api)?;
    let client = NextivaClient::new(http.clone(), client_config)
        .with_budget(RequestBudget::per_minute(api.requests_per_minute));
    Ok(Some(Box::new(NextivaExecutor {
        client,
        callback_list_id,
        lead_fields: lead_fields(api),
    })))
}

/// A login host or API base: `http(s)://host[/path]`, without a trailing slash.
fn http_base(value: &str, key: &str) -> Result<String, String> {
    let base = value.trim().trim_end_matches('/');
    match reqwest::Url::parse(base) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some() => {
            Ok(base.to_string())
        }
        _ => Err(format!("{key} must be an http(s) URL")),
    }
}

/// The configured outbound list, checked like the id it goes into a path as.
fn callback_list(api: &NextivaApi) -> Result<Option<String>, String> {
    let id = api.callback_list_id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    let id_shaped = id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && id != "."
        && id != "..";
    if !id_shaped {
        return Err("vendors.nextiva.api.callback_list_id must be an outbound list _id".into());
    }
    if api.callback_phone_field.trim().is_empty() {
        return Err("vendors.nextiva.api.callback_phone_field must name a lead field".into());
    }
    if api.callback_reference_field.trim().is_empty() {
        return Err("vendors.nextiva.api.callback_reference_field must name a lead field".into());
    }
    Ok(Some(id.to_string()))
}

fn lead_fields(api: &NextivaApi) -> LeadFields {
    let named = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    LeadFields {
        phone: api.callback_phone_field.trim().to_string(),
        phone_format: match api.callback_phone_format {
            LeadPhoneFormat::E164 => PhoneFormat::AsGiven,
            LeadPhoneFormat::TenDigits => PhoneFormat::TenDigits,
        },
        reference: named(&api.callback_reference_field),
        note: named(&api.callback_note_field),
        ..LeadFields::default()
    }
}

#[async_trait::async_trait]
impl PlatformExecutor for NextivaExecutor {
    async fn execute(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<Done, CallError> {
        match claimed.action.clone() {
            Action::BlindTransfer { target, briefing } => {
                self.blind_transfer(claimed, report, checkpoint, &target, briefing.as_ref())
                    .await
            }
            Action::ScheduleCallback {
                target,
                number,
                at,
                briefing,
                ..
            } => {
                self.schedule_callback(claimed, report, &target, number, at, &briefing)
                    .await
            }
            other => {
                let e = unsupported(&other);
                report.failed(other.kind(), &e);
                Err(e)
            }
        }
    }
}

/// Why an action other than a blind transfer or a callback cannot be done on NCC.
fn unsupported(action: &Action) -> CallError {
    CallError::Unactionable(match action {
        Action::AgentGuidance { .. } => {
            "NCC has no API channel to the live agent's screen; guidance is not sent".into()
        }
        Action::WarmTransfer { .. } | Action::AssistedTransfer { .. } => {
            "NCC has no consult or conference API; it can only blind-transfer".into()
        }
        other => format!("{} is not carried out on Nextiva", other.kind()),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use escalator_adapters::Secret;

    use super::*;

    fn secrets(pairs: &[(&'static str, &str)]) -> Secrets {
        let mut s = Secrets::from_lookup(|_| None);
        s.api = pairs
            .iter()
            .map(|(k, v)| (*k, Secret::new(*v)))
            .collect::<BTreeMap<_, _>>();
        s
    }

    fn both() -> Secrets {
        secrets(&[
            (ENV_NEXTIVA_API_USER, "escalator@tenant.example"),
            (ENV_NEXTIVA_API_PASSWORD, "pw"),
        ])
    }

    fn built(config: &Config, secrets: &Secrets) -> Result<bool, String> {
        build(config, secrets, &reqwest::Client::new()).map(|e| e.is_some())
    }

    #[test]
    fn without_credentials_or_when_disabled_nextiva_runs_in_dry_run() {
        let config = Config::default();
        assert_eq!(built(&config, &secrets(&[])), Ok(false));
        assert_eq!(built(&config, &both()), Ok(true));
        let mut disabled = Config::default();
        disabled.vendors.nextiva.enabled = Some(false);
        assert_eq!(built(&disabled, &both()), Ok(false));
    }

    #[test]
    fn unusable_settings_name_their_key() {
        let half = secrets(&[(ENV_NEXTIVA_API_USER, "u")]);
        let err = built(&Config::default(), &half).unwrap_err();
        assert!(err.contains(ENV_NEXTIVA_API_PASSWORD), "{err}");

        type Change = fn(&mut NextivaApi);
        let cases: [(&str, Change); 4] = [
            ("vendors.nextiva.api.login_base", |a| {
                a.login_base = Some("login.thrio.io".into())
            }),
            ("vendors.nextiva.api.api_base", |a| {
                a.api_base = Some("ftp://x".into())
            }),
            ("vendors.nextiva.api.callback_list_id", |a| {
                a.callback_list_id = "../lists".into()
            }),
            ("vendors.nextiva.api.callback_reference_field", |a| {
                a.callback_list_id = "ol1".into();
                a.callback_reference_field = " ".into();
            }),
        ];
        for (key, change) in cases {
            let mut config = Config::default();
            change(&mut config.vendors.nextiva.api);
            let err = built(&config, &both()).unwrap_err();
            assert!(err.starts_with(key), "{key}: {err}");
            assert!(!err.contains("pw"));
        }
    }

    #[test]
    fn guidance_and_consults_are_unactionable() {
        let e = unsupported(&Action::AgentGuidance {
            text: "x".into(),
            topic: Default::default(),
        });
        assert!(matches!(&e, CallError::Unactionable(m) if m.contains("guidance")));
        assert!(e.is_permanent());
    }
}
