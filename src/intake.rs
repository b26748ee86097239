//! Which platforms take deliveries, and how each delivery is authenticated, from the
//! configuration and the secrets in the environment.

use std::collections::BTreeMap;

use escalator_adapters::auth::InboundAuth;
use escalator_adapters::standard::SigningKey;
use escalator_adapters::Vendor;

use crate::config::{Config, InboundAuthMode, IntakeAuth, Secrets, INTAKE_VENDORS};

/// Vendor → how its deliveries prove where they come from. A vendor with no entry has no
/// secret configured: its deliveries are refused.
pub type InboundAuths = BTreeMap<Vendor, InboundAuth>;

pub fn inbound_auths(config: &Config, secrets: &Secrets) -> InboundAuths {
    let mut auths = InboundAuths::new();
    let g = &config.vendors.genesys;
    let genesys =
        match g.auth {
            InboundAuthMode::Header => secrets.genesys_webhook_secret.clone().map(|secret| {
                InboundAuth::SharedSecretHeader {
                    header: g.auth_header.clone(),
                    secret,
                }
            }),
            InboundAuthMode::Basic => {
                secrets
                    .genesys_webhook_password
                    .clone()
                    .map(|password| InboundAuth::Basic {
                        user: g.basic_user.clone(),
                        password,
                    })
            }
        };
    if let Some(a) = genesys {
        auths.insert(Vendor::Genesys, a);
    }
    let keys: Vec<_> = secrets
        .standard_webhook_secrets
        .iter()
        .filter_map(|s| SigningKey::parse(s).ok())
        .collect();
    if !keys.is_empty() {
        auths.insert(Vendor::Standard, InboundAuth::StandardWebhooks { keys });
    }
    for vendor in INTAKE_VENDORS {
        let Some(secret) = secrets.webhook_secrets.get(&vendor) else {
            continue;
        };
        let intake = config.vendors.intake(vendor);
        let options = intake
            .auth
            .iter()
            .map(|mode| match mode {
                IntakeAuth::Url => InboundAuth::UrlSecret {
                    secret: secret.clone(),
                },
                IntakeAuth::Header => InboundAuth::SharedSecretHeader {
                    header: intake.header.clone(),
                    secret: secret.clone(),
                },
                IntakeAuth::Basic => InboundAuth::Basic {
                    user: intake.basic_user.clone(),
                    password: secret.clone(),
                },
                IntakeAuth::Field => InboundAuth::FieldSecret {
                    field: intake.field.clone(),
                    secret: secret.clone(),
                },
            })
            .collect();
        auths.insert(vendor, InboundAuth::AnyOf(options));
    }
    auths
}

/// Vendors whose deliveries are taken.
pub fn enabled_vendors(config: &Config) -> Vec<Vendor> {
    let v = &config.vendors;
    let mut out = Vec::new();
    if v.genesys.enabled {
        out.push(Vendor::Genesys);
    }
    if v.standard.enabled {
        out.push(Vendor::Standard);
    }
    out.extend(
        INTAKE_VENDORS
            .into_iter()
            .filter(|vendor| v.intake(*vendor).enabled),
    );
    out
}
