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

/// Ready when the store answers.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.pipeline.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
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
    // The outbox depth is read at scrape time so it is never stale.
    if let Ok(depth) = state.pipeline.store().outbox_depth().await {
        metrics::gauge!("escalator_outbox_depth").set(depth as f64);
    }
    if let Ok((flagged, reviewed)) = state.pipeline.store().review_coverage().await {
        metrics::gauge!("escalator_reviews_flagged").set(flagged as f64);
        metrics::gauge!("escalator_reviews_done").set(reviewed as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

pub async fn not_found() -> ApiError {
    ApiError::no_route()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
