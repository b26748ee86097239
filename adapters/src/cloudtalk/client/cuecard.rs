//! Cue Cards (vendor doc §2.2): the only way to put text in front of the agent on a live
//! CloudTalk call, used for the escalation briefing and the instruction of what to do now.

use serde_json::{json, Value};

use super::types::{bounded, TITLE_MAX};
use crate::Briefing;

/// Field values are bounded: it is a card on the agent's screen.
const FIELD_MAX: usize = 1000;

/// What a Cue Card shows (`CueCardRequest.content`).
#[derive(Debug, Clone, PartialEq)]
pub enum CueCardContent {
    /// `ContentHTML`: one HTML string, sent with `"type": "html"`.
    Html(String),
    /// `ContentBlock`: a list of fields, sent with `"type": "blocks"`.
    Blocks(Vec<CueCardBlock>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `textfield`: plain text.
    TextField,
    /// `richtext`: HTML "as typed in the rich text editor".
    RichText,
}

impl BlockKind {
    fn as_str(self) -> &'static str {
        match self {
            BlockKind::TextField => "textfield",
            BlockKind::RichText => "richtext",
        }
    }
}

/// One `{type, name, value}` block.
#[derive(Debug, Clone, PartialEq)]
pub struct CueCardBlock {
    pub kind: BlockKind,
    pub name: String,
    pub value: String,
}

impl CueCardBlock {
    /// A plain-text field. `<` and `>` become `‹` `›`: whether CloudTalk renders a textfield
    /// as text or as HTML is not documented, and caller-supplied words must not become markup
    /// on the agent's screen under either reading.
    pub fn text(name: &str, value: &str) -> Self {
        Self {
            kind: BlockKind::TextField,
            name: bounded(&defang(name), TITLE_MAX),
            value: bounded(&defang(value), FIELD_MAX),
        }
    }

    /// A rich-text field showing `value` as escaped text (it is HTML on CloudTalk's side).
    pub fn rich(name: &str, value: &str, bold: bool) -> Self {
        let escaped = escape_html(&bounded(value, FIELD_MAX));
        Self {
            kind: BlockKind::RichText,
            name: bounded(&defang(name), TITLE_MAX),
            value: if bold {
                format!("<b>{escaped}</b>")
            } else {
                escaped
            },
        }
    }
}

/// `POST /cuecards` on the platform host (vendor doc §2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct CueCard {
    /// The live call's `call_uuid` (not the numeric CDR `call_id`).
    pub call_uuid: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub icon_url: Option<String>,
    pub content: CueCardContent,
}

impl CueCard {
    /// The card Escalator pushes to the live agent: the instruction first (what to do now),
    /// then the briefing the receiver must hear (reference, why, the caller's own words,
    /// who the caller is and whether they were verified).
    pub fn briefing(call_uuid: &str, briefing: &Briefing, instruction: &str) -> Self {
        let mut blocks = vec![
            CueCardBlock::rich("What to do now", instruction, true),
            CueCardBlock::text("Reference", &briefing.reference),
            CueCardBlock::text("Reason", &briefing.reason),
            CueCardBlock::text("Tier", &briefing.tier),
        ];
        if let Some(quote) = &briefing.quote {
            blocks.push(CueCardBlock::text(
                "Caller's words",
                &format!("\"{quote}\""),
            ));
        }
        let verified = match briefing.verified {
            Some(true) => "verified",
            Some(false) => "NOT verified",
            None => "verification unknown",
        };
        let caller = match &briefing.caller_name {
            Some(name) => format!("{name} ({verified})"),
            None => format!("name unknown ({verified})"),
        };
        blocks.push(CueCardBlock::text("Caller", &caller));
        // The call around the trigger: what it is about first, then the facts; only those
        // the call gave, each within the field limit.
        for item in briefing.context.present(FIELD_MAX) {
            blocks.push(CueCardBlock::text(item.label, &item.value));
        }
        Self {
            call_uuid: call_uuid.to_string(),
            title: bounded(
                &format!("Escalation {}: {}", briefing.reference, briefing.tier),
                TITLE_MAX,
            ),
            subtitle: Some(bounded(&briefing.reason, TITLE_MAX)),
            icon_url: None,
            content: CueCardContent::Blocks(blocks),
        }
    }

    /// The JSON body: `type` follows the content form (UNCONFIRMED: CloudTalk does not list
    /// the values; `html` and `blocks` are what public integrations send).
    pub fn body(&self) -> Value {
        let (kind, content) = match &self.content {
            CueCardContent::Html(html) => ("html", Value::String(html.clone())),
            CueCardContent::Blocks(blocks) => (
                "blocks",
                Value::Array(
                    blocks
                        .iter()
                        .map(|b| json!({"type": b.kind.as_str(), "name": b.name, "value": b.value}))
                        .collect(),
                ),
            ),
        };
        let mut body = json!({
            "call_uuid": self.call_uuid,
            "type": kind,
            "title": self.title,
            "content": content,
        });
        if let Some(s) = &self.subtitle {
            body["subtitle"] = Value::String(s.clone());
        }
        if let Some(u) = &self.icon_url {
            body["icon_url"] = Value::String(u.clone());
        }
        body
    }
}

fn defang(s: &str) -> String {
    s.replace('<', "‹").replace('>', "›")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
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
    fn briefing_card_escapes_what_the_caller_said() {
        let card = CueCard::briefing("uuid-1", &briefing(), "Warm-transfer to <Legal> & stay");
        let body = card.body();
        assert_eq!(body["type"], "blocks");
        assert_eq!(body["call_uuid"], "uuid-1");
        let blocks = body["content"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "richtext");
        assert_eq!(
            blocks[0]["value"],
            "<b>Warm-transfer to &lt;Legal&gt; &amp; stay</b>"
        );
        let words = blocks
            .iter()
            .find(|b| b["name"] == "Caller's words")
            .unwrap();
        assert_eq!(words["value"], "\"I'll have my ‹b›lawyer‹/b› call you\"");
        assert!(blocks
            .iter()
            .any(|b| b["value"] == "Jane Doe (NOT verified)"));
        assert!(!blocks.iter().any(|b| b["name"] == "Issue"));
    }

    #[test]
    fn the_card_shows_the_call_context_within_the_field_limit() {
        let mut b = briefing();
        b.context = crate::BriefingContext {
            summary: Some("Llamo por un cargo de <200 dólares> en mi factura.".into()),
            recent_turns: vec!["w".repeat(3000)],
            language: Some("es-MX".into()),
            hold_seconds: Some(540),
            ..Default::default()
        };
        let body = CueCard::briefing("uuid-1", &b, "Warm-transfer").body();
        let blocks = body["content"].as_array().unwrap();
        let value = |name: &str| {
            blocks
                .iter()
                .find(|b| b["name"] == name)
                .and_then(|b| b["value"].as_str())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            value("Issue"),
            "Llamo por un cargo de ‹200 dólares› en mi factura."
        );
        assert_eq!(value("Language"), "es-MX");
        assert_eq!(value("Longest hold (s)"), "540");
        let turns = value("Recent turns");
        assert_eq!(turns.chars().count(), FIELD_MAX);
        assert!(turns.ends_with('…'));
        assert!(blocks
            .iter()
            .all(|b| b["value"].as_str().unwrap_or_default().chars().count() <= FIELD_MAX + 7));
    }
}
