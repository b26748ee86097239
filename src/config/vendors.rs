//! Per-platform settings: how deliveries are authenticated, Genesys API settings, and where
//! each team is on each platform.

use escalator_adapters::Vendor;
use serde::Deserialize;

use super::platform_api::{CloudTalkApi, Five9Api, NextivaApi, TalkdeskApi};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VendorsConfig {
    pub genesys: GenesysConfig,
    pub standard: StandardFeedConfig,
    pub talkdesk: IntakeConfig<TalkdeskApi>,
    pub five9: IntakeConfig<Five9Api>,
    pub nextiva: IntakeConfig<NextivaApi>,
    pub cloudtalk: IntakeConfig<CloudTalkApi>,
}

/// Where a platform without request signing puts the shared secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntakeAuth {
    /// In the URL: `/webhooks/{vendor}/{secret}` or `?secret=` (Talkdesk has nothing else).
    Url,
    /// In a header (`header`).
    Header,
    /// HTTP Basic (`basic_user` and the secret as password).
    Basic,
    /// In a field of the query, form or JSON body (`field`).
    Field,
}

/// Intake settings of a platform whose deliveries carry a shared secret, as written in
/// the file; what is left out takes the platform's own default ([`VendorsConfig::intake`]).
/// `api` is how Escalator acts on the platform.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeConfig<A: Default> {
    pub api: A,
    pub enabled: Option<bool>,
    /// Every place the secret is accepted from.
    pub auth: Option<Vec<IntakeAuth>>,
    pub header: Option<String>,
    pub field: Option<String>,
    pub basic_user: Option<String>,
}

/// [`IntakeConfig`] with the platform's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    pub enabled: bool,
    pub auth: Vec<IntakeAuth>,
    pub header: String,
    pub field: String,
    pub basic_user: String,
}

impl Intake {
    /// What each platform can do, when the file says nothing.
    fn default_for(vendor: Vendor) -> Self {
        let base = |auth: &[IntakeAuth]| Intake {
            enabled: true,
            auth: auth.to_vec(),
            header: "X-Escalator-Token".into(),
            field: "escalator_secret".into(),
            basic_user: "escalator".into(),
        };
        match vendor {
            // Webhook Triggers can only carry the secret in the URL; Studio's Execute
            // Action sends it as X-API-Key.
            Vendor::Talkdesk => Intake {
                header: "X-API-Key".into(),
                ..base(&[IntakeAuth::Url, IntakeAuth::Header])
            },
            // A constant Web Connector parameter.
            Vendor::Five9 => base(&[IntakeAuth::Field]),
            Vendor::Nextiva => base(&[IntakeAuth::Header, IntakeAuth::Basic]),
            _ => base(&[IntakeAuth::Header, IntakeAuth::Field]),
        }
    }
}

impl VendorsConfig {
    /// The intake settings of one of [`INTAKE_VENDORS`], defaults filled in.
    pub fn intake(&self, vendor: Vendor) -> Intake {
        let d = Intake::default_for(vendor);
        match vendor {
            Vendor::Talkdesk => resolve(&self.talkdesk, d),
            Vendor::Five9 => resolve(&self.five9, d),
            Vendor::Nextiva => resolve(&self.nextiva, d),
            _ => resolve(&self.cloudtalk, d),
        }
    }
}

fn resolve<A: Default>(file: &IntakeConfig<A>, d: Intake) -> Intake {
    Intake {
        enabled: file.enabled.unwrap_or(d.enabled),
        auth: file.auth.clone().unwrap_or(d.auth),
        header: file.header.clone().unwrap_or(d.header),
        field: file.field.clone().unwrap_or(d.field),
        basic_user: file.basic_user.clone().unwrap_or(d.basic_user),
    }
}

/// The vendor-neutral signed feed (`POST /webhooks/standard`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StandardFeedConfig {
    pub enabled: bool,
}

impl Default for StandardFeedConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InboundAuthMode {
    Header,
    Basic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsultFrom {
    Customer,
    Agent,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenesysConfig {
    pub enabled: bool,
    pub auth: InboundAuthMode,
    pub auth_header: String,
    pub basic_user: String,
    pub region: String,
    pub api_base: Option<String>,
    pub login_base: Option<String>,
    pub consult_from: ConsultFrom,
    pub default_queue_id: String,
    /// Client-side budget (Genesys allows 300 per minute per OAuth client on some keys).
    pub requests_per_minute: u32,
}

/// Where a team is on each platform.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamConfig {
    /// The named person who owns this team's callbacks when a transfer cannot be made
    /// (e.g. "Dana Reyes"); alerts name them.
    pub callback_owner: Option<String>,
    /// Who overdue callbacks of this team are escalated to (a named person).
    pub supervisor: Option<String>,
    /// The people who take this team's callbacks; each new one goes to whoever has the
    /// fewest open. Empty: `callback_owner` takes them all.
    pub roster: Vec<String>,
    pub genesys: Option<PlatformTarget>,
    pub talkdesk: Option<PlatformTarget>,
    pub five9: Option<PlatformTarget>,
    pub nextiva: Option<PlatformTarget>,
    pub cloudtalk: Option<PlatformTarget>,
}

impl TeamConfig {
    pub fn target(&self, vendor: Vendor) -> Option<&PlatformTarget> {
        match vendor {
            Vendor::Genesys => self.genesys.as_ref(),
            Vendor::Talkdesk => self.talkdesk.as_ref(),
            Vendor::Five9 => self.five9.as_ref(),
            Vendor::Nextiva => self.nextiva.as_ref(),
            Vendor::Cloudtalk => self.cloudtalk.as_ref(),
            Vendor::Standard => None,
        }
    }
}

/// A team on one platform: a Genesys queue, a Talkdesk ring group, a Five9 skill, a
/// Nextiva queue, a CloudTalk group.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformTarget {
    pub queue_id: String,
    pub queue_name: Option<String>,
    /// Genesys: consult a named person (user id) instead of a queue.
    pub agent_id: Option<String>,
    /// Genesys: consult a phone number or address (an outside team) instead of a queue.
    pub address: Option<String>,
    /// Where the fallback callback goes; the team's queue when unset.
    pub callback_queue_id: Option<String>,
}

/// The Genesys form of [`PlatformTarget`].
pub type GenesysTarget = PlatformTarget;

impl Default for GenesysConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            auth: InboundAuthMode::Header,
            auth_header: "X-Escalator-Token".into(),
            basic_user: "genesys".into(),
            region: "us-east-1".into(),
            api_base: None,
            login_base: None,
            consult_from: ConsultFrom::Customer,
            default_queue_id: String::new(),
            requests_per_minute: 300,
        }
    }
}
