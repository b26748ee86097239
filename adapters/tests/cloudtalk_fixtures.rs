//! Every delivery in `fixtures/cloudtalk/` normalizes to the canonical form recorded in
//! `fixtures/cloudtalk/expected/<name>.json` (same file stem), and every routing request in
//! `fixtures/cloudtalk/route/` parses to `expected/route/<name>.json`. The extension says how
//! the delivery arrives: `.json` a JSON POST, `.form` an urlencoded POST, `.query` a GET
//! with that query string. Set `BLESS=1` to write missing expected files after adding a
//! fixture; review them by hand before committing.
//!
//! CloudTalk sends no time of its own, so an event without an admin-added `timestamp` takes
//! the time of receipt: the expected file says `"{received}"` for it. A routing request
//! before an agent answers is named by the caller's number and the UTC day: the expected file
//! says `{today}` for the day.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use escalator_adapters::{cloudtalk, Delivery};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method};
use jiff::Timestamp;
use serde_json::{json, Value};

const RECEIVED: &str = "{received}";
const TODAY: &str = "{today}";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cloudtalk")
}

/// Fixture files of `dir` with a delivery extension, sorted.
fn deliveries(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} exists: {e}", dir.display()))
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "json" || e == "form" || e == "query")
        })
        .collect();
    files.sort();
    let stems: BTreeSet<_> = files.iter().map(|p| p.file_stem()).collect();
    assert_eq!(stems.len(), files.len(), "two fixtures share a name");
    files
}

/// The raw request a fixture stands for, built by its extension.
struct Raw {
    method: Method,
    headers: HeaderMap,
    query: Option<String>,
    body: Vec<u8>,
}

impl Raw {
    fn load(path: &Path) -> Self {
        let bytes = std::fs::read(path).expect("readable fixture");
        let mut headers = HeaderMap::new();
        // What CloudTalk's workflow automation sends (vendor doc §1c).
        headers.insert(
            "user-agent",
            HeaderValue::from_static("cloudtalk-workflow-automation"),
        );
        match path.extension().and_then(|e| e.to_str()) {
            Some("form") => {
                headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                Raw {
                    method: Method::POST,
                    headers,
                    query: None,
                    body: bytes,
                }
            }
            Some("query") => Raw {
                method: Method::GET,
                headers,
                query: Some(
                    String::from_utf8(bytes)
                        .expect("UTF-8 query")
                        .trim()
                        .to_string(),
                ),
                body: Vec::new(),
            },
            _ => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Raw {
                    method: Method::POST,
                    headers,
                    query: None,
                    body: bytes,
                }
            }
        }
    }

    fn delivery(&self) -> Delivery<'_> {
        Delivery {
            method: &self.method,
            headers: &self.headers,
            query: self.query.as_deref(),
            path_secret: None,
            body: &self.body,
        }
    }
}

/// Compares `actual` with the expected file (or writes it under `BLESS`).
fn check(expected_path: &Path, actual: &Value, label: &Path, failures: &mut Vec<String>) {
    if !expected_path.exists() && std::env::var_os("BLESS").is_some() {
        let text = serde_json::to_string_pretty(actual).expect("json") + "\n";
        std::fs::write(expected_path, text).expect("write expected");
        return;
    }
    let expected: Value = match std::fs::read(expected_path) {
        Ok(b) => serde_json::from_slice(&b).expect("expected file is JSON"),
        Err(_) => {
            failures.push(format!("{}: no expected file", expected_path.display()));
            return;
        }
    };
    if &expected != actual {
        failures.push(format!(
            "{}:\n expected {expected}\n actual   {actual}",
            label.display()
        ));
    }
}

fn expected_path(dir: &Path, file: &Path) -> PathBuf {
    let stem = file.file_stem().expect("file name").to_string_lossy();
    dir.join(format!("{stem}.json"))
}

#[test]
fn every_fixture_normalizes_to_its_expected_canonical_form() {
    let files = deliveries(&fixtures_dir());
    assert!(
        files.len() >= 10,
        "expected a fixture per trigger, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in files {
        let raw = Raw::load(&file);
        let before = Timestamp::now();
        let events = match cloudtalk::normalize(&raw.delivery()) {
            Ok(events) => events,
            Err(e) => {
                failures.push(format!("{}: does not normalize: {e}", file.display()));
                continue;
            }
        };
        let after = Timestamp::now();
        let mut actual = serde_json::to_value(&events).expect("events serialize");
        for (event, value) in events
            .iter()
            .zip(actual.as_array_mut().into_iter().flatten())
        {
            if (before..=after).contains(&event.occurred_at) {
                value["occurred_at"] = json!(RECEIVED);
            }
        }
        let expected = expected_path(&fixtures_dir().join("expected"), &file);
        check(&expected, &actual, &file, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_routing_request_parses_to_its_expected_form() {
    let dir = fixtures_dir().join("route");
    let files = deliveries(&dir);
    assert!(files.len() >= 2);
    let today = Timestamp::now().strftime("%Y-%m-%d").to_string();
    let mut failures = Vec::new();
    for file in files {
        let raw = Raw::load(&file);
        let r = match cloudtalk::parse_route_request(&raw.delivery()) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: does not parse: {e}", file.display()));
                continue;
            }
        };
        let actual = json!({
            "call_id": r.call_id.replace(&today, TODAY),
            "caller_number": r.caller_number,
            "text": r.text,
            "language": r.language,
        });
        let expected = expected_path(&fixtures_dir().join("expected/route"), &file);
        check(&expected, &actual, &file, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A redelivery is recognised: the same content gives the same keys.
#[test]
fn redelivery_gives_the_same_event_ids() {
    for file in deliveries(&fixtures_dir()) {
        let raw = Raw::load(&file);
        let ids = |events: Vec<escalator_adapters::CallEvent>| -> Vec<String> {
            events.into_iter().map(|e| e.event_id).collect()
        };
        let first = ids(cloudtalk::normalize(&raw.delivery()).expect("normalizes"));
        let again = ids(cloudtalk::normalize(&raw.delivery()).expect("normalizes"));
        assert_eq!(first, again, "{}", file.display());
    }
}

/// No two fixtures (all different events) share a dedupe key, unless they are the same tag
/// on the same call, which is one signal however often it is seen.
#[test]
fn different_events_never_share_a_key() {
    let mut seen = BTreeSet::new();
    for file in deliveries(&fixtures_dir()) {
        let raw = Raw::load(&file);
        for e in cloudtalk::normalize(&raw.delivery()).expect("normalizes") {
            if e.event_id.starts_with("tag:") {
                continue;
            }
            assert!(
                seen.insert(e.event_id.clone()),
                "{}: {} repeated",
                file.display(),
                e.event_id
            );
        }
    }
}

/// The template's bodies are what `normalize` and `parse_route_request` read.
#[test]
fn template_names_what_the_adapter_reads() {
    let text = cloudtalk::template("https://escalator.example.com", "k3y");
    for key in [
        "event",
        "escalator_secret",
        "call_uuid",
        "external_number",
        "internal_number",
        "agent_id",
        "contact_id",
        "tags",
        "{{call.uuid}}",
        "{{call.external_number}}",
        "X-Escalator-Token: k3y",
    ] {
        assert!(text.contains(key), "template lacks {key}");
    }
    assert_eq!(
        text,
        cloudtalk::template("https://escalator.example.com", "k3y")
    );
}
