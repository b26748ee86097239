//! Secrets, read from the environment only.

use std::collections::BTreeMap;

use escalator_adapters::{Secret, Vendor};

/// Secrets, read from the environment only so they never sit in a config file.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub genesys_webhook_secret: Option<Secret>,
    pub genesys_webhook_password: Option<Secret>,
    pub genesys_client_id: Option<String>,
    pub genesys_client_secret: Option<Secret>,
    /// `whsec_…` keys, several during a rotation.
    pub standard_webhook_secrets: Vec<Secret>,
    /// `ESCALATOR_<VENDOR>_WEBHOOK_SECRET` for Talkdesk, Five9, Nextiva and CloudTalk.
    pub webhook_secrets: BTreeMap<Vendor, Secret>,
    /// Platform API credentials, the alert webhook and the audit key, by the names in
    /// [`API_SECRET_ENV`].
    pub api: BTreeMap<&'static str, Secret>,
}

/// The platforms whose shared secret is `ESCALATOR_<VENDOR>_WEBHOOK_SECRET`.
pub const INTAKE_VENDORS: [Vendor; 4] = [
    Vendor::Talkdesk,
    Vendor::Five9,
    Vendor::Nextiva,
    Vendor::Cloudtalk,
];

pub fn webhook_secret_env(vendor: Vendor) -> String {
    format!(
        "ESCALATOR_{}_WEBHOOK_SECRET",
        vendor.as_str().to_ascii_uppercase()
    )
}

pub const ENV_GENESYS_WEBHOOK_SECRET: &str = "ESCALATOR_GENESYS_WEBHOOK_SECRET";
/// Space- or comma-separated `whsec_` secrets.
pub const ENV_STANDARD_WEBHOOK_SECRETS: &str = "ESCALATOR_STANDARD_WEBHOOK_SECRETS";
pub const ENV_GENESYS_WEBHOOK_PASSWORD: &str = "ESCALATOR_GENESYS_WEBHOOK_PASSWORD";
pub const ENV_GENESYS_CLIENT_ID: &str = "ESCALATOR_GENESYS_CLIENT_ID";
pub const ENV_GENESYS_CLIENT_SECRET: &str = "ESCALATOR_GENESYS_CLIENT_SECRET";

pub const ENV_TALKDESK_CLIENT_ID: &str = "ESCALATOR_TALKDESK_CLIENT_ID";
pub const ENV_TALKDESK_CLIENT_SECRET: &str = "ESCALATOR_TALKDESK_CLIENT_SECRET";
pub const ENV_FIVE9_ADMIN_USER: &str = "ESCALATOR_FIVE9_ADMIN_USER";
pub const ENV_FIVE9_ADMIN_PASSWORD: &str = "ESCALATOR_FIVE9_ADMIN_PASSWORD";
/// `user:password` pairs, comma- or newline-separated.
pub const ENV_FIVE9_AGENT_CREDENTIALS: &str = "ESCALATOR_FIVE9_AGENT_CREDENTIALS";
pub const ENV_NEXTIVA_API_USER: &str = "ESCALATOR_NEXTIVA_API_USER";
pub const ENV_NEXTIVA_API_PASSWORD: &str = "ESCALATOR_NEXTIVA_API_PASSWORD";
pub const ENV_CLOUDTALK_API_KEY_ID: &str = "ESCALATOR_CLOUDTALK_API_KEY_ID";
pub const ENV_CLOUDTALK_API_KEY_SECRET: &str = "ESCALATOR_CLOUDTALK_API_KEY_SECRET";
/// Slack-compatible incoming webhook for supervisor alerts (its URL carries a token).
pub const ENV_ALERT_WEBHOOK_URL: &str = "ESCALATOR_ALERT_WEBHOOK_URL";
/// `whsec_` key the scheduler's callback notices are signed with (Standard Webhooks).
pub const ENV_ALERT_WEBHOOK_SECRET: &str = "ESCALATOR_ALERT_WEBHOOK_SECRET";
/// Key of the escalation records' hash chain (HMAC-SHA256); plain SHA-256 without it.
pub const ENV_AUDIT_KEY: &str = "ESCALATOR_AUDIT_KEY";
/// Bearer token of the admin API under `/api/v1`; the API is off without it.
pub const ENV_ADMIN_TOKEN: &str = "ESCALATOR_ADMIN_TOKEN";

/// Every platform-API secret read from the environment.
pub const API_SECRET_ENV: [&str; 13] = [
    ENV_TALKDESK_CLIENT_ID,
    ENV_TALKDESK_CLIENT_SECRET,
    ENV_FIVE9_ADMIN_USER,
    ENV_FIVE9_ADMIN_PASSWORD,
    ENV_FIVE9_AGENT_CREDENTIALS,
    ENV_NEXTIVA_API_USER,
    ENV_NEXTIVA_API_PASSWORD,
    ENV_CLOUDTALK_API_KEY_ID,
    ENV_CLOUDTALK_API_KEY_SECRET,
    ENV_ALERT_WEBHOOK_URL,
    ENV_ALERT_WEBHOOK_SECRET,
    ENV_AUDIT_KEY,
    ENV_ADMIN_TOKEN,
];

/// The platforms Escalator can act on through their APIs.
pub const ACTION_VENDORS: [Vendor; 5] = [
    Vendor::Genesys,
    Vendor::Talkdesk,
    Vendor::Five9,
    Vendor::Nextiva,
    Vendor::Cloudtalk,
];

/// The environment names that give Escalator a platform's API, for messages.
pub fn credential_env(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Genesys => "ESCALATOR_GENESYS_CLIENT_ID / ESCALATOR_GENESYS_CLIENT_SECRET are",
        Vendor::Talkdesk => "ESCALATOR_TALKDESK_CLIENT_ID / ESCALATOR_TALKDESK_CLIENT_SECRET are",
        Vendor::Five9 => "ESCALATOR_FIVE9_ADMIN_USER / ESCALATOR_FIVE9_ADMIN_PASSWORD or ESCALATOR_FIVE9_AGENT_CREDENTIALS are",
        Vendor::Nextiva => "ESCALATOR_NEXTIVA_API_USER / ESCALATOR_NEXTIVA_API_PASSWORD are",
        Vendor::Cloudtalk => "ESCALATOR_CLOUDTALK_API_KEY_ID / ESCALATOR_CLOUDTALK_API_KEY_SECRET are",
        Vendor::Standard => "(the neutral feed has no API) is",
    }
}

impl Secrets {
    /// Whether the credentials to act on `vendor`'s API are all set.
    pub fn acts_on(&self, vendor: Vendor) -> bool {
        let has = |k: &str| self.api(k).is_some();
        match vendor {
            Vendor::Genesys => {
                self.genesys_client_id.is_some() && self.genesys_client_secret.is_some()
            }
            Vendor::Talkdesk => has(ENV_TALKDESK_CLIENT_ID) && has(ENV_TALKDESK_CLIENT_SECRET),
            Vendor::Five9 => {
                (has(ENV_FIVE9_ADMIN_USER) && has(ENV_FIVE9_ADMIN_PASSWORD))
                    || has(ENV_FIVE9_AGENT_CREDENTIALS)
            }
            Vendor::Nextiva => has(ENV_NEXTIVA_API_USER) && has(ENV_NEXTIVA_API_PASSWORD),
            Vendor::Cloudtalk => has(ENV_CLOUDTALK_API_KEY_ID) && has(ENV_CLOUDTALK_API_KEY_SECRET),
            Vendor::Standard => false,
        }
    }

    /// A platform-API secret by its environment name (one of [`API_SECRET_ENV`]).
    pub fn api(&self, env: &str) -> Option<&Secret> {
        self.api.get(env)
    }

    /// Every secret from the environment, or from the file its `<NAME>_FILE` variable names
    /// (Kubernetes and Docker secrets mount files); a file that cannot be read is skipped
    /// here: [`Secrets::from_env_checked`] reports it.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| read_env_or_file(k).ok().flatten())
    }

    /// [`Secrets::from_env`], failing on a `<NAME>_FILE` that cannot be read (and on a
    /// secret set both ways), naming the variable and the file.
    pub fn from_env_checked() -> Result<Self, String> {
        for name in all_secret_env() {
            read_env_or_file(&name)?;
        }
        Ok(Self::from_env())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        Self {
            genesys_webhook_secret: get(ENV_GENESYS_WEBHOOK_SECRET).map(Secret::new),
            genesys_webhook_password: get(ENV_GENESYS_WEBHOOK_PASSWORD).map(Secret::new),
            genesys_client_id: get(ENV_GENESYS_CLIENT_ID),
            genesys_client_secret: get(ENV_GENESYS_CLIENT_SECRET).map(Secret::new),
            standard_webhook_secrets: get(ENV_STANDARD_WEBHOOK_SECRETS)
                .map(|v| {
                    v.split([' ', ','])
                        .filter(|s| !s.is_empty())
                        .map(Secret::new)
                        .collect()
                })
                .unwrap_or_default(),
            webhook_secrets: INTAKE_VENDORS
                .iter()
                .filter_map(|v| get(&webhook_secret_env(*v)).map(|s| (*v, Secret::new(s))))
                .collect(),
            api: API_SECRET_ENV
                .iter()
                .filter_map(|k| get(k).map(|s| (*k, Secret::new(s))))
                .collect(),
        }
    }
}

/// Every secret's environment name.
pub fn all_secret_env() -> Vec<String> {
    let mut names: Vec<String> = [
        ENV_GENESYS_WEBHOOK_SECRET,
        ENV_GENESYS_WEBHOOK_PASSWORD,
        ENV_GENESYS_CLIENT_ID,
        ENV_GENESYS_CLIENT_SECRET,
        ENV_STANDARD_WEBHOOK_SECRETS,
    ]
    .iter()
    .chain(API_SECRET_ENV.iter())
    .map(|s| s.to_string())
    .collect();
    names.extend(INTAKE_VENDORS.iter().map(|v| webhook_secret_env(*v)));
    names
}

/// `NAME` from the environment, else the contents of the file `NAME_FILE` names (one
/// trailing newline dropped, as `echo` and editors leave one).
pub(crate) fn read_env_or_file(name: &str) -> Result<Option<String>, String> {
    read_secret(name, |k| std::env::var(k).ok())
}

fn read_secret(name: &str, env: impl Fn(&str) -> Option<String>) -> Result<Option<String>, String> {
    let direct = env(name).filter(|v| !v.trim().is_empty());
    let file_var = format!("{name}_FILE");
    let Some(path) = env(&file_var).filter(|v| !v.trim().is_empty()) else {
        return Ok(direct);
    };
    if direct.is_some() {
        return Err(format!(
            "{name} and {file_var} are both set; keep one (the file is the safer place)"
        ));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{file_var}: cannot read {path}: {e}"))?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(Some(text.strip_suffix('\r').unwrap_or(text).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_can_come_from_the_file_its_file_variable_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        let path = file.display().to_string();
        let env = |k: &str| (k == "ESCALATOR_AUDIT_KEY_FILE").then(|| path.clone());
        assert_eq!(
            read_secret("ESCALATOR_AUDIT_KEY", env).unwrap().as_deref(),
            Some("s3cret")
        );

        let missing =
            |k: &str| (k == "ESCALATOR_AUDIT_KEY_FILE").then(|| "/nonexistent/key".to_string());
        let err = read_secret("ESCALATOR_AUDIT_KEY", missing).unwrap_err();
        assert!(
            err.contains("ESCALATOR_AUDIT_KEY_FILE") && err.contains("/nonexistent/key"),
            "{err}"
        );

        let both = |k: &str| {
            Some(if k.ends_with("_FILE") {
                path.clone()
            } else {
                "x".into()
            })
        };
        assert!(read_secret("ESCALATOR_AUDIT_KEY", both)
            .unwrap_err()
            .contains("both set"));
        assert!(all_secret_env().contains(&"ESCALATOR_FIVE9_WEBHOOK_SECRET".to_string()));
    }
}
