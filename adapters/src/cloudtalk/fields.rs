//! The delivery's keys and values as an admin typed them into CloudTalk.
//!
//! Every value of an "API Request" body or a Call Flow Designer HTTP step is picked by hand
//! in CloudTalk's UI, so keys are looked up by the name our template uses or a documented
//! alias, ignoring case and punctuation (`call_uuid`, `callUuid` and `Call UUID` are the same
//! key). Values are the flat text of [`Delivery::flat_fields`]: JSON numbers arrive as their
//! digits, `null` as an empty string.

use std::collections::BTreeMap;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::time::parse_timestamp;
use crate::{phone, Delivery, NormalizeError};

/// The body secret's key (`InboundAuth::FieldSecret`); never copied into an event or a key.
pub(crate) const SECRET: &str = "escalator_secret";

/// Accepted names per value; the first is the one our template uses and errors name.
pub(crate) const EVENT: &[&str] = &["event", "action", "trigger", "event_type"];
pub(crate) const CALL_UUID: &[&str] = &["call_uuid", "uuid"];
pub(crate) const CALL_ID: &[&str] = &["call_id", "cdr_id"];
pub(crate) const EXTERNAL_NUMBER: &[&str] = &[
    "external_number",
    "caller_number",
    "customer_number",
    "contact_number",
];
pub(crate) const INTERNAL_NUMBER: &[&str] = &["internal_number", "line", "did"];
pub(crate) const DIRECTION: &[&str] = &["direction", "call_direction"];
pub(crate) const AGENT_ID: &[&str] = &["agent_id", "user_id"];
pub(crate) const CONTACT_ID: &[&str] = &["contact_id"];
pub(crate) const CONTACT_NAME: &[&str] = &["contact_name", "caller_name"];
/// The contact's state or province (CloudTalk's `{{contact.state}}`).
pub(crate) const CONTACT_STATE: &[&str] = &["contact_state", "state"];
pub(crate) const GROUP_ID: &[&str] = &["group_id", "queue_id"];
pub(crate) const TAGS: &[&str] = &["tags", "call_tags", "tag"];
pub(crate) const REASON: &[&str] = &["reason", "comment"];
pub(crate) const TRANSCRIPT: &[&str] = &["transcript", "transcription"];
pub(crate) const LANGUAGE: &[&str] = &["language", "lang"];
pub(crate) const TIMESTAMP: &[&str] = &["timestamp", "occurred_at", "event_time", "time"];
pub(crate) const TEXT: &[&str] = &["text", "ivr_text", "caller_text", "intent"];

/// One present value and the key it arrived under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    pub key: &'a str,
    pub value: &'a str,
}

pub(crate) struct Fields {
    /// Folded key → (key as sent, value), present values only.
    present: BTreeMap<String, (String, String)>,
    /// Everything as sent, for content digests.
    raw: BTreeMap<String, String>,
}

impl Fields {
    pub fn from_delivery(delivery: &Delivery<'_>) -> Result<Self, NormalizeError> {
        Ok(Self::from_map(delivery.flat_fields()?))
    }

    pub fn from_map(raw: BTreeMap<String, String>) -> Self {
        let mut present = BTreeMap::new();
        for (key, value) in &raw {
            if is_absent(value) {
                continue;
            }
            // Two spellings of one key: the first present one (in key order) wins, so the
            // choice does not depend on the order the platform serialized them in.
            present
                .entry(fold(key))
                .or_insert_with(|| (key.clone(), value.trim().to_string()));
        }
        Self { present, raw }
    }

    /// The first present value among `names`.
    pub fn get(&self, names: &[&str]) -> Option<Field<'_>> {
        names.iter().find_map(|name| {
            self.present.get(&fold(name)).map(|(key, value)| Field {
                key: key.as_str(),
                value: value.as_str(),
            })
        })
    }

    pub fn text(&self, names: &[&str]) -> Option<&str> {
        self.get(names).map(|f| f.value)
    }

    /// An identifier: text or a JSON number (`1451646073`, also `1451646073.0` from a
    /// JavaScript float). An object or array where an id belongs is the admin picking the
    /// wrong attribute, so it fails naming the key.
    pub fn id(&self, names: &[&str]) -> Result<Option<String>, NormalizeError> {
        match self.get(names) {
            None => Ok(None),
            Some(f) if is_structured(f.value) => Err(NormalizeError::new(
                f.key,
                "must be a text or a number, not an object or a list",
            )),
            Some(f) => Ok(Some(integral(f.value).to_string())),
        }
    }

    /// An optional identifier: a malformed one is dropped rather than failing the delivery.
    pub fn opt_id(&self, names: &[&str]) -> Option<String> {
        self.id(names).ok().flatten()
    }

    /// A phone number in E.164. CloudTalk sends its numbers as international digits,
    /// often a JSON number without `+` (`421900123456`), so the `+` is added to bare digits.
    pub fn phone(&self, names: &[&str]) -> Option<String> {
        self.text(names)
            .filter(|v| !is_structured(v))
            .and_then(|v| phone::to_e164(integral(v)))
    }

    pub fn timestamp(&self, names: &[&str]) -> Option<Timestamp> {
        self.text(names).and_then(parse_time)
    }

    /// A digest of everything sent except the secret: equal for a redelivery, different
    /// for any change of content.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        let secret = fold(SECRET);
        for (key, value) in &self.raw {
            if fold(key) == secret {
                continue;
            }
            // Length-prefixed so `a=bc` and `ab=c` never hash alike.
            hasher.update((key.len() as u64).to_le_bytes());
            hasher.update(key.as_bytes());
            hasher.update((value.len() as u64).to_le_bytes());
            hasher.update(value.as_bytes());
        }
        hex(&hasher.finalize()[..16])
    }
}

/// Lowercase letters and digits only: how keys are compared.
pub(crate) fn fold(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Values that carry nothing: JSON `null` (flattened to ""), the text a JavaScript template
/// writes for a missing attribute, and `[object Object]`, what CloudTalk sends when an object
/// attribute (e.g. `transcript`) is put into a String value (observed, vendor doc §1c).
pub(crate) fn is_absent(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.eq_ignore_ascii_case("null")
        || v.eq_ignore_ascii_case("undefined")
        || v.eq_ignore_ascii_case("[object Object]")
}

/// JSON object or array text, as `flat_fields` renders nested values.
pub(crate) fn is_structured(value: &str) -> bool {
    let v = value.trim_start();
    v.starts_with('{') || v.starts_with('[')
}

/// `393513416607.0` → `393513416607`: a JavaScript float that is an integer.
fn integral(value: &str) -> &str {
    match value.split_once('.') {
        Some((int, frac))
            if !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => value,
    }
}

/// Epoch seconds or milliseconds, RFC 3339, or `YYYY-MM-DD HH:MM:SS` (taken as UTC): no
/// CloudTalk attribute is documented as a time, so whatever an admin adds is accepted.
pub(crate) fn parse_time(value: &str) -> Option<Timestamp> {
    let v = value.trim();
    if let Ok(n) = v.parse::<i64>() {
        // Ten digits are seconds until the year 5138; milliseconds have thirteen.
        let ms = if n.unsigned_abs() < 100_000_000_000 {
            n.checked_mul(1000)?
        } else {
            n
        };
        return Timestamp::from_millisecond(ms).ok();
    }
    parse_timestamp(&Value::String(v.to_string())).or_else(|| {
        v.parse::<DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn short_digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::from_map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn keys_match_ignoring_case_and_punctuation() {
        let f = fields(&[("Call UUID", "u1"), ("External-Number", "421900123456")]);
        assert_eq!(f.text(CALL_UUID), Some("u1"));
        assert_eq!(f.phone(EXTERNAL_NUMBER).as_deref(), Some("+421900123456"));
    }

    #[test]
    fn placeholders_are_absent() {
        let f = fields(&[
            ("transcript", "[object Object]"),
            ("agent_id", ""),
            ("contact_id", "undefined"),
            ("uuid", "null"),
        ]);
        assert!(f.get(TRANSCRIPT).is_none());
        assert!(f.get(AGENT_ID).is_none());
        assert!(f.get(CONTACT_ID).is_none());
        assert!(f.get(CALL_UUID).is_none());
    }

    #[test]
    fn ids_accept_numbers_and_reject_objects() {
        let f = fields(&[("call_id", "1002226167.0"), ("agent_id", r#"{"id":1}"#)]);
        assert_eq!(f.id(CALL_ID).unwrap().as_deref(), Some("1002226167"));
        assert_eq!(f.id(AGENT_ID).unwrap_err().field, "agent_id");
        assert_eq!(f.opt_id(AGENT_ID), None);
    }

    #[test]
    fn float_numbers_lose_only_a_zero_fraction() {
        assert_eq!(integral("393513416607.0"), "393513416607");
        assert_eq!(integral("1.5"), "1.5");
        assert_eq!(integral(".0"), ".0");
    }

    #[test]
    fn times_in_every_accepted_form() {
        let a = parse_time("1773957594").unwrap();
        let b = parse_time("1773957594000").unwrap();
        let c = parse_time("2026-03-19T21:59:54Z").unwrap();
        let d = parse_time("2026-03-19 21:59:54").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert!(parse_time("soon").is_none());
        assert!(parse_time("99999999999999999").is_none());
        // i64::MIN has no absolute value: it must not overflow.
        assert!(parse_time("-9223372036854775808").is_none());
    }

    #[test]
    fn digest_ignores_the_secret_only() {
        let a = fields(&[("event", "call_started"), ("escalator_secret", "s1")]);
        let b = fields(&[("event", "call_started"), ("escalator_secret", "s2")]);
        let c = fields(&[("event", "call_ended"), ("escalator_secret", "s1")]);
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), c.digest());
    }
}
