//! The flat string fields of a Talkdesk delivery, read the way Talkdesk renders them.
//!
//! Talkdesk fills a template: every value is a string, a value it has no data for arrives
//! empty, and (UNCONFIRMED) a placeholder it does not know may arrive unrendered
//! (`"{{contact.name}}"`, or `"%{var}"` from a Studio flow). All three mean "absent".

use std::collections::BTreeMap;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::{Delivery, NormalizeError};

/// Transport fields that are not part of the event: the URL secret, and the trigger name
/// our template adds to the callback URL. Left out of content digests so that the same
/// event keeps its key whichever URL form delivered it.
const TRANSPORT_KEYS: [&str; 3] = ["secret", "token", "trigger"];

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
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The trimmed value, or `None` when it is missing, blank or an unrendered placeholder.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.map
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && !is_placeholder(v))
    }

    /// The first of `keys` that has a value.
    pub(super) fn first(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// `key`, else one of `aliases`; the error names `key`, the field our template uses.
    pub(super) fn required(&self, key: &str, aliases: &[&str]) -> Result<&str, NormalizeError> {
        if let Some(v) = self.get(key).or_else(|| self.first(aliases)) {
            return Ok(v);
        }
        let unrendered = std::iter::once(key)
            .chain(aliases.iter().copied())
            .any(|k| self.map.get(k).is_some_and(|v| is_placeholder(v.trim())));
        Err(if unrendered {
            NormalizeError::new(
                key,
                "arrived as an unrendered placeholder: check the placeholder name in the template",
            )
        } else {
            NormalizeError::missing(key)
        })
    }

    /// A time in any of the forms Talkdesk may render (see [`parse_time`]); a value that
    /// is not a time counts as absent, because every time we read is optional.
    pub(super) fn time(&self, key: &str) -> Option<Timestamp> {
        self.get(key).and_then(parse_time)
    }

    /// `"true"`/`"false"` as Talkdesk renders booleans (also `1`/`0`, `yes`/`no`).
    pub(super) fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)?.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        }
    }

    /// A digest of the event's content (transport fields and absent values left out), for
    /// dedupe keys of events that carry no id of their own: a redelivery renders the same
    /// values, so it gets the same digest.
    pub(super) fn digest(&self) -> String {
        let content: BTreeMap<&str, &str> = self
            .map
            .keys()
            .filter(|k| !TRANSPORT_KEYS.contains(&k.as_str()))
            .filter_map(|k| self.get(k).map(|v| (k.as_str(), v)))
            .collect();
        let text = serde_json::to_string(&content).unwrap_or_default();
        let hash = Sha256::digest(text.as_bytes());
        hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

fn is_placeholder(v: &str) -> bool {
    (v.starts_with("{{") && v.ends_with("}}")) || (v.starts_with("%{") && v.ends_with('}'))
}

/// Talkdesk's time formats are UNCONFIRMED, so every plausible one is accepted: RFC 3339
/// (`2026-03-24T11:47:06Z`, with an offset or fraction), a date-time without a zone
/// (`2026-03-24 11:47:06`, the Explore report form; read as UTC), and epoch seconds or
/// milliseconds, with or without a fraction. Zero means "not set".
pub(super) fn parse_time(raw: &str) -> Option<Timestamp> {
    let s = raw.trim();
    if s.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return parse_epoch(s);
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let civil: DateTime = s.parse().ok()?;
    civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// Below 10^11 a number is seconds (10^11 s is the year 5138, 10^11 ms is 1973), else
/// milliseconds.
fn parse_epoch(s: &str) -> Option<Timestamp> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.contains('.') || whole.len() > 18 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    if whole <= 0 {
        return None;
    }
    let ms = if whole < 100_000_000_000 {
        // Seconds: keep up to three fraction digits as milliseconds.
        let frac_ms: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
        whole.checked_mul(1000)?.checked_add(frac_ms)?
    } else {
        whole
    };
    Timestamp::from_millisecond(ms).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Option<i64> {
        parse_time(s).map(|t| t.as_millisecond())
    }

    #[test]
    fn every_time_form_reads_the_same_instant() {
        let want = Some(1_774_352_826_000);
        assert_eq!(ms("2026-03-24T11:47:06Z"), want);
        assert_eq!(ms("2026-03-24T12:47:06+01:00"), want);
        assert_eq!(ms("2026-03-24 11:47:06"), want);
        assert_eq!(ms("2026-03-24T11:47:06"), want);
        assert_eq!(ms("1774352826"), want);
        assert_eq!(ms("1774352826000"), want);
        assert_eq!(ms(" 1774352826 "), want);
        assert_eq!(ms("1774352826.25"), Some(1_774_352_826_250));
        assert_eq!(ms("2026-03-24T11:47:06.250Z"), Some(1_774_352_826_250));
    }

    #[test]
    fn what_is_not_a_time_is_absent() {
        for s in [
            "",
            "0",
            "yesterday",
            "1.2.3",
            "99999999999999999999999",
            "-5",
            ".",
        ] {
            assert_eq!(parse_time(s), None, "{s:?}");
        }
    }

    #[test]
    fn placeholders_and_blanks_are_absent() {
        let f = Fields::from_pairs(&[
            ("a", "{{contact.name}}"),
            ("b", "  "),
            ("c", "%{interaction_id}"),
            ("d", " x "),
        ]);
        assert_eq!(f.get("a"), None);
        assert_eq!(f.get("b"), None);
        assert_eq!(f.get("c"), None);
        assert_eq!(f.get("d"), Some("x"));
        assert_eq!(f.required("c", &[]).unwrap_err().field, "c");
        assert!(f
            .required("c", &[])
            .unwrap_err()
            .message
            .contains("placeholder"));
        assert_eq!(f.required("z", &["d"]).unwrap(), "x");
        assert_eq!(f.required("z", &[]).unwrap_err().message, "is required");
    }

    #[test]
    fn digest_ignores_transport_fields_and_absent_values() {
        let a = Fields::from_pairs(&[("agent_id", "a1"), ("secret", "s1"), ("x", "")]);
        let b = Fields::from_pairs(&[("agent_id", "a1"), ("trigger", "agentLogIn")]);
        let c = Fields::from_pairs(&[("agent_id", "a2")]);
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), c.digest());
        assert_eq!(a.digest().len(), 16);
    }
}
