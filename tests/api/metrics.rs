//! `/metrics` as Prometheus reads it: help and type on every family, the labelled counters
//! exported before their first event, histograms (never summaries), process and build
//! metrics, and no stale database gauge when the database is down.

use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::*;

async fn scrape(app: &TestApp) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Family name → declared type; panics on a sample whose family has no `# TYPE` and
/// `# HELP`.
fn families(text: &str) -> BTreeMap<String, String> {
    let mut types = BTreeMap::new();
    let mut helps = BTreeSet::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("#"), Some("TYPE"), Some(name)) => {
                types.insert(name.to_string(), words.next().unwrap_or("").to_string());
            }
            (Some("#"), Some("HELP"), Some(name)) => {
                helps.insert(name.to_string());
            }
            _ => {}
        }
    }
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let name = line.split(['{', ' ']).next().unwrap();
        let family = types
            .keys()
            .find(|f| {
                name == f.as_str()
                    || ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|s| name.strip_suffix(s) == Some(f.as_str()))
            })
            .unwrap_or_else(|| panic!("{name} has no # TYPE:\n{text}"));
        assert!(helps.contains(family), "{family} has no # HELP");
    }
    types
}

#[tokio::test]
async fn every_family_has_help_and_the_alerting_counters_exist_before_their_first_event() {
    let app = spawn_app().await;
    let (status, text) = scrape(&app).await;
    assert_eq!(status, 200);
    let types = families(&text);
    assert_eq!(types["escalator_time_to_callback_seconds"], "histogram");
    assert_eq!(types["escalator_commit_batch_deliveries"], "histogram");
    assert!(
        types.values().all(|t| t != "summary"),
        "summaries cannot be summed across replicas: {types:?}"
    );
    for series in [
        "escalator_supervisor_alerts_total{reason=\"caller_at_risk\",urgency=\"immediate\"}",
        "escalator_escalations_stranded_total",
        "escalator_events_total{vendor=\"genesys\",outcome=\"escalated\",type=\"utterance\"}",
        "escalator_actions_total{kind=\"warm_transfer\",outcome=\"dead\"}",
        "escalator_playbook_reloads_total{outcome=\"rejected\"}",
        "escalator_named_callbacks_total{team=\"legal\"}",
        "escalator_time_to_callback_seconds_bucket{le=\"3600\"}",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{series} "))),
            "{series} not exported:\n{text}"
        );
    }
    assert!(text.contains("\nescalator_build_info{version=\""), "{text}");
    assert!(text.contains("\nprocess_resident_memory_bytes "), "{text}");
    assert!(text.contains("\nescalator_store_up 1\n"), "{text}");
}

#[tokio::test]
async fn with_the_database_down_the_outbox_depth_is_nan_and_store_up_is_0() {
    let app = spawn_app().await;
    let (_, before) = scrape(&app).await;
    assert!(before.contains("\nescalator_outbox_depth 0\n"), "{before}");
    app.store.close().await;
    let (status, text) = scrape(&app).await;
    assert_eq!(status, 200, "the counters stay readable");
    assert!(text.contains("\nescalator_store_up 0\n"), "{text}");
    assert!(text.contains("\nescalator_outbox_depth NaN\n"), "{text}");
    assert!(text.contains("\nescalator_reviews_flagged NaN\n"), "{text}");
}
