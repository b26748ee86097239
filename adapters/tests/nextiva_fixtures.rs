//! Every delivery in `fixtures/nextiva/` normalizes to the canonical form recorded in
//! `fixtures/nextiva/expected/` (same name, `.json`), and every routing request in
//! `fixtures/nextiva/route/` parses to the request recorded in `expected/route/`. The file
//! extension says how NCC sent it: `.json` a JSON POST, `.form` a urlencoded POST, `.query`
//! a GET query string. Set `BLESS=1` to write missing expected files after adding a fixture;
//! review them by hand against `shared/vendors/nextiva.md` before committing.

use std::path::{Path, PathBuf};

use escalator_adapters::{nextiva, Delivery, RouteRequest};
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{json, Value};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/nextiva")
}

fn deliveries(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "json" || e == "form" || e == "query")
        })
        .collect();
    files.sort();
    files
}

/// A fixture as the ingress would hand it to the adapter.
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
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let content_type = match ext {
            "form" => Some("application/x-www-form-urlencoded"),
            "json" => Some("application/json"),
            _ => None,
        };
        if let Some(ct) = content_type {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        match ext {
            "query" => Raw {
                method: Method::GET,
                headers,
                query: Some(String::from_utf8(bytes).expect("query is UTF-8")),
                body: Vec::new(),
            },
            _ => Raw {
                method: Method::POST,
                headers,
                query: None,
                body: bytes,
            },
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

fn expected_path(dir: &Path, file: &Path) -> PathBuf {
    // `call-started.inbound.json` → `call-started.inbound.json`, `queued-form.form` →
    // `queued-form.json`: only the last extension is replaced.
    let stem = file.file_stem().expect("file name").to_string_lossy();
    dir.join(format!("{stem}.json"))
}

/// Compares `actual` with the recorded file, or records it under `BLESS=1`.
fn check(expected: &Path, actual: &Value, source: &Path, failures: &mut Vec<String>) {
    let bless = std::env::var_os("BLESS").is_some();
    if !expected.exists() && bless {
        let text = serde_json::to_string_pretty(actual).expect("json") + "\n";
        std::fs::write(expected, text).expect("write expected");
        return;
    }
    match std::fs::read(expected) {
        Ok(b) => {
            let want: Value = serde_json::from_slice(&b).expect("expected file is JSON");
            if &want != actual {
                failures.push(format!(
                    "{}:\n expected {want}\n actual   {actual}",
                    source.display()
                ));
            }
        }
        Err(_) => failures.push(format!("{}: no expected file", expected.display())),
    }
}

#[test]
fn every_fixture_normalizes_to_its_expected_canonical_form() {
    let files = deliveries(&fixtures_dir());
    assert!(
        files.len() >= 15,
        "expected a fixture per event kind, found {}",
        files.len()
    );
    let expected_dir = fixtures_dir().join("expected");
    let mut seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for file in files {
        let expected = expected_path(&expected_dir, &file);
        assert!(
            seen.insert(expected.clone()),
            "{}: name clash",
            file.display()
        );
        let raw = Raw::load(&file);
        let actual = match nextiva::normalize(&raw.delivery()) {
            Ok(events) => serde_json::to_value(&events).expect("events serialize"),
            Err(e) => {
                failures.push(format!("{}: does not normalize: {e}", file.display()));
                continue;
            }
        };
        check(&expected, &actual, &file, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn route_json(r: &RouteRequest) -> Value {
    json!({
        "call_id": r.call_id,
        "caller_number": r.caller_number,
        "text": r.text,
        "language": r.language,
    })
}

#[test]
fn every_routing_request_fixture_parses_to_its_expected_request() {
    let dir = fixtures_dir().join("route");
    let expected_dir = fixtures_dir().join("expected/route");
    let files = deliveries(&dir);
    assert!(files.len() >= 3, "found {}", files.len());
    let mut failures = Vec::new();
    for file in files {
        let raw = Raw::load(&file);
        match nextiva::parse_route_request(&raw.delivery()) {
            Ok(r) => check(
                &expected_path(&expected_dir, &file),
                &route_json(&r),
                &file,
                &mut failures,
            ),
            Err(e) => failures.push(format!("{}: does not parse: {e}", file.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_redelivery_gets_the_same_keys() {
    for file in deliveries(&fixtures_dir()) {
        let raw = Raw::load(&file);
        let keys = |events: Vec<escalator_adapters::CallEvent>| {
            events.into_iter().map(|e| e.event_id).collect::<Vec<_>>()
        };
        let a = keys(nextiva::normalize(&raw.delivery()).expect("normalizes"));
        let b = keys(nextiva::normalize(&raw.delivery()).expect("normalizes"));
        assert_eq!(a, b, "{}", file.display());
        let unique: std::collections::BTreeSet<_> = a.iter().collect();
        assert_eq!(unique.len(), a.len(), "{}: keys repeat", file.display());
    }
}
