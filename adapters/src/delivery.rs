//! One inbound HTTP request as the adapters see it: everything a platform may put its data
//! or its credentials in (body, query string, headers, a secret path segment).

use std::collections::BTreeMap;

use http::{HeaderMap, Method};
use serde_json::Value;

use crate::NormalizeError;

#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    /// The segment after `/webhooks/{vendor}/`, for platforms authenticated by an
    /// unguessable URL.
    pub path_secret: Option<&'a str>,
    pub body: &'a [u8],
}

impl<'a> Delivery<'a> {
    /// A POST with a JSON body and nothing else (tests, replay).
    pub fn json(body: &'a [u8], headers: &'a HeaderMap) -> Self {
        Delivery {
            method: &Method::POST,
            headers,
            query: None,
            path_secret: None,
            body,
        }
    }

    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim())
    }

    /// The query string's parameters (later duplicates win).
    pub fn query_fields(&self) -> BTreeMap<String, String> {
        self.query.map(parse_form).unwrap_or_default()
    }

    /// Every field the platform sent as flat strings: query parameters, then the body as a
    /// form or as a JSON object (body fields win). JSON numbers, booleans and nulls become
    /// strings ("" for null); nested objects and arrays are kept as JSON text.
    pub fn flat_fields(&self) -> Result<BTreeMap<String, String>, NormalizeError> {
        let mut fields = self.query_fields();
        let body = trim_ascii(self.body);
        if body.is_empty() {
            return Ok(fields);
        }
        let looks_json = body.first().is_some_and(|b| *b == b'{' || *b == b'[');
        let content_type = self.content_type().map(str::to_ascii_lowercase);
        let form = content_type.as_deref() == Some("application/x-www-form-urlencoded");
        // Declared JSON is read as JSON whatever it starts with, so `"text"` or `42` is
        // refused as not an object instead of being taken for a form.
        let declared_json = content_type
            .as_deref()
            .is_some_and(|t| t == "application/json" || t.ends_with("+json"));
        if declared_json || (looks_json && !form) {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| NormalizeError::new("body", format!("is not valid JSON ({e})")))?;
            let Value::Object(map) = value else {
                return Err(NormalizeError::new("body", "must be a JSON object"));
            };
            for (k, v) in map {
                fields.insert(k, scalar_text(&v));
            }
        } else {
            let text = std::str::from_utf8(body)
                .map_err(|_| NormalizeError::new("body", "is not valid UTF-8"))?;
            fields.extend(parse_form(text));
        }
        Ok(fields)
    }
}

/// A JSON value as the text a templated platform would have sent.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn parse_form(s: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(s.as_bytes()).into_owned().collect()
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_query_and_json_flatten_alike() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let d = Delivery {
            method: &Method::POST,
            headers: &headers,
            query: Some("secret=s%20x&a=1"),
            path_secret: None,
            body: b"call_id=42&ani=%2B1555+0100&a=2",
        };
        let f = d.flat_fields().unwrap();
        assert_eq!(f["secret"], "s x");
        assert_eq!(f["ani"], "+1555 0100");
        assert_eq!(f["a"], "2");

        let empty = HeaderMap::new();
        let d = Delivery::json(
            br#"{"n": 15555550100, "x": null, "o": {"k": 1}, "t": true}"#,
            &empty,
        );
        let f = d.flat_fields().unwrap();
        assert_eq!(f["n"], "15555550100");
        assert_eq!(f["x"], "");
        assert_eq!(f["o"], r#"{"k":1}"#);
        assert_eq!(f["t"], "true");
        assert_eq!(
            Delivery::json(b"[1]", &empty)
                .flat_fields()
                .unwrap_err()
                .field,
            "body"
        );
    }
}
