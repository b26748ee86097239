//! Settings for acting on each platform through its API (`[vendors.<vendor>.api]`).
//! Credentials are never here: they come from the environment ([`super::Secrets`]).
//! A platform whose credentials are missing runs in dry-run: decisions and the actions
//! they would take are recorded, nothing is sent.

use serde::Deserialize;

/// `[vendors.talkdesk.api]`. Credentials: `ESCALATOR_TALKDESK_CLIENT_ID`,
/// `ESCALATOR_TALKDESK_CLIENT_SECRET` (an OAuth client-credentials app).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TalkdeskApi {
    /// `us`, `eu` or `ca`.
    pub region: String,
    /// The account's subdomain (`{account}.mytalkdesk.com`), for the token host.
    pub account: String,
    pub api_base: Option<String>,
    pub token_url: Option<String>,
    /// The Talkdesk number (E.164) callbacks are placed from.
    pub callback_from_number: String,
    /// Client-side budget; Talkdesk publishes limits per endpoint only.
    pub requests_per_minute: u32,
    /// OAuth scopes to ask for. Unset: the callback scopes (`callback:write`,
    /// `schedule-callbacks:write`, `schedule-callbacks:read`). Add the reporting custom
    /// fields scope once your account shows its name; `[]` asks for the client's whole grant.
    pub scopes: Option<Vec<String>>,
    /// Record each escalation on the interaction's reporting custom fields (text fields 1–4,
    /// numeric field 1, timestamp field 1). Turn off if the account uses them for other data.
    pub custom_fields: bool,
}

impl Default for TalkdeskApi {
    fn default() -> Self {
        Self {
            region: "us".into(),
            account: String::new(),
            api_base: None,
            token_url: None,
            callback_from_number: String::new(),
            requests_per_minute: 120,
            scopes: None,
            custom_fields: true,
        }
    }
}

/// `[vendors.five9.api]`. Credentials: `ESCALATOR_FIVE9_ADMIN_USER` and
/// `ESCALATOR_FIVE9_ADMIN_PASSWORD` (Configuration Web Services), and
/// `ESCALATOR_FIVE9_AGENT_CREDENTIALS` — `user:password` pairs, comma- or
/// newline-separated — for the agents whose calls Escalator may transfer (the Agent REST
/// API only acts as the agent on the call).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Five9Api {
    /// `us`, `ca`, `uk`, `eu` or `in`.
    pub region: String,
    pub admin_base: Option<String>,
    pub agent_login_base: Option<String>,
    pub agent_api_base: Option<String>,
    /// The dialing list that holds scheduled callbacks (`addRecordToList`).
    pub callback_list: String,
    /// Call-variable group of the briefing (`Reference`, `Reason`, `Briefing`,
    /// `CallerVerified`) and of the agent's guidance (`Guidance`).
    pub cav_group: String,
    /// Contact field that carries the briefing line on a scheduled callback's record, so
    /// the agent who dials it sees why; must exist in the domain's contact fields. Empty
    /// sends the number only.
    pub callback_briefing_field: String,
    /// Agent REST budget (Five9 publishes none; a third party cites 5 per second).
    pub requests_per_minute: u32,
}

impl Default for Five9Api {
    fn default() -> Self {
        Self {
            region: "us".into(),
            admin_base: None,
            agent_login_base: None,
            agent_api_base: None,
            callback_list: "Escalator Callbacks".into(),
            cav_group: "Escalator".into(),
            callback_briefing_field: "escalator_briefing".into(),
            requests_per_minute: 300,
        }
    }
}

/// `[vendors.nextiva.api]`. Credentials: `ESCALATOR_NEXTIVA_API_USER`,
/// `ESCALATOR_NEXTIVA_API_PASSWORD` (an NCC user allowed to transfer workitems).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NextivaApi {
    pub login_base: Option<String>,
    /// Overrides the per-tenant `location` the login returns.
    pub api_base: Option<String>,
    /// The outbound list callbacks are written to as leads.
    pub callback_list_id: String,
    /// Lead field that holds the number to call back.
    pub callback_phone_field: String,
    /// How that number is written: `e164` (as received) or `ten_digits` (US national).
    pub callback_phone_format: LeadPhoneFormat,
    /// Lead field that holds the escalation reference: the key a repeated upsert matches,
    /// so a retried callback updates its lead instead of adding another.
    pub callback_reference_field: String,
    /// Lead field for the briefing line (reference, tier, reason, the caller's words);
    /// empty leaves it out.
    pub callback_note_field: String,
    /// Nextiva publishes no limit; self-throttle anyway.
    pub requests_per_minute: u32,
}

/// How an NCC outbound list wants phone numbers (lists differ; Nextiva's own callback
/// template uses ten digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadPhoneFormat {
    #[default]
    E164,
    TenDigits,
}

impl Default for NextivaApi {
    fn default() -> Self {
        Self {
            login_base: None,
            api_base: None,
            callback_list_id: String::new(),
            callback_phone_field: "phone".into(),
            callback_phone_format: LeadPhoneFormat::E164,
            callback_reference_field: "escalation_reference".into(),
            callback_note_field: "escalation_briefing".into(),
            requests_per_minute: 300,
        }
    }
}

/// `[vendors.cloudtalk.api]`. Credentials: `ESCALATOR_CLOUDTALK_API_KEY_ID`,
/// `ESCALATOR_CLOUDTALK_API_KEY_SECRET`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudTalkApi {
    /// Callback owner (as named in `[teams]`) → their CloudTalk agent id: Escalator places
    /// CloudTalk callbacks itself at the window by click-to-call from the owner's phone.
    pub agents: std::collections::BTreeMap<String, String>,
    pub api_base: Option<String>,
    pub platform_base: Option<String>,
    pub analytics_base: Option<String>,
    /// CloudTalk allows 60 per minute per company, shared with every other integration;
    /// Escalator keeps some of it free for them.
    pub requests_per_minute: u32,
    /// When a callback committed on CloudTalk (a task activity on the contact) is due,
    /// in minutes after the commitment is made.
    pub callback_due_minutes: u32,
    /// How long the callback window stays open after it is due, in minutes (written into
    /// the task so whoever calls back knows the deadline).
    pub callback_window_minutes: u32,
}

impl Default for CloudTalkApi {
    fn default() -> Self {
        Self {
            agents: Default::default(),
            api_base: None,
            platform_base: None,
            analytics_base: None,
            requests_per_minute: 40,
            callback_due_minutes: 15,
            callback_window_minutes: 60,
        }
    }
}
