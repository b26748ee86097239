//! Platform timestamps arrive as epoch milliseconds (numbers or strings) or RFC 3339 text.

use jiff::Timestamp;
use serde_json::Value;

pub(crate) fn parse_timestamp(value: &Value) -> Option<Timestamp> {
    match value {
        Value::Number(n) => n.as_i64().and_then(from_epoch_ms),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(ms) = s.parse::<i64>() {
                from_epoch_ms(ms)
            } else {
                s.parse::<Timestamp>().ok()
            }
        }
        _ => None,
    }
}

fn from_epoch_ms(ms: i64) -> Option<Timestamp> {
    Timestamp::from_millisecond(ms).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_epoch_ms_and_rfc3339() {
        let a = parse_timestamp(&json!(1765551650107_i64)).unwrap();
        let b = parse_timestamp(&json!("1765551650107")).unwrap();
        let c = parse_timestamp(&json!("2025-12-12T15:00:50.107Z")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(parse_timestamp(&json!("yesterday")).is_none());
        assert!(parse_timestamp(&json!(null)).is_none());
    }
}
