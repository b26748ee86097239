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

impl Secrets {
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
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
        }
    }
}
