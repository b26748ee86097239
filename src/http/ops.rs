//! Health, readiness and Prometheus metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use super::{ApiError, AppState};

pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Ready when the store answers. The semantic layer's state is reported beside it but
/// never makes the service unready: when it is off or behind, the rules still decide.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let store = state.pipeline.store();
    match store.ping().await {
        Ok(()) => {
            let mut body = json!({"status": "ready"});
            match state.semantic.health(store).await {
                Ok(health) => {
                    body["semantic"] = json!(health.as_str());
                    if let Some(reason) = health.reason() {
                        body["semantic_reason"] = json!(reason);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the semantic queue could not be read"),
            }
            (StatusCode::OK, Json(body))
        }
        Err(e) => {
            tracing::warn!(error = %e, "store not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "message": "store not reachable"})),
            )
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let store = state.pipeline.store();
    let depth = store.outbox_depth().await;
    let coverage = store.review_coverage().await;
    // Sets the queue-depth gauge as it reads it.
    if state.semantic.health(store).await.is_err() {
        metrics::gauge!("escalator_semantic_queue_depth").set(f64::NAN);
    }
    if depth.is_err() || coverage.is_err() {
        tracing::warn!("/metrics: the database could not be read; escalator_store_up is 0");
    }
    crate::telemetry::collect_process_metrics();
    let mut body = state.metrics.render();
    body.push_str(&crate::telemetry::catalog::render_database_gauges(
        depth.ok(),
        coverage.ok(),
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

pub async fn not_found() -> ApiError {
    ApiError::no_route()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
