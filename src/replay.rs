//! `escalator replay`: the inbound pipeline run on files, against a throw-away store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use escalator_adapters::auth::InboundAuth;
use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::{Delivery, Secret, Vendor};
use http::{HeaderMap, HeaderValue, Method};
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
    // Replay exercises the real verifiers with one-off credentials of its own: a header
    // token for the platforms, a signing key for the standard feed (files are signed here).
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let token = InboundAuth::SharedSecretHeader {
        header: REPLAY_HEADER.into(),
        secret: Secret::new(secret.clone()),
    };
    let key = SigningKey::parse(&Secret::new(format!("whsec_{secret}")))
        .map_err(|e| ReplayError::Setup(e.to_string()))?;
    let mut auths: InboundAuths = Vendor::ALL.iter().map(|v| (*v, token.clone())).collect();
    auths.insert(
        Vendor::Standard,
        InboundAuth::StandardWebhooks {
            keys: vec![key.clone()],
        },
    );
    let pipeline = Pipeline::new(
        store,
        playbook.clone(),
        Orchestrator::new(playbook.clone(), config.dispatcher.max_attempts),
        auths,
        Vendor::ALL.to_vec(),
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
        let request = ReplayRequest::new(path, body, &secret, vendor, &key)
            .map_err(|e| fail(e.to_string()))?;
        let delivery = request.delivery();
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

const REPLAY_HEADER: &str = "x-replay-token";

/// A file as the request the platform would send: `.json` a JSON POST, `.form` a form
/// POST, `.query` a GET with that query string.
struct ReplayRequest {
    method: Method,
    headers: HeaderMap,
    query: Option<String>,
    body: Vec<u8>,
}

impl ReplayRequest {
    fn new(
        path: &Path,
        contents: Vec<u8>,
        secret: &str,
        vendor: Vendor,
        key: &SigningKey,
    ) -> Result<Self, http::header::InvalidHeaderValue> {
        let mut headers = HeaderMap::new();
        headers.insert(REPLAY_HEADER, HeaderValue::from_str(secret)?);
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("json");
        let (method, query, body, content_type) = match extension {
            "query" => (
                Method::GET,
                Some(String::from_utf8_lossy(&contents).trim().to_string()),
                Vec::new(),
                None,
            ),
            "form" => (
                Method::POST,
                None,
                contents,
                Some("application/x-www-form-urlencoded"),
            ),
            _ => (Method::POST, None, contents, Some("application/json")),
        };
        if let Some(ct) = content_type {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        if vendor == Vendor::Standard {
            let id = format!("replay_{}", path.display());
            let ts = jiff::Timestamp::now().as_second();
            headers.insert("webhook-id", HeaderValue::from_str(&id)?);
            headers.insert("webhook-timestamp", HeaderValue::from_str(&ts.to_string())?);
            headers.insert(
                "webhook-signature",
                HeaderValue::from_str(&sign(key, &id, ts, &body))?,
            );
        }
        Ok(Self {
            method,
            headers,
            query,
            body,
        })
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
