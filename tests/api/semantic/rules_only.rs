//! Without the model file the service runs on rules alone and says so: at start, in
//! `/readyz` and in `/metrics` (the real binary, so no other test's recorder interferes).

use crate::logs::Running;

#[tokio::test]
async fn without_a_model_the_service_runs_rules_only_and_says_so() {
    let run = Running::start(
        "",
        &[("ESCALATOR_SEMANTIC_MODEL", "/nonexistent/model.bin")],
    )
    .await;
    let ready: serde_json::Value = run
        .http
        .get(format!("{}/readyz", run.address))
        .send()
        .await
        .expect("readyz")
        .json()
        .await
        .expect("JSON");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["semantic"], "rules_only");
    let metrics = run
        .http
        .get(format!("{}/metrics", run.address))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for series in [
        "escalator_semantic_enabled 0",
        "escalator_semantic_scored_total 0",
        "escalator_semantic_skipped_total{reason=\"late\"} 0",
        "escalator_semantic_skipped_total{reason=\"queue_full\"} 0",
        "escalator_semantic_skipped_total{reason=\"error\"} 0",
        "escalator_semantic_queue_depth 0",
        "escalator_semantic_score_seconds_count 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == series),
            "no `{series}` in:\n{metrics}"
        );
    }
    let lines = run.stop();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("rules-only") && l.contains("/nonexistent/model.bin")),
        "no rules-only line at start"
    );
}
