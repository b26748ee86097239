//! Every payload in `fixtures/talkdesk/` normalizes to the canonical form recorded beside it
//! in `fixtures/talkdesk/expected/` (same file name, `.json`), and every routing request in
//! `fixtures/talkdesk/route/` parses to `fixtures/talkdesk/expected/route/`. A file is
//! delivered as the ingress would: `.json` as a POST with a JSON body, `.form` as a POST
//! with a urlencoded body, `.query` as a GET with that query string.
//!
//! Set `BLESS=1` to write missing expected files after adding a fixture; review them by hand
//! before committing. An event with no time of its own takes the time of receipt; its
//! expected file records `"occurred_at": "(received)"`, checked against the test's clock.

use std::path::{Path, PathBuf};

use escalator_adapters::{talkdesk, Delivery, NormalizeError};
use http::{HeaderMap, HeaderValue, Method};
use jiff::Timestamp;
use serde_json::{json, Value};

const RECEIVED: &str = "(received)";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/talkdesk")
}

fn payloads(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture dir exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "json" || e == "form" || e == "query")
        })
        .collect();
    files.sort();
    files
}

/// Calls `f` with the delivery the ingress would build for `file`.
fn with_delivery<T>(file: &Path, f: impl FnOnce(&Delivery<'_>) -> T) -> T {
    let raw = std::fs::read(file).expect("readable fixture");
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mut headers = HeaderMap::new();
    let content_type = match ext {
        "form" => Some("application/x-www-form-urlencoded"),
        "json" => Some("application/json"),
        _ => None,
    };
    if let Some(ct) = content_type {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    let query_text = String::from_utf8(raw.clone()).expect("query is UTF-8");
    let delivery = match ext {
        "query" => Delivery {
            method: &Method::GET,
            headers: &headers,
            query: Some(query_text.trim()),
            path_secret: Some("fixture-secret"),
            body: b"",
        },
        _ => Delivery {
            method: &Method::POST,
            headers: &headers,
            query: None,
            path_secret: Some("fixture-secret"),
            body: &raw,
        },
    };
    f(&delivery)
}

fn expected_path(sub: &str, file: &Path) -> PathBuf {
    let stem = file.file_stem().expect("file name").to_owned();
    let mut name = PathBuf::from(stem);
    name.set_extension("json");
    fixtures_dir().join(sub).join(name)
}

/// Replaces a receipt-time `occurred_at` (one at or after `since`) by the marker, so the
/// expected files stay stable.
fn mask_received(events: &mut Value, since: Timestamp) {
    for e in events.as_array_mut().into_iter().flatten() {
        let at = e["occurred_at"]
            .as_str()
            .and_then(|s| s.parse::<Timestamp>().ok());
        if at.is_some_and(|t| t >= since) {
            e["occurred_at"] = json!(RECEIVED);
        }
    }
}

/// Compares `actual` with the expected file, or writes it under `BLESS=1` when missing.
fn check(expected: &Path, actual: &Value, failures: &mut Vec<String>) {
    if !expected.exists() && std::env::var_os("BLESS").is_some() {
        let text = serde_json::to_string_pretty(actual).expect("json") + "\n";
        std::fs::write(expected, text).expect("write expected");
        return;
    }
    let want: Value = match std::fs::read(expected) {
        Ok(b) => serde_json::from_slice(&b).expect("expected file is JSON"),
        Err(_) => {
            failures.push(format!("{}: no expected file", expected.display()));
            return;
        }
    };
    if &want != actual {
        failures.push(format!(
            "{}:\n expected {want}\n actual   {actual}",
            expected.display()
        ));
    }
}

#[test]
fn every_fixture_normalizes_to_its_expected_canonical_form() {
    let files = payloads(&fixtures_dir());
    assert!(
        files.len() >= 15,
        "expected a fixture per trigger, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in files {
        let since = Timestamp::now();
        let events = match with_delivery(&file, talkdesk::normalize) {
            Ok(events) => events,
            Err(e) => {
                failures.push(format!("{}: does not normalize: {e}", file.display()));
                continue;
            }
        };
        let mut actual = serde_json::to_value(&events).expect("events serialize");
        mask_received(&mut actual, since);
        check(&expected_path("expected", &file), &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_redelivery_gets_the_same_keys() {
    for file in payloads(&fixtures_dir()) {
        let keys = || -> Result<Vec<String>, NormalizeError> {
            with_delivery(&file, talkdesk::normalize)
                .map(|events| events.into_iter().map(|e| e.event_id).collect())
        };
        assert_eq!(keys().ok(), keys().ok(), "{}", file.display());
    }
}

#[test]
fn every_routing_request_fixture_parses_to_its_expected_form() {
    let files = payloads(&fixtures_dir().join("route"));
    assert!(files.len() >= 3, "found {}", files.len());
    let mut failures = Vec::new();
    for file in files {
        let request = match with_delivery(&file, talkdesk::parse_route_request) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: does not parse: {e}", file.display()));
                continue;
            }
        };
        let actual = json!({
            "call_id": request.call_id,
            "caller_number": request.caller_number,
            "text": request.text,
            "language": request.language,
        });
        check(
            &expected_path("expected/route", &file),
            &actual,
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
