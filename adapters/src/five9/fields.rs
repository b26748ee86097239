//! Reading a Five9 delivery: flat string fields (form, query or JSON) whose values the admin
//! templated with `@Group.Var@` placeholders, plus Five9's own number and time formats.

use std::collections::BTreeMap;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::time::parse_timestamp;
use crate::{phone, Delivery, Direction, NormalizeError};

/// Every field of one delivery, as strings.
pub(super) struct Fields {
    map: BTreeMap<String, String>,
}

impl Fields {
    pub(super) fn from_delivery(delivery: &Delivery<'_>) -> Result<Self, NormalizeError> {
        Ok(Self {
            map: delivery.flat_fields()?,
        })
    }

    #[cfg(test)]
    pub(super) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self {
            map: pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }

    /// The field's value when Five9 actually filled it in: trimmed, non-empty and not a
    /// placeholder left unsubstituted. The exact key wins; otherwise the same name in
    /// another case, since admins retype parameters by hand (`ani` for `ANI`).
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        let exact = self.map.get(key).and_then(|v| usable(v));
        exact.or_else(|| {
            self.map
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                .find_map(|(_, v)| usable(v))
        })
    }

    /// The first of `keys` that is present.
    pub(super) fn first(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// A field the delivery cannot be understood without. The error names the field as
    /// the template does, and says when Five9 left it as a placeholder, which means the
    /// variable does not exist or is empty for this call.
    pub(super) fn require(&self, key: &str) -> Result<&str, NormalizeError> {
        if let Some(v) = self.get(key) {
            return Ok(v);
        }
        let raw = self.map.get(key).map(|v| v.trim());
        match raw {
            Some(v) if is_placeholder(v) => Err(NormalizeError::new(
                key,
                format!("is required but Five9 did not substitute it ({v})"),
            )),
            _ => Err(NormalizeError::missing(key)),
        }
    }

    pub(super) fn timestamp(&self, key: &str) -> Option<Timestamp> {
        self.get(key).and_then(parse_time)
    }

    /// Whole seconds in a duration field (`length`, `hold_time`), however Five9 wrote it.
    pub(super) fn seconds(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(parse_seconds)
    }

    /// A short digest of the named fields' values (absent ones count as empty), for
    /// dedupe keys that must not depend on field order or on the body's encoding.
    pub(super) fn digest_of(&self, keys: &[&str]) -> String {
        let parts: Vec<&str> = keys.iter().map(|k| self.get(k).unwrap_or("")).collect();
        digest(&parts, 8)
    }

    /// A digest of every filled-in field but `except` (the secret never feeds a key).
    pub(super) fn digest_all_but(&self, except: &[&str]) -> String {
        let mut parts = Vec::new();
        for (k, v) in &self.map {
            if except.iter().any(|e| k.eq_ignore_ascii_case(e)) {
                continue;
            }
            if let Some(v) = usable(v) {
                parts.push(k.as_str());
                parts.push(v);
            }
        }
        digest(&parts, 16)
    }

    /// Call direction from Five9's call type name (`Inbound`, `Outbound`, `Autodial`,
    /// `Preview`, `Manual`, `Agent`…). The exact list of type names is UNCONFIRMED, so
    /// this matches on words; internal calls and anything unknown give `None`.
    pub(super) fn direction(&self, key: &str) -> Option<Direction> {
        let t = self.get(key)?.to_ascii_lowercase();
        if t.contains("inbound") {
            Some(Direction::Inbound)
        } else if ["outbound", "autodial", "preview", "manual"]
            .iter()
            .any(|w| t.contains(w))
            || t == "agent"
        {
            Some(Direction::Outbound)
        } else {
            None
        }
    }
}

fn usable(v: &str) -> Option<&str> {
    let v = v.trim();
    (!v.is_empty() && !is_placeholder(v)).then_some(v)
}

/// `@Call.ANI@` left as is: Five9 could not substitute the variable (it does not exist, or
/// has no value for this call), so the field is absent.
pub(super) fn is_placeholder(v: &str) -> bool {
    let v = v.trim();
    v.len() >= 3 && v.starts_with('@') && v.ends_with('@')
}

/// A Five9 number as E.164. Five9 stores North American numbers as 10 digits without the
/// country code (its list-import fault text says so), so exactly ten NANP-shaped digits
/// get `+1`; `011` is the North American international prefix. Everything else, including
/// numbers that already carry `+`, goes through [`phone::to_e164`].
pub(super) fn five9_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let bare_digits = !trimmed.is_empty()
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.'));
    if bare_digits {
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if is_nanp(&digits) {
            return Some(format!("+1{digits}"));
        }
        if let Some(intl) = digits.strip_prefix("011") {
            return phone::to_e164(&format!("+{intl}"));
        }
    }
    phone::to_e164(trimmed)
}

/// Ten digits whose area code and exchange both start with 2–9 (NANP numbering plan).
fn is_nanp(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 10 && (b'2'..=b'9').contains(&b[0]) && (b'2'..=b'9').contains(&b[3])
}

/// Five9's `YYYYMMDDHHMMSSmmm` (UTC), also without milliseconds; epoch seconds or
/// milliseconds; RFC 3339; or an ISO-8601 date-time without offset, read as UTC (the
/// connector times are UTC).
pub(super) fn parse_time(raw: &str) -> Option<Timestamp> {
    let s = raw.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            17 | 14 => compact_time(s),
            12 | 13 => parse_timestamp(&Value::String(s.to_string())),
            9..=11 => s
                .parse::<i64>()
                .ok()
                .and_then(|secs| Timestamp::from_second(secs).ok()),
            _ => None,
        };
    }
    parse_timestamp(&Value::String(s.to_string())).or_else(|| {
        s.parse::<DateTime>()
            .ok()
            .and_then(|dt| TimeZone::UTC.to_timestamp(dt).ok())
    })
}

fn compact_time(s: &str) -> Option<Timestamp> {
    let num = |range: std::ops::Range<usize>| s.get(range).and_then(|p| p.parse::<i32>().ok());
    let millis = if s.len() == 17 { num(14..17)? } else { 0 };
    let dt = DateTime::new(
        i16::try_from(num(0..4)?).ok()?,
        i8::try_from(num(4..6)?).ok()?,
        i8::try_from(num(6..8)?).ok()?,
        i8::try_from(num(8..10)?).ok()?,
        i8::try_from(num(10..12)?).ok()?,
        i8::try_from(num(12..14)?).ok()?,
        millis * 1_000_000,
    )
    .ok()?;
    TimeZone::UTC.to_timestamp(dt).ok()
}

/// `386`, `386.4` or `0:06:26` → 386. The format of Five9's duration variables is
/// UNCONFIRMED; all three are accepted.
fn parse_seconds(raw: &str) -> Option<i64> {
    let s = raw.trim();
    if s.contains(':') {
        let mut total: i64 = 0;
        for part in s.split(':') {
            let n: i64 = part.trim().parse().ok().filter(|n| *n >= 0)?;
            total = total.checked_mul(60)?.checked_add(n)?;
        }
        return Some(total);
    }
    if let Ok(n) = s.parse::<i64>() {
        return (n >= 0).then_some(n);
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e12)
        // Truncation is intended: whole seconds are all the fallback time needs.
        .map(|f| f as i64)
}

/// A boolean call variable as Five9 or an admin may write it.
pub(super) fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" => Some(true),
        "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Hex of the first `bytes` bytes of the SHA-256 of the parts, each length-prefixed so
/// that `["ab", "c"]` and `["a", "bc"]` differ.
pub(super) fn digest(parts: &[&str], bytes: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    h.finalize()
        .iter()
        .take(bytes)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_blanks_are_absent() {
        let f = Fields::from_pairs(&[("ANI", "@Call.ANI@"), ("dnis", " 8005550100 "), ("x", "  ")]);
        assert_eq!(f.get("ANI"), None);
        assert_eq!(f.get("DNIS"), Some("8005550100"));
        assert_eq!(f.get("x"), None);
        let err = f.require("ANI").unwrap_err();
        assert_eq!(err.field, "ANI");
        assert!(err.message.contains("@Call.ANI@"));
        assert_eq!(f.require("call_id").unwrap_err().field, "call_id");
        assert!(!is_placeholder("sam@acme.example"));
        assert!(!is_placeholder("@"));
    }

    #[test]
    fn five9_numbers() {
        assert_eq!(five9_phone("4155550123").as_deref(), Some("+14155550123"));
        assert_eq!(five9_phone("14155550123").as_deref(), Some("+14155550123"));
        assert_eq!(
            five9_phone("+442079460018").as_deref(),
            Some("+442079460018")
        );
        assert_eq!(
            five9_phone("011442079460018").as_deref(),
            Some("+442079460018")
        );
        assert_eq!(
            five9_phone("(415) 555-0123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(five9_phone("0000000000"), None);
        assert_eq!(five9_phone("Anonymous"), None);
        assert_eq!(five9_phone(""), None);
    }

    #[test]
    fn five9_times() {
        let t = parse_time("20260703141502123").unwrap();
        assert_eq!(t.to_string(), "2026-07-03T14:15:02.123Z");
        let t = parse_time("20260703141502").unwrap();
        assert_eq!(t.to_string(), "2026-07-03T14:15:02Z");
        assert_eq!(
            parse_time("1783088102123").unwrap(),
            parse_time("2026-07-03T14:15:02.123Z").unwrap()
        );
        assert_eq!(
            parse_time("1783088102").unwrap().to_string(),
            "2026-07-03T14:15:02Z"
        );
        assert_eq!(
            parse_time("2026-07-03 14:15:02").unwrap().to_string(),
            "2026-07-03T14:15:02Z"
        );
        assert_eq!(parse_time("20261399999999999"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_seconds("386"), Some(386));
        assert_eq!(parse_seconds("386.7"), Some(386));
        assert_eq!(parse_seconds("0:06:26"), Some(386));
        assert_eq!(parse_seconds("-3"), None);
        assert_eq!(parse_seconds("NaN"), None);
        assert_eq!(parse_seconds("99999999999999999999:1"), None);
    }

    #[test]
    fn digests_do_not_collide_on_boundaries() {
        assert_ne!(digest(&["ab", "c"], 8), digest(&["a", "bc"], 8));
    }
}
