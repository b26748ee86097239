//! Transcript text as NCC templates can carry it.
//!
//! NCC keeps `workitem.transcriptionMessages` as `[{type, textMsg}]`, where `type == "CLIENT"`
//! is the customer and anything else the user/agent. A body template cannot loop, so
//! Nextiva's own tool first flattens it with a script into `"CLIENT: …\nUSER: …"` text.
//! Both forms are accepted: the JSON array (if a template inserts it unquoted, UNCONFIRMED
//! that NCC renders arrays as JSON) and the flattened text, with or without its newlines.

use serde_json::Value;

use crate::Speaker;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Turn {
    pub speaker: Speaker,
    pub text: String,
}

/// Role markers recognised in the middle of a line, for text whose newlines were stripped.
const INLINE_ROLES: [&str; 3] = ["CLIENT:", "USER:", "AGENT:"];

pub(crate) fn parse(raw: &str) -> Vec<Turn> {
    let raw = raw.trim();
    if raw.starts_with('[') {
        if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(raw) {
            return items.iter().filter_map(from_message).collect();
        }
    }
    raw.lines()
        .flat_map(split_inline)
        .filter_map(from_line)
        .collect()
}

fn from_message(item: &Value) -> Option<Turn> {
    let text = item.get("textMsg").and_then(Value::as_str)?.trim();
    if text.is_empty() {
        return None;
    }
    let speaker = match item.get("type").and_then(Value::as_str) {
        Some(t) => role_speaker(t),
        None => Speaker::Unknown,
    };
    Some(Turn {
        speaker,
        text: text.to_string(),
    })
}

/// `CLIENT` is the customer (NCC's own convention); every other named role is the agent
/// side, as Nextiva's flattening script labels it `USER`.
fn role_speaker(role: &str) -> Speaker {
    match role.trim().to_ascii_uppercase().as_str() {
        "CLIENT" | "CUSTOMER" | "CALLER" | "CONSUMER" => Speaker::Customer,
        "" => Speaker::Unknown,
        _ => Speaker::Agent,
    }
}

/// A line that holds several turns because its newlines were stripped, split before each
/// ` CLIENT:`/` USER:`/` AGENT:`.
fn split_inline(line: &str) -> Vec<&str> {
    let mut cuts = vec![0];
    for role in INLINE_ROLES {
        let mut from = 0;
        while let Some(pos) = line[from..].find(role) {
            let at = from + pos;
            if at > 0 && line[..at].ends_with(char::is_whitespace) {
                cuts.push(at);
            }
            from = at + role.len();
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.iter()
        .zip(cuts.iter().skip(1).chain(std::iter::once(&line.len())))
        .map(|(&start, &end)| &line[start..end])
        .collect()
}

/// `ROLE: text`, where ROLE is an upper-case word; a line without one is of unknown speaker
/// (it can never fire a customer trigger).
fn from_line(line: &str) -> Option<Turn> {
    let line = line.trim();
    let (speaker, text) = match line.split_once(':') {
        Some((role, text)) if is_role(role) => (role_speaker(role), text.trim()),
        _ => (Speaker::Unknown, line),
    };
    (!text.is_empty()).then(|| Turn {
        speaker,
        text: text.to_string(),
    })
}

fn is_role(word: &str) -> bool {
    (2..=20).contains(&word.len())
        && word
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(raw: &str) -> Vec<(Speaker, &'static str)> {
        parse(raw)
            .into_iter()
            .map(|t| (t.speaker, &*Box::leak(t.text.into_boxed_str())))
            .collect()
    }

    #[test]
    fn flattened_text_by_line() {
        assert_eq!(
            turns("CLIENT: My card was charged twice.\nUSER: I can help.\r\n\nnoise"),
            vec![
                (Speaker::Customer, "My card was charged twice."),
                (Speaker::Agent, "I can help."),
                (Speaker::Unknown, "noise"),
            ]
        );
    }

    #[test]
    fn flattened_text_without_newlines() {
        assert_eq!(
            turns("CLIENT: I will call my lawyer. USER: I understand. CLIENT: Today."),
            vec![
                (Speaker::Customer, "I will call my lawyer."),
                (Speaker::Agent, "I understand."),
                (Speaker::Customer, "Today."),
            ]
        );
    }

    #[test]
    fn the_message_array() {
        let raw = r#"[{"type":"CLIENT","textMsg":"Cancel it"},{"type":"USER","textMsg":" Sure "},
                      {"type":"CLIENT","textMsg":""},{"textMsg":"beep"}]"#;
        assert_eq!(
            turns(raw),
            vec![
                (Speaker::Customer, "Cancel it"),
                (Speaker::Agent, "Sure"),
                (Speaker::Unknown, "beep"),
            ]
        );
    }

    #[test]
    fn colons_in_speech_are_not_roles() {
        assert_eq!(
            turns("CLIENT: Note: it is urgent"),
            vec![(Speaker::Customer, "Note: it is urgent")]
        );
        assert_eq!(
            turns("at 10:30 please"),
            vec![(Speaker::Unknown, "at 10:30 please")]
        );
        assert!(parse("CLIENT:   ").is_empty());
        assert_eq!(turns("[not json"), vec![(Speaker::Unknown, "[not json")]);
    }
}
