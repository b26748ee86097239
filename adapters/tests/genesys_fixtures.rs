//! Every payload in `fixtures/genesys/` normalizes to the canonical form recorded beside it
//! in `fixtures/genesys/expected/` (same file name). Set `BLESS=1` to write missing expected
//! files after a new fixture is added; review them by hand before committing.

use std::path::{Path, PathBuf};

use escalator_adapters::genesys;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/genesys")
}

fn payloads() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/genesys exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_normalizes_to_its_expected_canonical_form() {
    let bless = std::env::var_os("BLESS").is_some();
    let files = payloads();
    assert!(
        files.len() >= 10,
        "expected a fixture per topic, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_name().expect("file name").to_owned();
        let expected_path = fixtures_dir().join("expected").join(&name);
        let body = std::fs::read(&file).expect("readable fixture");
        let actual = match genesys::normalize(&body) {
            Ok(events) => serde_json::to_value(&events).expect("events serialize"),
            Err(e) => {
                failures.push(format!("{}: does not normalize: {e}", file.display()));
                continue;
            }
        };
        if !expected_path.exists() && bless {
            let text = serde_json::to_string_pretty(&actual).expect("json") + "\n";
            std::fs::write(&expected_path, text).expect("write expected");
            continue;
        }
        let expected: serde_json::Value = match std::fs::read(&expected_path) {
            Ok(b) => serde_json::from_slice(&b).expect("expected file is JSON"),
            Err(_) => {
                failures.push(format!("{}: no expected file", expected_path.display()));
                continue;
            }
        };
        if expected != actual {
            failures.push(format!(
                "{}:\n expected {}\n actual   {}",
                file.display(),
                expected,
                actual
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_routing_request_fixture_parses() {
    let dir = fixtures_dir().join("route");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/genesys/route exists") {
        let path = entry.expect("entry").path();
        let body = std::fs::read(&path).expect("readable");
        genesys::parse_route_request(&body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n >= 1);
}
