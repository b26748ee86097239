//! `escalator replay`: the inbound pipeline run on files, against a throw-away store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use escalator_adapters::auth::InboundAuth;
use escalator_adapters::{Delivery, Secret, Vendor};
use http::{HeaderMap, HeaderValue};
use serde_json::json;
use tokio::sync::Notify;

use crate::config::Config;
use crate::executor::describe;
use crate::ingest::{InboundAuths, Pipeline};
use crate::orchestrator::Orchestrator;
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Setup(String),
}

/// Replays `files` and returns one JSON line per file.
pub async fn replay(
    config: &Config,
    vendor: Option<&str>,
    files: &[PathBuf],
) -> Result<Vec<serde_json::Value>, ReplayError> {
    let dir = std::env::temp_dir().join(format!("escalator-replay-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).map_err(|e| ReplayError::Setup(e.to_string()))?;
    let result = run(config, vendor, files, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(
    config: &Config,
    vendor: Option<&str>,
    files: &[PathBuf],
    dir: &Path,
) -> Result<Vec<serde_json::Value>, ReplayError> {
    let playbook = config
        .playbook_handle()
        .map_err(|e| ReplayError::Setup(e.to_string()))?;
    let url = format!("sqlite://{}", dir.join("replay.db").display());
    let store = Store::connect(&url)
        .await
        .map_err(|e| ReplayError::Setup(e.to_string()))?;
    // Replay exercises the real verifier with a one-off secret of its own.
    let secret = uuid::Uuid::new_v4().to_string();
    let header = "x-replay-token";
    let auth = InboundAuth::SharedSecretHeader {
        header: header.into(),
        secret: Secret::new(secret.clone()),
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header,
        HeaderValue::from_str(&secret).map_err(|e| ReplayError::Setup(e.to_string()))?,
    );
    let pipeline = Pipeline::new(
        store,
        playbook.clone(),
        Orchestrator::new(playbook.clone(), config.dispatcher.max_attempts),
        InboundAuths::from([(Vendor::Genesys, auth)]),
        vec![Vendor::Genesys],
        None,
        Arc::new(Notify::new()),
    );

    let mut lines = Vec::with_capacity(files.len());
    for path in files {
        let fail = |message: String| ReplayError::File {
            path: path.clone(),
            message,
        };
        let vendor_name = match vendor {
            Some(v) => v.to_string(),
            None => path
                .parent()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string(),
        };
        let body = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let vendor = pipeline
            .vendor(&vendor_name)
            .map_err(|e| fail(format!("{e} (pass --vendor)")))?;
        let delivery = Delivery::json(&body, &headers);
        pipeline
            .verify(vendor, &delivery)
            .map_err(|e| fail(e.to_string()))?;
        let report = pipeline
            .deliver(vendor, &delivery)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let decisions: Vec<_> = report
            .decisions
            .iter()
            .map(|(decision, planned)| {
                json!({
                    "reference": planned.reference,
                    "tier": decision.tier,
                    "team": decision.team,
                    "triggers": decision.triggers,
                    "actions": planned.actions.iter().map(|a| json!({
                        "action": a,
                        "plan": describe(a),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        lines.push(json!({
            "file": path.display().to_string(),
            "events": report.normalized,
            "outcomes": report.events,
            "decisions": decisions,
        }));
    }
    Ok(lines)
}
