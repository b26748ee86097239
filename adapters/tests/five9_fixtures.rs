//! Every delivery in `fixtures/five9/` normalizes to the canonical form recorded beside it
//! in `fixtures/five9/expected/` (same stem, `.json`), and every routing request in
//! `fixtures/five9/route/` parses to `fixtures/five9/expected/route/`. The file extension
//! says how Five9 sent it: `.json` a JSON POST, `.form` a form POST, `.query` a GET query
//! string. Set `BLESS=1` to write missing expected files; review them by hand.

use std::path::{Path, PathBuf};

use escalator_adapters::auth::InboundAuth;
use escalator_adapters::{five9, Delivery, Secret};
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{json, Value};

const SECRET: &str = "f9-test-secret";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/five9")
}

/// One fixture as the ingress would see it.
struct Raw {
    method: Method,
    headers: HeaderMap,
    query: Option<String>,
    body: Vec<u8>,
}

impl Raw {
    fn load(path: &Path) -> Raw {
        let bytes = std::fs::read(path).expect("readable fixture");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let mut headers = HeaderMap::new();
        let content_type = |h: &mut HeaderMap, v: &'static str| {
            h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(v));
        };
        match ext {
            "json" => {
                content_type(&mut headers, "application/json");
                Raw {
                    method: Method::POST,
                    headers,
                    query: None,
                    body: bytes,
                }
            }
            "form" => {
                content_type(&mut headers, "application/x-www-form-urlencoded");
                Raw {
                    method: Method::POST,
                    headers,
                    query: None,
                    body: bytes,
                }
            }
            "query" => {
                let text = String::from_utf8(bytes).expect("query fixture is UTF-8");
                Raw {
                    method: Method::GET,
                    headers,
                    query: Some(text.trim().to_string()),
                    body: Vec::new(),
                }
            }
            other => panic!("{}: unknown fixture extension {other:?}", path.display()),
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

fn expected_path(dir: &Path, file: &Path) -> PathBuf {
    let stem = file.file_stem().expect("file stem").to_string_lossy();
    dir.join(format!("{stem}.json"))
}

/// Compares `actual` with the expected file, writing it first under `BLESS`.
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
        files.len() >= 10,
        "expected a fixture per trigger, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in files {
        let raw = Raw::load(&file);
        let actual = match five9::normalize(&raw.delivery()) {
            Ok(events) => serde_json::to_value(&events).expect("events serialize"),
            Err(e) => {
                failures.push(format!("{}: does not normalize: {e}", file.display()));
                continue;
            }
        };
        check(
            &expected_path(&fixtures_dir().join("expected"), &file),
            &actual,
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_routing_request_parses_to_its_expected_form() {
    let dir = fixtures_dir().join("route");
    let files = payloads(&dir);
    assert!(files.len() >= 3);
    let mut failures = Vec::new();
    for file in files {
        let raw = Raw::load(&file);
        let r = match five9::parse_route_request(&raw.delivery()) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: does not parse: {e}", file.display()));
                continue;
            }
        };
        let actual = json!({
            "call_id": r.call_id,
            "caller_number": r.caller_number,
            "text": r.text,
            "language": r.language,
        });
        check(
            &expected_path(&fixtures_dir().join("expected/route"), &file),
            &actual,
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_authenticates_with_the_field_secret() {
    let auth = InboundAuth::FieldSecret {
        field: five9::SECRET_FIELD.to_string(),
        secret: Secret::new(SECRET),
    };
    let mut files = payloads(&fixtures_dir());
    files.extend(payloads(&fixtures_dir().join("route")));
    for file in files {
        let raw = Raw::load(&file);
        assert_eq!(auth.verify(&raw.delivery()), Ok(()), "{}", file.display());
    }
}

/// A retried delivery may come in another encoding (UNCONFIRMED Content-Type): the same
/// fields as form, query or JSON give the same events and keys.
#[test]
fn encodings_of_one_delivery_give_the_same_events() {
    for file in payloads(&fixtures_dir()) {
        let raw = Raw::load(&file);
        let fields = raw.delivery().flat_fields().expect("fields");
        let events = five9::normalize(&raw.delivery()).expect("normalizes");

        let json_body = serde_json::to_vec(&fields).expect("json");
        let json_raw = Raw {
            method: Method::POST,
            headers: HeaderMap::new(),
            query: None,
            body: json_body,
        };
        let form: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter())
            .finish();
        let query_raw = Raw {
            method: Method::GET,
            headers: HeaderMap::new(),
            query: Some(form),
            body: Vec::new(),
        };
        for other in [json_raw, query_raw] {
            let again = five9::normalize(&other.delivery()).expect("normalizes");
            assert_eq!(events, again, "{}", file.display());
        }
    }
}

#[test]
fn dedupe_keys_are_unique_across_distinct_fixtures() {
    let mut seen = std::collections::BTreeMap::new();
    for file in payloads(&fixtures_dir()) {
        let raw = Raw::load(&file);
        for e in five9::normalize(&raw.delivery()).expect("normalizes") {
            assert_eq!(e.vendor, escalator_adapters::Vendor::Five9);
            if let Some(first) = seen.insert(e.event_id.clone(), file.clone()) {
                // The call's start is reported by every accept of that call, by design.
                assert!(
                    e.event_id.starts_with("call_started:"),
                    "{} and {} share {}",
                    first.display(),
                    file.display(),
                    e.event_id
                );
            }
        }
    }
}
