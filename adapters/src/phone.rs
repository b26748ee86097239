//! Phone numbers in the canonical model are E.164 (`+` and up to 15 digits).

/// Normalizes what platforms send (`tel:+1555…`, `+1 (555) …`, `1555…`) to E.164, or
/// `None` when the value cannot be a phone number (an anonymous caller, a SIP URI).
pub fn to_e164(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("tel:").unwrap_or(raw);
    let raw = raw.split(';').next().unwrap_or(raw);
    if raw.chars().any(|c| c.is_ascii_alphabetic() || c == '@') {
        return None;
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.strip_prefix("00").unwrap_or(&digits).to_string();
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return None;
    }
    Some(format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::to_e164;

    #[test]
    fn normalizes_platform_forms() {
        assert_eq!(to_e164("tel:+15555550520").as_deref(), Some("+15555550520"));
        assert_eq!(
            to_e164("+1 (555) 555-0520").as_deref(),
            Some("+15555550520")
        );
        assert_eq!(to_e164("15555550520").as_deref(), Some("+15555550520"));
        assert_eq!(
            to_e164("0044 20 7946 0018").as_deref(),
            Some("+442079460018")
        );
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        assert_eq!(to_e164("anonymous"), None);
        assert_eq!(to_e164("sip:agent@example.com"), None);
        assert_eq!(to_e164("123"), None);
        assert_eq!(to_e164(""), None);
    }
}
