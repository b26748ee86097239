//! Reading one NCC REST-call delivery: the admin's body template, filled in by NCC from
//! workitem fields, as a flat map of present values.
//!
//! NCC substitutes `${workitem.…}` and `$V.workitem.…` (and `$surveyResult{…}` for
//! disposition forms). Whether it leaves a variable it cannot resolve as literal text, blanks
//! it, or renders JavaScript's `undefined`/`null` is UNCONFIRMED, so all of those mean
//! "absent" here, as do `{{…}}` markers the admin was meant to replace.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::time::parse_timestamp;
use crate::{Delivery, NormalizeError};

/// The delivery's fields that carry a value, keyed by lower-cased name so an admin's
/// `workItemId` still matches our `workitemId`.
#[derive(Debug)]
pub(crate) struct Fields {
    map: BTreeMap<String, String>,
}

impl Fields {
    pub(crate) fn read(delivery: &Delivery<'_>) -> Result<Self, NormalizeError> {
        let raw = flat_fields_lenient(delivery)?;
        let map = raw
            .into_iter()
            .filter_map(|(k, v)| present(&v).map(|v| (k.to_ascii_lowercase(), v)))
            .collect();
        Ok(Self { map })
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.map.get(&key.to_ascii_lowercase()).map(String::as_str)
    }

    /// `key` as the template names it, so the error tells the admin what to fix.
    pub(crate) fn req(&self, key: &str) -> Result<&str, NormalizeError> {
        self.get(key).ok_or_else(|| NormalizeError::missing(key))
    }

    pub(crate) fn timestamp(&self, key: &str) -> Option<Timestamp> {
        self.get(key).and_then(parse_time)
    }

    /// A digest of everything the delivery says. NCC has no event id of its own; the same
    /// rendered template (a redelivery) gives the same digest, any differing value a new one.
    pub(crate) fn digest(&self) -> String {
        text_digest(&serde_json::to_string(&self.map).unwrap_or_default())
    }
}

/// First 8 bytes of the SHA-256, hex: scoped by the workitem id wherever it is used.
pub(crate) fn text_digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `true`/`false` as a workflow or an admin may spell them.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "verified" | "pass" | "passed" => Some(true),
        "false" | "no" | "n" | "0" | "unverified" | "fail" | "failed" => Some(false),
        _ => None,
    }
}

/// The value with unsubstituted template variables removed, trimmed; `None` when nothing
/// is left.
pub(crate) fn present(raw: &str) -> Option<String> {
    let stripped = strip_placeholders(raw);
    let value = stripped.trim();
    match value {
        "" | "undefined" | "null" => None,
        v => Some(v.to_string()),
    }
}

/// Workitem times are epoch ms [OAS-N]; RFC 3339 is accepted too, and JavaScript's
/// `Date.toString()` form in case the template engine renders a Date object (UNCONFIRMED).
fn parse_time(s: &str) -> Option<Timestamp> {
    parse_timestamp(&Value::String(s.to_string())).or_else(|| js_date(s))
}

/// `Thu Mar 19 2026 22:00:21 GMT+0000 (Coordinated Universal Time)`.
fn js_date(s: &str) -> Option<Timestamp> {
    let s = s.split(" (").next().unwrap_or(s).trim();
    jiff::fmt::strtime::parse("%a %b %d %Y %H:%M:%S GMT%z", s)
        .ok()?
        .to_timestamp()
        .ok()
}

/// `Delivery::flat_fields`, retried once with raw control characters escaped: NCC pastes
/// values into the body text unescaped as far as anyone knows (Nextiva's own tool strips
/// newlines before templating), so a multi-line transcript would otherwise be invalid JSON.
fn flat_fields_lenient(
    delivery: &Delivery<'_>,
) -> Result<BTreeMap<String, String>, NormalizeError> {
    match delivery.flat_fields() {
        Ok(fields) => Ok(fields),
        Err(first) => {
            let Some(repaired) = escape_controls_in_strings(delivery.body) else {
                return Err(first);
            };
            let retry = Delivery {
                body: &repaired,
                ..*delivery
            };
            retry.flat_fields().map_err(|_| first)
        }
    }
}

/// The body with control characters inside JSON strings escaped, or `None` when there were
/// none (so nothing would change).
fn escape_controls_in_strings(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() + 16);
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    for &b in body {
        if in_string && !escaped && b < 0x20 {
            changed = true;
            match b {
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                other => out.extend_from_slice(format!("\\u{other:04x}").as_bytes()),
            }
            continue;
        }
        out.push(b);
        if escaped {
            escaped = false;
        } else if in_string && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            in_string = !in_string;
        }
    }
    changed.then_some(out)
}

/// Removes every template variable NCC left in place: `${…}` (nested braces counted),
/// `$surveyResult{…}`, `$V.a.b.c` and `{{…}}`.
pub(crate) fn strip_placeholders(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find(['$', '{']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        // Every pattern starts and ends on an ASCII byte, so these cuts are char boundaries.
        let skip = placeholder_len(tail);
        let keep = if skip.is_some() { 0 } else { 1 };
        out.push_str(&tail[..keep]);
        rest = &tail[skip.unwrap_or(1)..];
    }
    out.push_str(rest);
    out
}

fn placeholder_len(t: &str) -> Option<usize> {
    if let Some(path) = t.strip_prefix("$V.") {
        let n = path
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
            .count();
        // A sentence may end right after the variable: its full stop is not part of it.
        let n = n - path[..n].bytes().rev().take_while(|b| *b == b'.').count();
        return (n > 0).then_some(3 + n);
    }
    if t.starts_with("${") {
        return closing_brace(t, 1).map(|end| end + 1);
    }
    if t.starts_with("$surveyResult{") {
        return closing_brace(t, "$surveyResult".len()).map(|end| end + 1);
    }
    if t.starts_with("{{") {
        let window = &t.as_bytes()[2..t.len().min(MAX_PLACEHOLDER)];
        return window
            .windows(2)
            .position(|w| w == b"}}")
            .map(|end| end + 4);
    }
    None
}

/// Template variables are short; looking no further keeps a body full of unclosed `${`
/// linear to scan.
const MAX_PLACEHOLDER: usize = 256;

/// Index of the `}` matching the `{` at `open`.
fn closing_brace(t: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in t.bytes().enumerate().take(MAX_PLACEHOLDER).skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    #[test]
    fn unsubstituted_variables_are_absent() {
        assert_eq!(present("${workitem.data.queueId}"), None);
        assert_eq!(present("$V.workitem.from"), None);
        assert_eq!(
            present("$surveyResult{_${workitem.surveyResult._currentSurveyId}-agentNotes-value}"),
            None
        );
        assert_eq!(present("{{Disposition name}}"), None);
        assert_eq!(present("  undefined "), None);
        assert_eq!(present("null"), None);
        assert_eq!(present(""), None);
        assert_eq!(
            present("Ana ${workitem.contact.lastName}").as_deref(),
            Some("Ana")
        );
        assert_eq!(present("call $V.workitem.from.").as_deref(), Some("call ."));
    }

    #[test]
    fn unclosed_markers_stay_cheap() {
        let s = "${".repeat(50_000) + &"{{".repeat(50_000);
        let started = std::time::Instant::now();
        assert_eq!(present(&s).map(|v| v.len()), Some(s.len()));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn ordinary_text_is_kept() {
        assert_eq!(
            present("I paid $40 {twice}").as_deref(),
            Some("I paid $40 {twice}")
        );
        assert_eq!(present("${unclosed").as_deref(), Some("${unclosed"));
        assert_eq!(present("€ ${x} é").as_deref(), Some("€  é"));
        assert_eq!(present("{{open").as_deref(), Some("{{open"));
        assert_eq!(present("$V.").as_deref(), Some("$V."));
    }

    #[test]
    fn raw_newlines_inside_strings_are_repaired() {
        let h = HeaderMap::new();
        let body = b"{\"workitemId\":\"w1\",\"transcript\":\"CLIENT: hi\nUSER: hello\"}";
        let f = Fields::read(&Delivery::json(body, &h)).unwrap();
        assert_eq!(f.get("transcript"), Some("CLIENT: hi\nUSER: hello"));
        assert_eq!(f.get("WORKITEMID"), Some("w1"));
        let err = Fields::read(&Delivery::json(b"{\"a\":\"x\" \"b\"}", &h)).unwrap_err();
        assert_eq!(err.field, "body");
    }

    #[test]
    fn times_in_every_plausible_form() {
        let ms = parse_time("1773957621482").unwrap();
        assert_eq!(parse_time("2026-03-19T22:00:21.482Z"), Some(ms));
        let js = parse_time("Thu Mar 19 2026 22:00:21 GMT+0000 (Coordinated Universal Time)");
        assert_eq!(js.map(|t| t.as_second()), Some(ms.as_second()));
        assert_eq!(parse_time("soon"), None);
    }
}
