//! Reading the caller's input field by field, so every error names the field: JSON bodies
//! (unknown fields refused) and query strings.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::AdminError;

/// A JSON object body whose fields are read one by one.
pub struct Body(Map<String, Value>);

impl Body {
    /// Parses `bytes` as a JSON object that has only the `allowed` fields.
    pub fn parse(bytes: &[u8], allowed: &[&str]) -> Result<Self, AdminError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| AdminError::Malformed {
            field: "body".into(),
            message: format!("not JSON ({e})"),
        })?;
        let Value::Object(map) = value else {
            return Err(AdminError::invalid("body", "must be a JSON object"));
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(AdminError::invalid(
                unknown,
                format!("unknown field; expected {}", allowed.join(", ")),
            ));
        }
        Ok(Self(map))
    }

    /// An optional string field (absent or null is `None`).
    pub fn optional(&self, field: &str) -> Result<Option<String>, AdminError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(AdminError::invalid(field, "must be a string")),
        }
    }

    /// A required, non-blank string field.
    pub fn required(&self, field: &str, what: &str) -> Result<String, AdminError> {
        match self.optional(field)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(AdminError::invalid(field, format!("is required: {what}"))),
        }
    }

    /// A required RFC 3339 time.
    pub fn time(&self, field: &str) -> Result<jiff::Timestamp, AdminError> {
        let text = self.required(field, "an RFC 3339 time, e.g. 2026-03-19T22:00:00Z")?;
        parse_time(field, &text)
    }
}

pub fn parse_time(field: &str, text: &str) -> Result<jiff::Timestamp, AdminError> {
    text.trim().parse().map_err(|_| {
        AdminError::invalid(
            field,
            format!("{text:?} is not an RFC 3339 time; use e.g. 2026-03-19T22:00:00Z"),
        )
    })
}

/// A query string's fields, refusing any not in `allowed`.
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn new(pairs: HashMap<String, String>, allowed: &[&str]) -> Result<Self, AdminError> {
        if let Some(unknown) = pairs.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(AdminError::invalid(
                unknown,
                format!("unknown query parameter; expected {}", allowed.join(", ")),
            ));
        }
        Ok(Self(pairs))
    }

    /// A non-blank value.
    pub fn get(&self, field: &str) -> Option<String> {
        self.0
            .get(field)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub fn time(&self, field: &str) -> Result<Option<jiff::Timestamp>, AdminError> {
        self.get(field).map(|t| parse_time(field, &t)).transpose()
    }

    pub fn flag(&self, field: &str) -> Result<bool, AdminError> {
        match self.get(field).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(AdminError::invalid(
                field,
                format!("{other:?} is not true or false"),
            )),
        }
    }

    /// `limit`: 1 to 1000, 100 when absent.
    pub fn limit(&self) -> Result<i64, AdminError> {
        match self.get("limit") {
            None => Ok(100),
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n),
                _ => Err(AdminError::invalid(
                    "limit",
                    format!("{text:?} is not a whole number from 1 to 1000"),
                )),
            },
        }
    }
}
