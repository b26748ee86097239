//! What the CloudTalk client sends and returns: the request bodies in CloudTalk's field names
//! (OpenAPI v1.7, vendor doc §2–§5) and lenient readings of its answers, whose ids arrive as
//! strings or numbers and whose numbers arrive with or without `+`.

use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::{phone, Briefing};

/// Titles (a Cue Card's, an activity's name) are bounded: CloudTalk documents no limits.
pub(super) const TITLE_MAX: usize = 120;

/// A contact as `GET /contacts/index.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub name: Option<String>,
    pub company: Option<String>,
    /// E.164; CloudTalk lists them as numbers without `+`.
    pub numbers: Vec<String>,
}

impl Contact {
    /// The contact carries exactly this number (digits compared, so `+39…` and `39…` agree).
    pub fn has_number(&self, number: &str) -> bool {
        let Some(wanted) = phone::to_e164(number) else {
            return false;
        };
        self.numbers.contains(&wanted)
    }

    pub(crate) fn from_item(item: &Value) -> Option<Self> {
        // List items are wrapped per model (`{"Contact": {…}, "ContactNumber": …}`); a bare
        // object is read as the contact itself.
        let contact = item.get("Contact").unwrap_or(item);
        let id = id_text(&contact["id"])?;
        let mut numbers = Vec::new();
        // `ContactNumber` is one object in the list example and an array in `show`; the
        // analytics-style `contact_numbers` is an array of bare numbers.
        for source in [&item["ContactNumber"], &contact["contact_numbers"]] {
            for entry in one_or_many(source) {
                let raw = entry.get("public_number").unwrap_or(entry);
                if let Some(n) = scalar(raw).and_then(|s| phone::to_e164(&s)) {
                    if !numbers.contains(&n) {
                        numbers.push(n);
                    }
                }
            }
        }
        Some(Self {
            id,
            name: text(&contact["name"]),
            company: text(&contact["company"]),
            numbers,
        })
    }
}

/// `PUT /contacts/add.json` (the fields Escalator sets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// Required by CloudTalk; use the caller's number when the name is unknown.
    pub name: String,
    /// Any form `phone::to_e164` accepts; sent as E.164.
    pub number: String,
    pub tags: Vec<String>,
    /// Shown to agents as a link on the contact (`ExternalUrl`, name at most 30 characters).
    pub external_url: Option<(String, String)>,
}

impl NewContact {
    pub(crate) fn body(&self) -> Option<Value> {
        let number = phone::to_e164(&self.number)?;
        let mut body = json!({
            "name": bounded(&self.name, 150),
            "ContactNumber": [{"public_number": number}],
        });
        if !self.tags.is_empty() {
            body["ContactsTag"] = self.tags.iter().map(|t| json!({"name": t})).collect();
        }
        if let Some((name, url)) = &self.external_url {
            body["ExternalUrl"] = json!([{"name": bounded(name, 30), "url": url}]);
        }
        Some(body)
    }
}

/// A contact note (`ContactNote`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: String,
    pub contact_id: Option<String>,
    pub user_id: Option<String>,
    pub note: String,
    pub created: Option<String>,
}

impl Note {
    pub(crate) fn from_item(item: &Value) -> Option<Self> {
        let n = item.get("ContactNote").unwrap_or(item);
        Some(Self {
            id: id_text(&n["id"])?,
            contact_id: id_text(&n["contact_id"]),
            user_id: id_text(&n["user_id"]),
            note: text(&n["note"]).unwrap_or_default(),
            created: text(&n["created"]),
        })
    }
}

/// A tag as `addTags` / `removeTags` answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: Option<String>,
    pub name: String,
}

/// `ContactActivity.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityType {
    Order,
    Task,
    Chat,
    Ticket,
    Other,
    Invoice,
    Proforma,
    Estimate,
    Cancel,
}

impl ActivityType {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityType::Order => "order",
            ActivityType::Task => "task",
            ActivityType::Chat => "chat",
            ActivityType::Ticket => "ticket",
            ActivityType::Other => "other",
            ActivityType::Invoice => "invoice",
            ActivityType::Proforma => "proforma",
            ActivityType::Estimate => "estimate",
            ActivityType::Cancel => "cancel",
        }
    }
}

/// `PUT /activity/add/{contactId}.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub kind: ActivityType,
    pub name: String,
    /// Sent as `YYYY-MM-DDTHH:MM:SS.000Z` like CloudTalk's examples.
    pub activity_date: Option<Timestamp>,
    pub description: Option<String>,
    /// The author shown in the timeline (`activity_author`).
    pub author: Option<String>,
    /// CloudTalk's `external_id` is an integer: only a numeric id can go there.
    pub external_id: Option<u64>,
    pub external_url: Option<String>,
}

/// A named callback Escalator has committed to: what the contact's timeline must show.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackCommitment {
    pub briefing: Briefing,
    /// The named person who owns the callback.
    pub owner: String,
    pub team: String,
    /// The number to call back (E.164).
    pub number: String,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    /// The callee's IANA zone, shown beside the UTC window when known.
    pub time_zone: Option<String>,
    /// A link to the commitment in Escalator's callback log.
    pub link: Option<String>,
}

impl Activity {
    /// A `task` dated at the window's start, named after the reference and the owner, with
    /// the window in UTC and in the callee's zone (CloudTalk may show `activity_date` in
    /// company time: the text never depends on that).
    pub fn callback_task(c: &CallbackCommitment) -> Self {
        let b = &c.briefing;
        let mut lines = vec![
            format!("Named callback {} owned by {}", b.reference, c.owner),
            format!("Team: {}", c.team),
            format!(
                "Call {} between {} and {} UTC",
                c.number,
                c.window_start.strftime("%Y-%m-%d %H:%M"),
                c.window_end.strftime("%Y-%m-%d %H:%M"),
            ),
        ];
        if let Some(zone) = &c.time_zone {
            if let (Ok(start), Ok(end)) = (c.window_start.in_tz(zone), c.window_end.in_tz(zone)) {
                lines.push(format!(
                    "Callee local time: {} to {} ({zone})",
                    start.strftime("%Y-%m-%d %H:%M"),
                    end.strftime("%H:%M"),
                ));
            }
        }
        lines.push(format!("Reason: {} (tier {})", b.reason, b.tier));
        if let Some(q) = &b.quote {
            lines.push(format!("Caller's words: \"{q}\""));
        }
        let verified = match b.verified {
            Some(true) => "verified",
            Some(false) => "not verified",
            None => "verification unknown",
        };
        lines.push(format!(
            "Caller: {} ({verified})",
            b.caller_name.as_deref().unwrap_or("name unknown")
        ));
        Self {
            kind: ActivityType::Task,
            name: bounded(
                &format!("Callback {}: {} ({})", b.reference, c.team, c.owner),
                TITLE_MAX,
            ),
            activity_date: Some(c.window_start),
            description: Some(lines.join("\n")),
            author: Some("Escalator".to_string()),
            external_id: None,
            external_url: c.link.clone(),
        }
    }

    pub(crate) fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), self.kind.as_str().into());
        body.insert("name".into(), self.name.clone().into());
        if let Some(at) = self.activity_date {
            body.insert("activity_date".into(), activity_date(at).into());
        }
        let optional = [
            ("description", &self.description),
            ("activity_author", &self.author),
            ("external_url", &self.external_url),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                body.insert(key.into(), v.clone().into());
            }
        }
        if let Some(id) = self.external_id {
            body.insert("external_id".into(), id.into());
        }
        Value::Object(body)
    }
}

/// A contact activity as `GET /activity/index.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub id: String,
    pub contact_id: Option<String>,
    pub kind: Option<String>,
    pub name: String,
    pub activity_date: Option<String>,
    pub external_url: Option<String>,
}

impl ActivityRecord {
    pub(crate) fn from_item(item: &Value) -> Option<Self> {
        let a = item.get("ContactActivity").unwrap_or(item);
        Some(Self {
            id: id_text(&a["id"])?,
            contact_id: id_text(&a["contact_id"]),
            kind: text(&a["type"]),
            name: text(&a["name"]).unwrap_or_default(),
            activity_date: text(&a["activity_date"]),
            external_url: text(&a["external_url"]),
        })
    }
}

/// `Agent.availability_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentStatus {
    Online,
    Offline,
    Paused,
    /// On a call already.
    Calling,
    /// A value CloudTalk added after v1.7, kept verbatim.
    Other(String),
}

impl AgentStatus {
    fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "online" => AgentStatus::Online,
            "offline" => AgentStatus::Offline,
            "paused" => AgentStatus::Paused,
            "calling" => AgentStatus::Calling,
            _ => AgentStatus::Other(s.to_string()),
        }
    }
}

/// An agent from `GET /agents/index.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// `None` when CloudTalk did not say.
    pub status: Option<AgentStatus>,
    pub extension: Option<String>,
    pub default_number: Option<String>,
}

impl Agent {
    /// Online and not already on a call: the only state in which click-to-call can ring.
    pub fn is_online(&self) -> bool {
        self.status == Some(AgentStatus::Online)
    }

    pub(crate) fn from_item(item: &Value) -> Option<Self> {
        let a = item.get("Agent").unwrap_or(item);
        Some(Self {
            id: id_text(&a["id"])?,
            first_name: text(&a["firstname"]),
            last_name: text(&a["lastname"]),
            email: text(&a["email"]),
            status: text(&a["availability_status"]).map(|s| AgentStatus::parse(&s)),
            extension: id_text(&a["extension"]),
            default_number: scalar(&a["default_number"]).and_then(|s| phone::to_e164(&s)),
        })
    }
}

/// One page of `GET /agents/index.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPage {
    pub agents: Vec<Agent>,
    pub page_number: u32,
    pub page_count: u32,
}

/// What the analytics host says about a finished call (`GET /calls/{callId}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDetails {
    pub cdr_id: String,
    /// The live-call id the events carried: maps `call_uuid` ↔ `call_id`.
    pub uuid: Option<String>,
    /// `answered` or `missed`.
    pub status: Option<String>,
    /// `regular`, `callback`, `transferred`, `power_dialer`…
    pub call_type: Option<String>,
    pub direction: Option<String>,
    /// Call tag labels the agent set.
    pub tags: Vec<String>,
    pub notes: Vec<String>,
}

impl CallDetails {
    pub(crate) fn from_value(v: &Value) -> Option<Self> {
        Some(Self {
            cdr_id: id_text(&v["cdr_id"])?,
            uuid: text(&v["uuid"]),
            status: text(&v["status"]),
            call_type: text(&v["type"]),
            direction: text(&v["direction"]),
            tags: one_or_many(&v["call_tags"])
                .filter_map(|t| text(t.get("label").unwrap_or(&t["name"])))
                .collect(),
            notes: one_or_many(&v["notes"])
                .filter_map(|n| text(n.get("note").unwrap_or(n)))
                .collect(),
        })
    }
}

/// `2026-03-02T14:00:00.000Z`, CloudTalk's own example form.
pub(crate) fn activity_date(at: Timestamp) -> String {
    format!("{}.000Z", at.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// An id as text, whether CloudTalk sent `"123"` or `123`.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    scalar(v).filter(|s| !s.is_empty())
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    scalar(v).filter(|s| !s.is_empty())
}

fn one_or_many(v: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Value::Array(items) => Box::new(items.iter()),
        Value::Null => Box::new(std::iter::empty()),
        other => Box::new(std::iter::once(other)),
    }
}

pub(crate) fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn briefing() -> Briefing {
        Briefing {
            reference: "ESC-1042".into(),
            tier: "specialist".into(),
            reason: "legal threat".into(),
            rule_id: "hard-stop.legal".into(),
            quote: Some("I'll have my <b>lawyer</b> call you".into()),
            utterance_id: None,
            caller_name: Some("Jane Doe".into()),
            verified: Some(false),
            context: Default::default(),
        }
    }

    #[test]
    fn contacts_read_both_number_shapes() {
        let listed = serde_json::json!({"Contact": {"id": "1234", "name": "John"},
                                        "ContactNumber": {"public_number": 442012345678u64}});
        let c = Contact::from_item(&listed).unwrap();
        assert_eq!(c.numbers, vec!["+442012345678"]);
        assert!(c.has_number("+44 20 1234 5678"));
        let shown = serde_json::json!({"Contact": {"id": 9},
            "ContactNumber": [{"public_number": "+421901123456"}, {"public_number": 421908123456u64}]});
        assert_eq!(Contact::from_item(&shown).unwrap().numbers.len(), 2);
    }

    #[test]
    fn callback_task_shows_the_window_in_utc_and_local_time() {
        let c = CallbackCommitment {
            briefing: briefing(),
            owner: "Sam Legal".into(),
            team: "legal".into(),
            number: "+13055550100".into(),
            window_start: "2026-03-02T14:00:00Z".parse().unwrap(),
            window_end: "2026-03-02T15:00:00Z".parse().unwrap(),
            time_zone: Some("America/New_York".into()),
            link: Some("https://esc.example/callbacks/ESC-1042".into()),
        };
        let body = Activity::callback_task(&c).body();
        assert_eq!(body["type"], "task");
        assert_eq!(body["activity_date"], "2026-03-02T14:00:00.000Z");
        assert_eq!(body["name"], "Callback ESC-1042: legal (Sam Legal)");
        let d = body["description"].as_str().unwrap();
        assert!(
            d.contains("2026-03-02 14:00 and 2026-03-02 15:00 UTC"),
            "{d}"
        );
        assert!(
            d.contains("2026-03-02 09:00 to 10:00 (America/New_York)"),
            "{d}"
        );
        assert!(body.get("external_id").is_none());
    }
}
