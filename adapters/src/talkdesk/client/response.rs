//! Reading Talkdesk's answers (vendor doc §6) and checking what goes into a URL or a body.

use jiff::Timestamp;
use serde_json::Value;

use crate::outbound::CallError;
use crate::phone;

/// Longest platform message kept in an error: enough to act on, never a whole body.
const MAX_MESSAGE: usize = 300;

/// Talkdesk's own error text, bounded. API errors are `{code, message, description?,
/// fields?[{name, description}]}`; the token endpoint answers `{error, error_description}`.
/// Only those fields are read, so nothing else the body may carry (and never our request)
/// reaches a log line.
pub(super) fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    let text = |key: &str| v[key].as_str().map(str::trim).filter(|s| !s.is_empty());
    let mut parts: Vec<String> = Vec::new();
    match (text("code"), text("message")) {
        (Some(code), Some(msg)) => parts.push(format!("{code}: {msg}")),
        (None, Some(msg)) => parts.push(msg.to_string()),
        (Some(code), None) => parts.push(code.to_string()),
        (None, None) => {
            if let Some(e) = text("error") {
                parts.push(match text("error_description") {
                    Some(d) => format!("{e}: {d}"),
                    None => e.to_string(),
                });
            }
        }
    }
    if let Some(d) = text("description") {
        parts.push(format!("({d})"));
    }
    // Which field was wrong is what an admin needs to fix a mapping.
    let fields: Vec<String> = v["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let name = f["name"].as_str()?;
            Some(match f["description"].as_str() {
                Some(d) => format!("{name}: {d}"),
                None => name.to_string(),
            })
        })
        .collect();
    if !fields.is_empty() {
        parts.push(format!("[{}]", fields.join("; ")));
    }
    bounded(&parts.join(" "))
}

pub(super) fn bounded(s: &str) -> String {
    s.chars().take(MAX_MESSAGE).collect()
}

/// Replaces every occurrence of a secret (our token, the client secret, a callback URL that
/// carries the webhook secret) that Talkdesk may have echoed into its message.
pub(super) fn redact(message: String, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(message, |m, s| m.replace(s, "***"))
}

/// Redacts a whole [`CallError`] message in place.
pub(super) fn redact_error(err: CallError, secrets: &[&str]) -> CallError {
    err.map_message(|m| redact(m, secrets))
}

/// Ids from events and from earlier answers go into URL paths; anything but an id-shaped
/// string is refused rather than allowed to change the path.
pub(super) fn path_id<'a>(what: &str, id: &'a str) -> Result<&'a str, CallError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && id != "."
        && id != "..";
    if ok {
        Ok(id)
    } else {
        Err(CallError::Unactionable(format!(
            "{what} {:?} is not a valid Talkdesk id",
            bounded(id)
        )))
    }
}

/// The account name becomes a host label (`{account}.talkdeskid.com`): letters, digits and
/// inner hyphens only, so it can never name another host.
pub(super) fn account_label(account: &str) -> Result<&str, CallError> {
    let ok = !account.is_empty()
        && account.len() <= 63
        && account
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !account.starts_with('-')
        && !account.ends_with('-');
    if ok {
        Ok(account)
    } else {
        Err(CallError::Unactionable(format!(
            "{:?} is not a valid Talkdesk account name",
            bounded(account)
        )))
    }
}

/// Talkdesk requires E.164 for every number (§3a); platform forms are normalized first.
pub(super) fn e164(what: &str, raw: &str) -> Result<String, CallError> {
    phone::to_e164(raw)
        .ok_or_else(|| CallError::Unactionable(format!("{what} is not an E.164 phone number")))
}

/// An id or other scalar, whether Talkdesk sends it as a string or as a number.
pub(super) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first of `keys` present in `v`: Talkdesk's create schemas are snake_case while its
/// JSON-Patch example is camelCase, so responses are read in both spellings.
pub(super) fn first<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().map(|k| &v[*k]).find(|x| !x.is_null())
}

pub(super) fn first_text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| scalar(&v[*k]))
}

/// RFC 3339 with an offset, an offset-less date-time read as UTC (Explore's
/// `2022-06-30 16:42:24` included), or epoch seconds or milliseconds.
pub(super) fn timestamp(v: &Value) -> Option<Timestamp> {
    let s = scalar(v)?;
    if let Ok(n) = s.parse::<i64>() {
        // Ten digits or fewer is seconds for any date before 2286.
        return if n.abs() < 10_000_000_000 {
            Timestamp::from_second(n).ok()
        } else {
            Timestamp::from_millisecond(n).ok()
        };
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    s.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

/// UTC with a `Z`, whole seconds: the form of every time in Talkdesk's examples.
pub(super) fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The last path segment of a URL or path (`…/webhooks/triggers/x/{id}` → `{id}`), if it is
/// id-shaped.
pub(super) fn last_segment(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let seg = path.trim_end_matches('/').rsplit('/').next()?;
    path_id("id", seg).ok().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_message_keeps_code_message_description_and_fields() {
        let body = json!({"code": "0310001", "message": "Invalid request body",
            "description": "see fields",
            "fields": [{"name": "phone_number", "description": "must be E.164"}]})
        .to_string();
        assert_eq!(
            error_message(&body),
            "0310001: Invalid request body (see fields) [phone_number: must be E.164]"
        );
        let oauth = json!({"error": "invalid_client", "error_description": "bad"}).to_string();
        assert_eq!(error_message(&oauth), "invalid_client: bad");
        assert_eq!(error_message("<html>"), "");
        let long = json!({"message": "x".repeat(5000)}).to_string();
        assert_eq!(error_message(&long).chars().count(), MAX_MESSAGE);
    }

    #[test]
    fn ids_and_accounts_cannot_change_the_url() {
        assert!(path_id("id", "61935f5904147e334756017d").is_ok());
        for bad in ["", "..", "a/b", "a?b", "a%2Fb", "a b"] {
            assert!(path_id("id", bad).is_err(), "{bad}");
        }
        assert!(account_label("acme-corp").is_ok());
        for bad in ["", "evil.com/x", "a.b", "-a", "a@b"] {
            assert!(account_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_in_every_form() {
        let want: Timestamp = "2026-03-25T15:30:00Z".parse().unwrap();
        for v in [
            json!("2026-03-25T15:30:00Z"),
            json!("2026-03-25T16:30:00+01:00"),
            json!("2026-03-25T15:30:00"),
            json!("2026-03-25 15:30:00"),
            json!(1774452600),
            json!("1774452600000"),
        ] {
            assert_eq!(timestamp(&v), Some(want), "{v}");
        }
        assert_eq!(utc(want), "2026-03-25T15:30:00Z");
        assert_eq!(timestamp(&json!("soon")), None);
    }

    #[test]
    fn redaction_and_segments() {
        assert_eq!(
            redact("bad url https://x/abc123secret".into(), &["abc123secret"]),
            "bad url https://x/***"
        );
        assert_eq!(
            last_segment("https://api/webhooks/triggers/inboundCallEnds/t-1?x=1").as_deref(),
            Some("t-1")
        );
    }
}
