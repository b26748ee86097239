//! The playbook file: categories of phrases per language, thresholds, authority limits,
//! guidance texts and crisis lines. Parsed from TOML and validated; every error names the
//! file, the line and the key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

/// The built-in playbook, embodying `shared/domain.md` §5–6.
pub const DEFAULT_PLAYBOOK: &str = include_str!("../../playbook/default.toml");
pub const DEFAULT_NAME: &str = "<built-in playbook>";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookFile {
    pub version: u32,
    pub thresholds: Thresholds,
    pub authority: Authority,
    pub guidance: GuidanceTexts,
    #[serde(default)]
    pub crisis_lines: BTreeMap<String, String>,
    pub categories: BTreeMap<String, CategoryFile>,
    /// Where each team is on each platform; overrides `[teams]` of the service config.
    #[serde(default)]
    pub teams: BTreeMap<String, crate::config::TeamConfig>,
    /// What semantic scores do (thresholds per category, anger); without it the semantic
    /// layer decides nothing.
    #[serde(default)]
    pub semantic: Option<crate::semantic::SemanticPolicyFile>,
    /// QA review: the percentage of escalations of each kind flagged for review (see
    /// [`REVIEW_KEYS`]); kinds not listed use the service's `review.sample_percent`.
    #[serde(default)]
    pub review: BTreeMap<String, i64>,
}

/// The keys a `[review]` table may set: a trigger kind, or a group of them.
/// `hard_stop` must be 100; `supervisor_tier` covers supervisor-tier kinds not listed;
/// `policy_exception` is a caller's request for a policy exception (an authority request
/// on a policy phrase rather than an amount).
pub const REVIEW_KEYS: &[&str] = &[
    "hard_stop",
    "supervisor_tier",
    "supervisor_request",
    "authority_request",
    "policy_exception",
    "over_promise",
    "sustained_anger",
    "agent_request",
    "long_hold",
    "repeat_contact",
    "anger",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub anger_turns: u32,
    pub negative_sentiment: f64,
    pub hold_seconds: u64,
    pub repeat_contact_hours: u64,
    pub repeat_contact_calls: u32,
    /// How long a consult may ring before nobody answering counts as a failed transfer
    /// (the caller is then owed a callback and a supervisor is alerted).
    #[serde(default = "default_transfer_answer_seconds")]
    pub transfer_answer_seconds: u64,
    /// A platform sentiment score measured longer than this before an utterance is too old
    /// to say anything about it (the caller's words still do).
    #[serde(default = "default_sentiment_max_age")]
    pub sentiment_max_age_seconds: u64,
}

fn default_transfer_answer_seconds() -> u64 {
    60
}

fn default_sentiment_max_age() -> u64 {
    30
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    pub agent_refund_limit: f64,
    pub agent_credit_limit: f64,
    pub agent_policy_exceptions: bool,
    /// What a supervisor or specialist holding the call (after an answered transfer) may
    /// refund or credit; above it even their offer goes to review as an over-promise.
    /// Unset: no limit.
    #[serde(default)]
    pub supervisor_refund_limit: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidanceTexts {
    pub heard: String,
    pub authority: String,
    pub self_harm: String,
    /// For the agent when a repeat caller connects; `{calls}` and `{hours}` are filled in.
    #[serde(default = "default_repeat_contact")]
    pub repeat_contact: String,
}

fn default_repeat_contact() -> String {
    "Repeat caller: {calls} earlier calls from this number in the last {hours} hours. \
     Acknowledge it (\"I can see you've called us before about this\"), own the issue until \
     it is resolved, and do not send them round again."
        .into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    /// Goes straight to its specialist team and beats every other rule.
    HardStop,
    /// Brings in the category's team (the supervisor tier).
    Tier,
    /// Evidence used by other rules (anger, a refund request), never escalates alone.
    Signal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerFilter {
    #[default]
    Customer,
    Agent,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryFile {
    pub kind: CategoryKind,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub speaker: SpeakerFilter,
    #[serde(default = "yes")]
    pub negation: bool,
    /// Language → phrases.
    pub phrases: BTreeMap<String, Vec<Spanned<String>>>,
    /// Language (`en`, `es`) → phrases matched on the utterance's stems, each word of the
    /// phrase stemmed alike, so one phrase covers a word's inflections.
    #[serde(default)]
    pub stems: BTreeMap<String, Vec<Spanned<String>>>,
    #[serde(default)]
    pub except: BTreeMap<String, Vec<Spanned<String>>>,
    /// Words that, in a label an agent chose (a disposition, a tag, an escalation reason
    /// such as "Escalated - Legal"), mean this category.
    #[serde(default)]
    pub labels: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Categories the engine gives meaning to; a file may not invent others.
pub const KNOWN_CATEGORIES: &[&str] = &[
    "legal_threat",
    "regulator_mention",
    "media_mention",
    "self_harm",
    "fraud",
    "supervisor_request",
    "anger",
    "refund_request",
    "policy_exception",
    "over_promise",
    "agent_decline",
];

/// A problem in a playbook file, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct PlaybookError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

pub fn read(path: &Path) -> Result<(String, String), PlaybookError> {
    let name = path.display().to_string();
    std::fs::read_to_string(path)
        .map(|text| (name.clone(), text))
        .map_err(|e| PlaybookError {
            file: name,
            line: 0,
            key: "-".into(),
            message: format!("cannot read: {e}"),
        })
}

pub fn parse(name: &str, text: &str) -> Result<PlaybookFile, PlaybookError> {
    toml::from_str::<PlaybookFile>(text).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        PlaybookError {
            file: name.to_string(),
            line: offset.map(|o| line_of(text, o)).unwrap_or(0),
            key: offset
                .map(|o| key_at(text, o))
                .unwrap_or_else(|| "-".into()),
            message: e.message().trim().to_string(),
        }
    })
}

/// The dotted key at `offset`: the enclosing `[table]` header plus the key on that line.
fn key_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    match (table, key) {
        (Some(t), Some(k)) => format!("{t}.{k}"),
        (Some(t), None) => t,
        (None, Some(k)) => k,
        (None, None) => "-".into(),
    }
}

pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
