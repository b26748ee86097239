//! Personal data out of the logs (`[logging] redact_personal_data`): phone numbers become
//! `+1******4567`, people's names `[name]`. Applied to every line the service writes, so
//! it covers the service's own fields, free-text details and errors, and its libraries.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Regex};

/// JSON fields that hold a person's name.
const NAME_FIELDS: &str = "name|caller_name|callee_name|first_name|last_name|full_name|agent_name|owner|recipient|supervisor|assignee";
/// JSON fields that hold a phone number.
const PHONE_FIELDS: &str = "ani|dnis|phone|number|caller_number|callee_number|phone_number|contact_phone_number|external_number|from|to|address";

pub struct Redactor {
    name_fields: Regex,
    phone_fields: Regex,
    /// E.164 (`+` and 7–15 digits), also inside `tel:` URIs and free text.
    e164: Regex,
    /// Names the configuration gives (owners, supervisors, rosters), wherever they appear.
    known_names: Option<Regex>,
}

static ACTIVE: OnceLock<Redactor> = OnceLock::new();

/// Turns redaction on for the rest of the process, masking `names` (people the
/// configuration names) wherever they appear, besides the name and number fields.
pub fn enable(names: impl IntoIterator<Item = String>) {
    if let Some(redactor) = Redactor::new(names) {
        let _ = ACTIVE.set(redactor);
    }
}

/// The active redactor, when redaction is on.
pub fn active() -> Option<&'static Redactor> {
    ACTIVE.get()
}

/// `+13175554567` → `+1******4567`: the country's first digit and the last four stay so
/// operators can still tell calls apart.
pub fn phone(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return "[number]".into();
    }
    let plus = if number.contains('+') { "+" } else { "" };
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("{plus}{}{}{tail}", digits[0], "*".repeat(digits.len() - 5))
}

impl Redactor {
    /// `None` only if a pattern fails to build (they are constants, so never in practice).
    pub fn new(names: impl IntoIterator<Item = String>) -> Option<Self> {
        let field = |keys: &str| {
            Regex::new(&format!(
                r#""(?P<key>{keys})":(?P<value>"(?:[^"\\]|\\.)*"|-?\d+)"#
            ))
            .ok()
        };
        let mut names: Vec<String> = names
            .into_iter()
            .map(|n| n.trim().to_string())
            .filter(|n| n.chars().count() >= 3)
            .collect();
        // Longest first, so "Dana Reyes" goes before "Dana".
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        let known_names = if names.is_empty() {
            None
        } else {
            let alternatives: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
            Some(Regex::new(&format!(r"\b(?:{})\b", alternatives.join("|"))).ok()?)
        };
        Some(Self {
            name_fields: field(NAME_FIELDS)?,
            phone_fields: field(PHONE_FIELDS)?,
            e164: Regex::new(r"\+[1-9]\d{6,14}\b").ok()?,
            known_names,
        })
    }

    /// One log line (JSON or text) with names and numbers masked.
    pub fn line<'a>(&self, line: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(line);
        let replaced = self
            .name_fields
            .replace_all(&out, |c: &Captures| format!("\"{}\":\"[name]\"", &c["key"]));
        if let Cow::Owned(s) = replaced {
            out = Cow::Owned(s);
        }
        let replaced = self.phone_fields.replace_all(&out, |c: &Captures| {
            let value = c["value"].trim_matches('"');
            // Only values that are numbers: `from`/`to` also name times and states.
            if value.chars().filter(char::is_ascii_digit).count() >= 6
                && value
                    .chars()
                    .all(|ch| ch.is_ascii_digit() || "+-() .:tel".contains(ch))
            {
                format!("\"{}\":\"{}\"", &c["key"], phone(value))
            } else {
                c[0].to_string()
            }
        });
        if let Cow::Owned(s) = replaced {
            out = Cow::Owned(s);
        }
        let replaced = self.e164.replace_all(&out, |c: &Captures| phone(&c[0]));
        if let Cow::Owned(s) = replaced {
            out = Cow::Owned(s);
        }
        if let Some(names) = &self.known_names {
            let replaced = names.replace_all(&out, "[name]");
            if let Cow::Owned(s) = replaced {
                out = Cow::Owned(s);
            }
        }
        out
    }
}

/// The log writer: stdout, with every line redacted when redaction is on.
#[derive(Clone, Copy, Default)]
pub struct RedactingStdout;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactingStdout {
    type Writer = RedactingStdout;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

impl std::io::Write for RedactingStdout {
    /// The formatter hands over one whole line per call.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut stdout = std::io::stdout().lock();
        match active() {
            None => stdout.write_all(buf)?,
            Some(redactor) => {
                let text = String::from_utf8_lossy(buf);
                stdout.write_all(redactor.line(&text).as_bytes())?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(["Dana Reyes".to_string(), "Owner of legal".to_string()]).expect("builds")
    }

    #[test]
    fn numbers_keep_their_first_digit_and_last_four() {
        assert_eq!(phone("+13175554567"), "+1******4567");
        assert_eq!(phone("4155550123"), "4*****0123");
        assert_eq!(phone("tel:+421900123456"), "+4*******3456");
        assert_eq!(phone("123"), "[number]");
    }

    #[test]
    fn name_and_number_fields_and_numbers_in_text_are_masked() {
        let line = r#"{"fields":{"message":"callback","owner":"Owner of legal","caller_name":"Jo \"J\" Avery","ani":4155550123,"from":"2026-01-01T00:00:00Z","detail":"called +13175554567 for Dana Reyes, ref ESC-1"}}"#;
        let out = redactor().line(line).into_owned();
        assert_eq!(
            out,
            r#"{"fields":{"message":"callback","owner":"[name]","caller_name":"[name]","ani":"4*****0123","from":"2026-01-01T00:00:00Z","detail":"called +1******4567 for [name], ref ESC-1"}}"#
        );
        // Still JSON.
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
    }

    #[test]
    fn ids_and_timestamps_are_left_alone() {
        let line = r#"{"call_id":"300000000123456","event_id":"customer.start:1773957590000","latency":"2 ms"}"#;
        assert_eq!(redactor().line(line), line);
    }
}
