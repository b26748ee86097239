//! The semantic recall layer end to end, with a test double for the scorer: utterances the
//! rules miss escalate once, a less confident score asks for review, anger from the words
//! gives HEARD guidance, acknowledgements never wait for a score, late utterances are
//! skipped, the queue survives a restart, and without a model the service says so.

mod double;
mod durability;
mod flow;
mod rules_only;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use escalator::config::Config;
use escalator::semantic::Scorer;
use escalator::store::EscalationRow;
use escalator_adapters::Vendor;
use tempfile::TempDir;

use crate::helpers::{spawn_app_with, Options, TestApp};

/// The policy the tests' playbook carries (the built-in playbook has none of its own yet).
const POLICY: &str = r#"
[semantic]
anger = 0.8
[semantic.categories]
fraud = { escalate = 0.9, review = 0.5 }
legal_threat = { escalate = 0.9, review = 0.5 }
self_harm = { escalate = 0.5, review = 0.5 }
"#;

/// A directory holding the built-in playbook with [`POLICY`] as its `[semantic]` section.
pub fn dir_with_playbook() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut table: toml::Table =
        toml::from_str(escalator::playbook::file::DEFAULT_PLAYBOOK).expect("playbook");
    table.remove("semantic");
    let text = format!("{}{POLICY}", toml::to_string(&table).expect("toml"));
    std::fs::write(playbook_path(dir.path()), text).expect("playbook written");
    dir
}

fn playbook_path(dir: &Path) -> std::path::PathBuf {
    dir.join("playbook.toml")
}

/// The service with `scorer`, the test playbook in `dir`, dry-run actions; `tune` has the
/// last word on the configuration.
pub async fn spawn_scoring(
    dir: TempDir,
    scorer: Arc<dyn Scorer>,
    tune: impl FnOnce(&mut Config) + Send + 'static,
) -> TestApp {
    let playbook = playbook_path(dir.path());
    spawn_app_with(Options {
        credentials: false,
        dir: Some(dir),
        scorer: Some(scorer),
        configure: Some(Box::new(move |config: &mut Config| {
            config.playbook.file = Some(playbook);
            tune(config);
        })),
        ..Options::default()
    })
    .await
}

/// Waits until nothing awaits its score.
pub async fn drained(app: &TestApp) {
    for _ in 0..400 {
        let stats = app.store.semantic_queue_stats().await.expect("queue");
        if stats.depth == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the semantic queue never drained");
}

pub async fn escalations(app: &TestApp, vendor: Vendor, call: &str) -> Vec<EscalationRow> {
    app.store
        .escalations(vendor, call)
        .await
        .expect("escalations")
}

/// The primary trigger of an escalation's decision.
pub fn primary(row: &EscalationRow) -> &serde_json::Value {
    &row.decision["triggers"][0]
}

/// The value of a metric series (`name{labels}` as rendered), 0 when absent.
pub async fn metric(app: &TestApp, series: &str) -> f64 {
    let text = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}
