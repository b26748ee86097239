//! `POST /webhooks/{vendor}` and `POST /route/{vendor}`.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Json;
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;

use super::{ApiError, AppState};
use escalator_adapters::Delivery;

/// Receives a delivery; answers 200 only once every event in it is committed.
pub async fn webhook(
    State(state): State<AppState>,
    Path(vendor): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    receive(state, vendor, None, method, uri, headers, body).await
}

/// As [`webhook`], with the secret as the last path segment.
pub async fn webhook_with_secret(
    State(state): State<AppState>,
    Path((vendor, secret)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    receive(state, vendor, Some(secret), method, uri, headers, body).await
}

async fn receive(
    state: AppState,
    vendor: String,
    secret: Option<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let started = Instant::now();
    let vendor = state.pipeline.vendor(&vendor)?;
    let bytes = read_limited(body, state.body_limit).await?;
    let delivery = Delivery {
        method: &method,
        headers: &headers,
        query: uri.query(),
        path_secret: secret.as_deref(),
        body: &bytes,
    };
    state.pipeline.verify(vendor, &delivery)?;
    let report = state.pipeline.deliver(vendor, &delivery).await?;
    metrics::histogram!("escalator_ack_seconds", "vendor" => vendor.as_str())
        .record(started.elapsed().as_secs_f64());
    Ok((StatusCode::OK, Json(json!({ "events": report.events }))))
}

/// Answers a platform flow's synchronous question: where does this call go?
pub async fn route(
    State(state): State<AppState>,
    Path(vendor): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    answer_route(state, vendor, None, method, uri, headers, body).await
}

/// As [`route`], with the secret as the last path segment.
pub async fn route_with_secret(
    State(state): State<AppState>,
    Path((vendor, secret)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    answer_route(state, vendor, Some(secret), method, uri, headers, body).await
}

async fn answer_route(
    state: AppState,
    vendor: String,
    secret: Option<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let vendor = state.pipeline.vendor(&vendor)?;
    let bytes = read_limited(body, state.body_limit).await?;
    let delivery = Delivery {
        method: &method,
        headers: &headers,
        query: uri.query(),
        path_secret: secret.as_deref(),
        body: &bytes,
    };
    state.pipeline.verify(vendor, &delivery)?;
    let answer = state.pipeline.route(vendor, &delivery).await?;
    Ok(Json(crate::ingest::route_response(vendor, &answer)))
}

/// Reads the raw body (signatures are checked against these exact bytes) up to `limit`.
async fn read_limited(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::PayloadTooLarge { limit })
        }
        Err(e) => Err(ApiError::BadRequest {
            field: "body".into(),
            message: format!("could not be read ({e})"),
        }),
    }
}
