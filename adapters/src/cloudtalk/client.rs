//! CloudTalk REST client: HTTP Basic on all three hosts, and the calls Escalator needs to
//! brief a live agent, leave a trail on the contact and keep a named callback
//! (`shared/vendors/cloudtalk.md` §2–§6).
//!
//! Each method makes exactly one request and classifies the outcome as a
//! [`CallError`]; retrying is the dispatcher's job, so every attempt is recorded durably.
//!
//! # Hosts and authentication (§5)
//! One API key pair (Access Key ID / Access Key Secret, Dashboard → Account → Settings → API
//! keys) authenticates every host with HTTP Basic; the pair also selects the company. Each
//! host is a field of [`CloudTalkConfig`], so any of them can be pointed elsewhere:
//!
//! | host | default | calls |
//! |---|---|---|
//! | `api_base` | `https://my.cloudtalk.io/api` | contacts, notes, tags, activities, click-to-call, agents |
//! | `platform_base` | `https://platform-api.cloudtalk.io/api` | Cue Cards |
//! | `analytics_base` | `https://analytics-api.cloudtalk.io/api` | call details |
//!
//! There is no token, so nothing to fetch, cache or refresh: the Basic header is built from
//! the configured pair on every request. A 401 is therefore **Permanent** (the pair is wrong
//! or revoked; repeating it cannot succeed), unlike the token platforms where a 401 means
//! "fetch a new token". `Accept: application/json` goes on every request (CloudTalk may answer
//! 404/406 without it) and `Content-Type: application/json` on every body.
//!
//! # Calls
//! | method | request | returns | source |
//! |---|---|---|---|
//! | [`push_cue_card`](CloudTalkClient::push_cue_card) | `POST {platform}/cuecards` | `()` | §2.2 |
//! | [`find_contacts`](CloudTalkClient::find_contacts) | `GET {api}/contacts/index.json?keyword=` | `Vec<Contact>` | §3 |
//! | [`find_contact_by_number`](CloudTalkClient::find_contact_by_number) | same, keyword = E.164 | `Option<Contact>` (exact number) | §3 |
//! | [`create_contact`](CloudTalkClient::create_contact) | `PUT {api}/contacts/add.json` | contact id | §3 |
//! | [`add_note`](CloudTalkClient::add_note) | `PUT {api}/notes/add/{contactId}.json` | note id | §4 |
//! | [`notes`](CloudTalkClient::notes) | `GET {api}/notes/index.json?contact_id=&keyword=` | `Vec<Note>` | §4 |
//! | [`add_tags`](CloudTalkClient::add_tags) | `PUT {api}/contacts/addTags/{contactId}.json` | `Vec<Tag>` | §4 |
//! | [`remove_tags`](CloudTalkClient::remove_tags) | `DELETE {api}/contacts/removeTags/{contactId}.json` | `Vec<Tag>` | §4 |
//! | [`add_activity`](CloudTalkClient::add_activity) | `PUT {api}/activity/add/{contactId}.json` | activity id | §3.1 |
//! | [`activities`](CloudTalkClient::activities) | `GET {api}/activity/index.json?contact_id=&type=` | `Vec<ActivityRecord>` | §3.1 |
//! | [`click_to_call`](CloudTalkClient::click_to_call) | `POST {api}/calls/create.json` | `()` | §2.3, §3.3 |
//! | [`agent`](CloudTalkClient::agent) | `GET {api}/agents/index.json?id=` | `Option<Agent>` (with `availability_status`) | §2 |
//! | [`agents`](CloudTalkClient::agents) | `GET {api}/agents/index.json?page=&limit=1000` | `AgentPage` | §2 |
//! | [`call_details`](CloudTalkClient::call_details) | `GET {analytics}/calls/{callId}` | `CallDetails` | §1e |
//!
//! # Registration
//! CloudTalk has **no webhook-registration API** (§7): events come from Workflow Automations
//! that an admin creates in the UI. There is nothing to register or dry-run here; Escalator
//! prints the setup text instead ([`super::template`]).
//!
//! # Errors (§6)
//! - 429, 408 and 5xx → `Retryable`, with `retry_after` from `Retry-After` if sent, else from
//!   `X-CloudTalkAPI-ResetTime` ([`retry_after`]); the last `X-CloudTalkAPI-*` values seen are
//!   kept in [`CloudTalkClient::rate_limit`]. The limit is 60 a minute for the whole company.
//! - 424 on a Cue Card ("no such active call") → `Retryable`: CloudTalk does not see the call
//!   yet right after Answered. With no header to say otherwise, `retry_after` is
//!   [`CALL_NOT_VISIBLE_WAIT`]. After the call has ended the 424 never clears, so the
//!   dispatcher must cap these retries (or stop at the call's Ended event).
//! - 401 and every other 4xx → `Permanent` (403 "Agent is not online.", 409 "Agent is already
//!   calling." keep CloudTalk's message).
//! - A timeout or a reset after sending → `Transport` (the effect may have happened).
//! - An id that is not numeric, a number that is not a phone number → `Unactionable`.
//!
//! Messages are CloudTalk's own (`responseData.message` and its `data` field errors,
//! `errors[]`, `message`), at most 300 characters; never our request body or the key pair.
//!
//! # UNCONFIRMED, and how both readings are handled
//! - **Failure inside a 2xx.** Some endpoints answer 200 with `success: false` (§6) and the
//!   envelope repeats the status (`responseData.status`). A 2xx whose `responseData.status`
//!   is ≥ 400 is classified by that status; a 2xx with `success: false` is `Permanent`.
//! - **Cue Card `type`.** Not enumerated: HTML content is sent as `"html"`, blocks as
//!   `"blocks"`, as public integrations do. Whether a `textfield` renders as text or HTML is
//!   unknown, so caller words in one have `<`/`>` replaced, and rich text is escaped.
//! - **Contact search.** How `keyword` matches numbers (exact, substring, with or without
//!   `+`) is undocumented. [`find_contact_by_number`](CloudTalkClient::find_contact_by_number)
//!   searches the E.164 form (`+` sent as `%2B`) and keeps only contacts whose number has the
//!   same digits, so a name or partial match is never taken. If it finds nothing, calling
//!   [`find_contacts`](CloudTalkClient::find_contacts) with the digits alone covers the other
//!   reading before a contact is created.
//! - **`activity_date` zone.** Sent in UTC with `Z`; CloudTalk says the default is "company
//!   time", so the description also spells out the window in UTC and in the callee's zone.
//! - **Whether a `task` activity alerts anyone.** Probably not: it is a record on the contact's
//!   timeline. The callback itself is kept by Escalator's scheduler (click-to-call at the
//!   window when the owner is online).
//! - **`X-CloudTalkAPI-ResetTime` unit, `Retry-After`**: see [`retry_after`].
//! - **Re-adding a tag** the contact already has: assumed harmless (tags are a set).

mod cuecard;
mod ratelimit;
mod response;
mod types;

use std::sync::Mutex;
use std::time::Duration;

use http::HeaderMap;
use jiff::Timestamp;
use reqwest::Method;
use serde_json::{json, Value};

use crate::outbound::CallError;
use crate::Secret;

use response::{
    classify, created_id, e164, envelope_status, error_message, is_false, list, numeric_id,
    token_id,
};

pub use cuecard::{BlockKind, CueCard, CueCardBlock, CueCardContent};
pub use ratelimit::{retry_after, RateLimit};
pub use types::{
    Activity, ActivityRecord, ActivityType, Agent, AgentPage, AgentStatus, CallDetails,
    CallbackCommitment, Contact, NewContact, Note, Tag,
};

pub const DEFAULT_API_BASE: &str = "https://my.cloudtalk.io/api";
pub const DEFAULT_PLATFORM_BASE: &str = "https://platform-api.cloudtalk.io/api";
pub const DEFAULT_ANALYTICS_BASE: &str = "https://analytics-api.cloudtalk.io/api";

/// How long to wait before pushing a Cue Card again after a 424: the call is usually visible
/// a few seconds after Answered (a public integration waits 5 s, then retries at 2, 4, 8 s).
pub const CALL_NOT_VISIBLE_WAIT: Duration = Duration::from_secs(2);

/// Contacts fetched per search: a number rarely matches more, and one page keeps it one call.
const SEARCH_LIMIT: u32 = 50;
/// CloudTalk's maximum page size.
const PAGE_LIMIT: u32 = 1000;

/// The API key pair (§5).
#[derive(Debug, Clone)]
pub struct CloudTalkCredentials {
    pub key_id: String,
    pub key_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct CloudTalkConfig {
    pub api_base: String,
    pub platform_base: String,
    pub analytics_base: String,
    pub credentials: CloudTalkCredentials,
}

impl CloudTalkConfig {
    /// CloudTalk's public hosts.
    pub fn new(credentials: CloudTalkCredentials) -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_string(),
            platform_base: DEFAULT_PLATFORM_BASE.to_string(),
            analytics_base: DEFAULT_ANALYTICS_BASE.to_string(),
            credentials,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Host {
    Api,
    Platform,
    Analytics,
}

#[derive(Debug)]
pub struct CloudTalkClient {
    http: reqwest::Client,
    api_base: String,
    platform_base: String,
    analytics_base: String,
    credentials: CloudTalkCredentials,
    last_rate_limit: Mutex<Option<RateLimit>>,
    budget: Option<crate::ratelimit::RequestBudget>,
}

impl CloudTalkClient {
    pub fn new(http: reqwest::Client, config: CloudTalkConfig) -> Self {
        let trim = |s: String| s.trim_end_matches('/').to_string();
        Self {
            http,
            api_base: trim(config.api_base),
            platform_base: trim(config.platform_base),
            analytics_base: trim(config.analytics_base),
            credentials: config.credentials,
            last_rate_limit: Mutex::new(None),
            budget: None,
        }
    }

    /// Paces every API request through `budget` (the platform's published limit).
    pub fn with_budget(mut self, budget: Option<crate::ratelimit::RequestBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// What the last response's `X-CloudTalkAPI-*` headers said, if any response had them.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        match self.last_rate_limit.lock() {
            Ok(g) => *g,
            // A panic elsewhere while holding the lock leaves a plain value behind: still valid.
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Shows a Cue Card to the agent on the live call `card.call_uuid`. Safe to repeat: a
    /// second card is a duplicate on screen, not a second effect elsewhere.
    pub async fn push_cue_card(&self, card: &CueCard) -> Result<(), CallError> {
        token_id("call_uuid", &card.call_uuid)?;
        if card.title.trim().is_empty() {
            return Err(CallError::Unactionable("a Cue Card needs a title".into()));
        }
        self.send(
            Method::POST,
            Host::Platform,
            "/cuecards",
            &[],
            Some(&card.body()),
        )
        .await
        .map(drop)
    }

    /// Contacts matching `keyword` (a name, a number…), first page of up to 50.
    pub async fn find_contacts(&self, keyword: &str) -> Result<Vec<Contact>, CallError> {
        let keyword = keyword.trim();
        if keyword.is_empty() {
            return Err(CallError::Unactionable("empty contact search".into()));
        }
        let v = self
            .send(
                Method::GET,
                Host::Api,
                "/contacts/index.json",
                &[
                    ("keyword", keyword.to_string()),
                    ("limit", SEARCH_LIMIT.to_string()),
                ],
                None,
            )
            .await?;
        Ok(list(&v).filter_map(Contact::from_item).collect())
    }

    /// The contact holding exactly `number` (any form `phone::to_e164` reads), searched by its
    /// E.164 form; `None` when no listed contact has that number.
    pub async fn find_contact_by_number(&self, number: &str) -> Result<Option<Contact>, CallError> {
        let e164 = e164(number)?;
        let found = self.find_contacts(&e164).await?;
        Ok(found.into_iter().find(|c| c.has_number(&e164)))
    }

    /// Creates a contact; returns its id. Not idempotent: after a `Transport` error, search
    /// by number before creating again.
    pub async fn create_contact(&self, contact: &NewContact) -> Result<String, CallError> {
        if contact.name.trim().is_empty() {
            return Err(CallError::Unactionable("a contact needs a name".into()));
        }
        let body = contact.body().ok_or_else(|| {
            CallError::Unactionable("the contact's number is not a phone number".into())
        })?;
        let v = self
            .send(
                Method::PUT,
                Host::Api,
                "/contacts/add.json",
                &[],
                Some(&body),
            )
            .await?;
        created_id(&v, "contact")
    }

    /// Adds a note to the contact's record, authored by agent `user_id` when given; returns
    /// the note id. Not idempotent: put the escalation reference in the text and look for it
    /// with [`notes`](Self::notes) before repeating after a `Transport` error.
    pub async fn add_note(
        &self,
        contact_id: &str,
        note: &str,
        user_id: Option<&str>,
    ) -> Result<String, CallError> {
        let cid = numeric_id("contact id", contact_id)?;
        if note.trim().is_empty() {
            return Err(CallError::Unactionable("empty note".into()));
        }
        let mut body = json!({ "note": note });
        if let Some(u) = user_id {
            body["user_id"] = numeric_id("agent id", u)?.into();
        }
        let v = self
            .send(
                Method::PUT,
                Host::Api,
                &format!("/notes/add/{cid}.json"),
                &[],
                Some(&body),
            )
            .await?;
        created_id(&v, "note")
    }

    /// The contact's notes, filtered by `keyword` in their text when given.
    pub async fn notes(
        &self,
        contact_id: &str,
        keyword: Option<&str>,
    ) -> Result<Vec<Note>, CallError> {
        let cid = numeric_id("contact id", contact_id)?;
        let mut query = vec![
            ("contact_id", cid.to_string()),
            ("limit", PAGE_LIMIT.to_string()),
        ];
        if let Some(k) = keyword.map(str::trim).filter(|k| !k.is_empty()) {
            query.push(("keyword", k.to_string()));
        }
        let v = self
            .send(Method::GET, Host::Api, "/notes/index.json", &query, None)
            .await?;
        Ok(list(&v).filter_map(Note::from_item).collect())
    }

    /// Tags the contact (tag names; CloudTalk creates unknown ones). Returns the tags as
    /// CloudTalk reports them.
    pub async fn add_tags(&self, contact_id: &str, tags: &[String]) -> Result<Vec<Tag>, CallError> {
        self.tags(Method::PUT, "addTags", contact_id, tags).await
    }

    /// Removes tags from the contact (e.g. a callback campaign tag once the callback is done).
    pub async fn remove_tags(
        &self,
        contact_id: &str,
        tags: &[String],
    ) -> Result<Vec<Tag>, CallError> {
        self.tags(Method::DELETE, "removeTags", contact_id, tags)
            .await
    }

    async fn tags(
        &self,
        method: Method,
        action: &str,
        contact_id: &str,
        tags: &[String],
    ) -> Result<Vec<Tag>, CallError> {
        let cid = numeric_id("contact id", contact_id)?;
        let tags: Vec<&str> = tags
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        if tags.is_empty() {
            return Err(CallError::Unactionable("no tags to change".into()));
        }
        let v = self
            .send(
                method,
                Host::Api,
                &format!("/contacts/{action}/{cid}.json"),
                &[],
                Some(&json!({ "tags": tags })),
            )
            .await?;
        let reported = v["responseData"]["data"]["tags"].as_array();
        Ok(reported
            .into_iter()
            .flatten()
            .filter_map(|t| {
                Some(Tag {
                    id: types::id_text(&t["id"]),
                    name: t["name"].as_str()?.to_string(),
                })
            })
            .collect())
    }

    /// Adds an activity to the contact's timeline (the named callback is an
    /// [`Activity::callback_task`]); returns its id. Not idempotent: look for the reference
    /// with [`activities`](Self::activities) before repeating after a `Transport` error.
    pub async fn add_activity(
        &self,
        contact_id: &str,
        activity: &Activity,
    ) -> Result<String, CallError> {
        let cid = numeric_id("contact id", contact_id)?;
        if activity.name.trim().is_empty() {
            return Err(CallError::Unactionable("an activity needs a name".into()));
        }
        let v = self
            .send(
                Method::PUT,
                Host::Api,
                &format!("/activity/add/{cid}.json"),
                &[],
                Some(&activity.body()),
            )
            .await?;
        created_id(&v, "activity")
    }

    /// The contact's activities, of one type when given.
    pub async fn activities(
        &self,
        contact_id: &str,
        kind: Option<ActivityType>,
    ) -> Result<Vec<ActivityRecord>, CallError> {
        let cid = numeric_id("contact id", contact_id)?;
        let mut query = vec![
            ("contact_id", cid.to_string()),
            ("limit", PAGE_LIMIT.to_string()),
        ];
        if let Some(k) = kind {
            query.push(("type", k.as_str().to_string()));
        }
        let v = self
            .send(Method::GET, Host::Api, "/activity/index.json", &query, None)
            .await?;
        Ok(list(&v).filter_map(ActivityRecord::from_item).collect())
    }

    /// Rings agent `agent_id` and, once they pick up (CloudTalk waits up to 20 s), dials
    /// `callee`. **Not idempotent** and no idempotency key exists: never repeat it blindly.
    /// After a `Transport` error (or a 5xx) read the agent with [`agent`](Self::agent): a
    /// `calling` agent means the call most likely started. 403 (agent not online) and 409
    /// (agent already calling) are `Permanent` with CloudTalk's message.
    pub async fn click_to_call(&self, agent_id: &str, callee: &str) -> Result<(), CallError> {
        let agent = numeric_id("agent id", agent_id)?;
        let callee = e164(callee)?;
        self.send(
            Method::POST,
            Host::Api,
            "/calls/create.json",
            &[],
            Some(&json!({ "agent_id": agent, "callee_number": callee })),
        )
        .await
        .map(drop)
    }

    /// One agent with its `availability_status`; `None` when CloudTalk lists no such agent.
    pub async fn agent(&self, agent_id: &str) -> Result<Option<Agent>, CallError> {
        let id = numeric_id("agent id", agent_id)?;
        let v = self
            .send(
                Method::GET,
                Host::Api,
                "/agents/index.json",
                &[("id", id.to_string())],
                None,
            )
            .await?;
        let wanted = id.to_string();
        // The filter is CloudTalk's; the id is checked again so a server ignoring it cannot
        // hand back someone else's status.
        let found = list(&v)
            .filter_map(Agent::from_item)
            .find(|a| a.id == wanted);
        Ok(found)
    }

    /// One page (from 1) of up to 1000 agents, to choose who is online.
    pub async fn agents(&self, page: u32) -> Result<AgentPage, CallError> {
        let page = page.max(1);
        let v = self
            .send(
                Method::GET,
                Host::Api,
                "/agents/index.json",
                &[
                    ("page", page.to_string()),
                    ("limit", PAGE_LIMIT.to_string()),
                ],
                None,
            )
            .await?;
        let number = |key: &str| {
            types::id_text(&v["responseData"][key])
                .and_then(|s| s.parse().ok())
                .unwrap_or(page)
        };
        Ok(AgentPage {
            agents: list(&v).filter_map(Agent::from_item).collect(),
            page_number: number("pageNumber"),
            page_count: number("pageCount"),
        })
    }

    /// A finished call as the analytics host knows it (numeric CDR `call_id`): maps it to
    /// the `call_uuid` and gives the call tags and notes the agent set.
    pub async fn call_details(&self, call_id: &str) -> Result<CallDetails, CallError> {
        let id = numeric_id("call id", call_id)?;
        let v = self
            .send(
                Method::GET,
                Host::Analytics,
                &format!("/calls/{id}"),
                &[],
                None,
            )
            .await?;
        CallDetails::from_value(&v)
            .ok_or_else(|| CallError::Transport("call details response has no cdr_id".into()))
    }

    fn base(&self, host: Host) -> &str {
        match host {
            Host::Api => &self.api_base,
            Host::Platform => &self.platform_base,
            Host::Analytics => &self.analytics_base,
        }
    }

    /// One request; the parsed JSON of a successful answer (`Null` when it had no body).
    async fn send(
        &self,
        method: Method,
        host: Host,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        crate::ratelimit::acquire(self.budget.as_ref()).await;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base(host)))
            .basic_auth(
                &self.credentials.key_id,
                Some(self.credentials.key_secret.expose()),
            )
            .header(http::header::ACCEPT, "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.record_rate_limit(&headers);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !(200..300).contains(&status) {
            let message = parsed.as_ref().map(error_message).unwrap_or_default();
            return Err(classify(status, &headers, message));
        }
        let v = parsed.unwrap_or(Value::Null);
        if let Some(inner) = envelope_status(&v).filter(|s| *s >= 400) {
            return Err(classify(inner, &headers, error_message(&v)));
        }
        if is_false(&v["success"]) || is_false(&v["responseData"]["success"]) {
            return Err(CallError::Permanent {
                status,
                message: error_message(&v),
            });
        }
        Ok(v)
    }

    fn record_rate_limit(&self, headers: &HeaderMap) {
        if let Some(r) = RateLimit::from_headers(headers, Timestamp::now()) {
            match self.last_rate_limit.lock() {
                Ok(mut g) => *g = Some(r),
                Err(poisoned) => *poisoned.into_inner() = Some(r),
            }
        }
    }
}
