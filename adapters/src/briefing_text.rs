//! A briefing's call context as text, the same on every platform: labelled items in a fixed
//! order, and deterministic cuts (whole characters, an ellipsis as the last one) so that a
//! platform's field limits are kept without splitting a character or moving anything.

use serde_json::{Map, Value};

use crate::model::BriefingContext;

/// `text` trimmed and cut to at most `max` characters; when cut, the last is "…".
pub fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// `items` joined with `sep` in at most `max` characters: each item gets an equal share
/// (what a short item leaves goes to the others), so the last is never dropped for the
/// first.
pub fn joined(items: &[String], sep: &str, max: usize) -> String {
    let items: Vec<&str> = items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        return String::new();
    }
    let seps = sep.chars().count() * (items.len() - 1);
    let mut budget = max.saturating_sub(seps);
    let lens: Vec<usize> = items.iter().map(|s| s.chars().count()).collect();
    let mut caps = vec![0usize; items.len()];
    // Shortest first: each takes what it needs up to an equal share of what is left.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (lens[i], i));
    for (n, &i) in order.iter().enumerate() {
        let share = budget / (items.len() - n);
        caps[i] = lens[i].min(share);
        budget -= caps[i];
    }
    let out = items
        .iter()
        .zip(&caps)
        .map(|(s, &c)| cut(s, c))
        .collect::<Vec<_>>()
        .join(sep);
    cut(&out, max)
}

/// One labelled item of a briefing's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextItem {
    /// Stable lowerCamel key (`summary`, `recentTurns`…), for attribute and field names.
    pub key: &'static str,
    /// What a person reads it as.
    pub label: &'static str,
    /// Empty when the call did not say.
    pub value: String,
}

impl ContextItem {
    /// The key in snake_case (`recent_turns`), for platforms whose fields are named so.
    pub fn snake_key(&self) -> String {
        let mut out = String::new();
        for c in self.key.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

impl BriefingContext {
    /// Every item, in the order a receiver reads them, each at most `max` characters (list
    /// items share it equally): what the call is about, who is already on it, earlier
    /// escalations, HEARD, earlier calls, amounts, the longest hold, the language, the
    /// agent, and the caller's last turns.
    pub fn items(&self, max: usize) -> Vec<ContextItem> {
        let item = |key, label, value: String| ContextItem { key, label, value };
        vec![
            item(
                "summary",
                "Issue",
                cut(self.summary.as_deref().unwrap_or(""), max),
            ),
            item(
                "involved",
                "Already involved",
                joined(&self.involved, "; ", max),
            ),
            item(
                "earlier",
                "Earlier escalations",
                joined(&self.earlier, "; ", max),
            ),
            item(
                "heard",
                "HEARD given",
                if self.heard_given { "yes" } else { "" }.to_string(),
            ),
            item(
                "priorCalls",
                "Prior calls",
                if self.prior_calls > 0 {
                    self.prior_calls.to_string()
                } else {
                    String::new()
                },
            ),
            item("amounts", "Amounts", joined(&self.amounts, "; ", max)),
            item(
                "holdSeconds",
                "Longest hold (s)",
                self.hold_seconds.map(|s| s.to_string()).unwrap_or_default(),
            ),
            item(
                "language",
                "Language",
                cut(self.language.as_deref().unwrap_or(""), max),
            ),
            item(
                "agent",
                "Agent",
                cut(self.agent.as_deref().unwrap_or(""), max),
            ),
            item(
                "recentTurns",
                "Recent turns",
                recent(&self.recent_turns, max),
            ),
        ]
    }

    /// The items that say something.
    pub fn present(&self, max: usize) -> Vec<ContextItem> {
        self.items(max)
            .into_iter()
            .filter(|i| !i.value.is_empty())
            .collect()
    }

    /// One line, "Issue: … | Prior calls: 2 | …", at most `max` characters. Items keep
    /// their order; the issue takes at most half, the recent turns at most a third, and
    /// the line is cut at the end when it is still too long.
    pub fn line(&self, max: usize) -> String {
        let parts: Vec<String> = self
            .present(max)
            .into_iter()
            .map(|i| {
                let share = match i.key {
                    "summary" => max / 2,
                    "recentTurns" | "involved" | "earlier" => max / 3,
                    _ => max,
                };
                let label_len = i.label.chars().count() + 2;
                format!(
                    "{}: {}",
                    i.label,
                    cut(&i.value, share.saturating_sub(label_len))
                )
            })
            .collect();
        cut(&parts.join(" | "), max)
    }

    /// The items with a value as flat JSON string fields of a routing answer, each at
    /// most `max` characters; keys in lowerCamel (`camel`) or snake_case.
    pub fn json_fields(&self, max: usize, camel: bool) -> Map<String, Value> {
        self.items(max)
            .into_iter()
            .map(|i| {
                let key = if camel {
                    i.key.to_string()
                } else {
                    i.snake_key()
                };
                (key, Value::String(i.value))
            })
            .collect()
    }
}

/// Longest value of a call-context field in a routing answer: a flow copies it into a
/// variable, and no platform documents how long one may be (Five9's STRING call
/// variables are usually 255), so 255 everywhere.
pub const ROUTE_FIELD_MAX_CHARS: usize = 255;

/// A routing answer's one-line briefing followed by the issue, at most
/// [`ROUTE_FIELD_MAX_CHARS`]: the line keeps its share, the issue takes the rest.
pub fn with_issue(line: String, ctx: &BriefingContext) -> String {
    match ctx
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(issue) => joined(
            &[line, format!("issue: {issue}")],
            " | ",
            ROUTE_FIELD_MAX_CHARS,
        ),
        None => line,
    }
}

/// Adds the call-context fields to a routing answer `v` (a JSON object): every key, empty
/// when there is no briefing or the call did not say (a flow variable cannot hold null).
pub fn add_route_fields(v: &mut Value, ctx: Option<&BriefingContext>, camel: bool) {
    let empty = BriefingContext::default();
    let fields = ctx
        .unwrap_or(&empty)
        .json_fields(ROUTE_FIELD_MAX_CHARS, camel);
    if let Some(obj) = v.as_object_mut() {
        for (k, val) in fields {
            obj.entry(k).or_insert(val);
        }
    }
}

/// The caller's last turns, quoted, oldest first, sharing `max`.
fn recent(turns: &[String], max: usize) -> String {
    let quoted: Vec<String> = turns
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!("\"{}\"", t.trim()))
        .collect();
    joined(&quoted, " / ", max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> BriefingContext {
        BriefingContext {
            summary: Some("I'm calling about my bill, you charged me $600 twice.".into()),
            summary_from: vec!["u3".into()],
            recent_turns: vec![
                "Yeah it's fine.".into(),
                "This is ridiculous.".into(),
                "Get me a manager.".into(),
            ],
            language: Some("en-US".into()),
            agent: Some("agent-7".into()),
            involved: vec!["supervisor consult (Sam)".into()],
            earlier: vec!["ESC-1234-5678 supervisor_request: transferred".into()],
            heard_given: true,
            prior_calls: 2,
            amounts: vec!["$600".into()],
            hold_seconds: Some(540),
        }
    }

    #[test]
    fn cuts_count_characters_and_end_with_an_ellipsis() {
        assert_eq!(cut("  short  ", 10), "short");
        assert_eq!(cut("ñandú ñandú ñandú", 8), "ñandú ñ…");
        assert_eq!(cut("abc", 0), "");
        let j = joined(&["a".repeat(100), "b".repeat(5), "c".repeat(100)], "; ", 60);
        assert!(j.chars().count() <= 60, "{j}");
        assert!(j.contains("bbbbb") && j.contains('c'), "{j}");
    }

    #[test]
    fn the_line_keeps_the_order_and_the_limit() {
        let line = full().line(1000);
        assert_eq!(
            line,
            "Issue: I'm calling about my bill, you charged me $600 twice. | Already involved: \
             supervisor consult (Sam) | Earlier escalations: ESC-1234-5678 supervisor_request: \
             transferred | HEARD given: yes | Prior calls: 2 | Amounts: $600 | Longest hold (s): \
             540 | Language: en-US | Agent: agent-7 | Recent turns: \"Yeah it's fine.\" / \"This \
             is ridiculous.\" / \"Get me a manager.\""
        );
        for max in [40, 100, 255] {
            let line = full().line(max);
            assert!(line.chars().count() <= max, "{max}: {line}");
            assert!(line.starts_with("Issue: I'm calling"), "{line}");
        }
        assert_eq!(BriefingContext::default().line(100), "");
    }

    #[test]
    fn every_item_has_a_key_even_when_empty() {
        let keys: Vec<String> = BriefingContext::default()
            .json_fields(255, false)
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            keys,
            vec![
                "agent",
                "amounts",
                "earlier",
                "heard",
                "hold_seconds",
                "involved",
                "language",
                "prior_calls",
                "recent_turns",
                "summary"
            ]
        );
        let long = BriefingContext {
            summary: Some("x".repeat(1000)),
            recent_turns: vec!["y".repeat(400); 3],
            ..full()
        };
        for (k, v) in long.json_fields(255, true) {
            let v = v.as_str().unwrap_or_default().to_string();
            assert!(v.chars().count() <= 255, "{k}: {}", v.len());
        }
    }
}
