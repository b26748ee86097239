//! `/webhooks/{vendor}[/{secret}]` and `/route/{vendor}[/{secret}]`, POST or GET.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Json;
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;

use super::{ApiError, AppState};
use escalator_adapters::{Delivery, Vendor};

/// Receives a delivery; answers 200 only once every event in it is committed.
pub async fn webhook(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let started = Instant::now();
    let incoming = authenticated(&state, params, method, uri, headers, body, Hook::Webhook).await?;
    let report = state
        .pipeline
        .deliver(incoming.vendor, &incoming.delivery())
        .await?;
    metrics::histogram!("escalator_ack_seconds", "vendor" => incoming.vendor.as_str())
        .record(started.elapsed().as_secs_f64());
    Ok((StatusCode::OK, Json(json!({ "events": report.events }))))
}

/// Answers a platform flow's synchronous question: where does this call go?
pub async fn route(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let incoming = authenticated(&state, params, method, uri, headers, body, Hook::Route).await?;
    let answer = state
        .pipeline
        .route(incoming.vendor, &incoming.delivery())
        .await?;
    Ok(Json(crate::ingest::route_response(
        incoming.vendor,
        &answer,
    )))
}

/// A request whose vendor is known and whose credentials checked out.
struct Incoming {
    vendor: Vendor,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    /// The path segment after the vendor, on `/…/{vendor}/{secret}` routes.
    secret: Option<String>,
    body: Bytes,
}

impl Incoming {
    fn delivery(&self) -> Delivery<'_> {
        Delivery {
            method: &self.method,
            headers: &self.headers,
            query: self.uri.query(),
            path_secret: self.secret.as_deref(),
            body: &self.body,
        }
    }
}

/// Which endpoint a request came to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hook {
    Webhook,
    Route,
}

/// Resolves the vendor (404), checks the content type (415), reads the raw body (413) and
/// verifies it (401) before anything is parsed; refuses an empty POST (400).
async fn authenticated(
    state: &AppState,
    mut params: HashMap<String, String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
    hook: Hook,
) -> Result<Incoming, ApiError> {
    let name = params.remove("vendor").unwrap_or_default();
    let vendor = state.pipeline.vendor(&name)?;
    if hook == Hook::Route && vendor == Vendor::Standard {
        return Err(crate::ingest::IngestError::NoRoutingHook(vendor).into());
    }
    readable_content_type(&headers)?;
    let incoming = Incoming {
        vendor,
        method,
        uri,
        headers,
        secret: params.remove("secret"),
        body: read_limited(body, state.body_limit).await?,
    };
    state.pipeline.verify(vendor, &incoming.delivery())?;
    let no_query = incoming.uri.query().is_none_or(str::is_empty);
    if incoming.method == Method::POST && incoming.body.is_empty() && no_query {
        return Err(ApiError::BadRequest {
            field: "body".into(),
            message: "is empty".into(),
        });
    }
    Ok(incoming)
}

/// JSON, forms and plain text (some platforms label JSON so); no content type at all
/// (GET connectors, bare senders) is read by sniffing.
fn readable_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let refused = || ApiError::UnsupportedMediaType {
        content_type: String::from_utf8_lossy(value.as_bytes())
            .chars()
            .take(100)
            .collect(),
    };
    let text = value.to_str().map_err(|_| refused())?;
    let media = text
        .split(';')
        .next()
        .unwrap_or(text)
        .trim()
        .to_ascii_lowercase();
    let json_suffix = media.starts_with("application/") && media.ends_with("+json");
    match media.as_str() {
        "application/json" | "application/x-www-form-urlencoded" | "text/plain" => Ok(()),
        _ if json_suffix => Ok(()),
        _ => Err(refused()),
    }
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
