//! The HTTP edge's one error type: a status and a JSON body that names what is wrong
//! (`error` code, `message`, and `field` / `reason` where they apply).
//! 5xx bodies never carry internals; those go to the log.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use escalator_adapters::auth::AuthError;
use serde_json::{json, Map, Value};

use crate::ingest::IngestError;

#[derive(Debug)]
pub enum ApiError {
    NotFound {
        /// The part of the path that names nothing (`vendor`), when there is one.
        field: Option<&'static str>,
        message: String,
    },
    Unauthorized(AuthError),
    /// No secret is configured for the vendor, so nothing it sends can be checked.
    NotConfigured(String),
    BadRequest {
        field: String,
        message: String,
    },
    MethodNotAllowed,
    PayloadTooLarge {
        limit: usize,
    },
    UnsupportedMediaType {
        content_type: String,
    },
    HeaderFieldsTooLarge {
        message: String,
    },
    TooManyRequests {
        retry_after_seconds: u64,
    },
    Internal(String),
}

impl ApiError {
    pub fn no_route() -> Self {
        ApiError::NotFound {
            field: None,
            message: "no such route".into(),
        }
    }
}

/// Content types the webhook endpoints read.
pub const ACCEPTED_CONTENT_TYPES: &str =
    "application/json, application/*+json, application/x-www-form-urlencoded or text/plain";

fn body(error: &str, message: String) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("error".into(), json!(error));
    map.insert("message".into(), json!(message));
    map
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut retry_after = None;
        let (status, body) = match self {
            ApiError::NotFound { field, message } => {
                let mut b = body("not_found", message);
                if let Some(field) = field {
                    b.insert("field".into(), json!(field));
                }
                (StatusCode::NOT_FOUND, b)
            }
            ApiError::Unauthorized(e) => {
                let mut b = body("unauthorized", e.to_string());
                b.insert("reason".into(), json!(e.reason()));
                if let Some(field) = e.field() {
                    b.insert("field".into(), json!(field));
                }
                (StatusCode::UNAUTHORIZED, b)
            }
            ApiError::NotConfigured(message) => {
                let mut b = body("unauthorized", message);
                b.insert("reason".into(), json!("not_configured"));
                (StatusCode::UNAUTHORIZED, b)
            }
            ApiError::BadRequest { field, message } => {
                let mut b = body("bad_request", format!("{field} {message}"));
                b.insert("field".into(), json!(field));
                (StatusCode::BAD_REQUEST, b)
            }
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                body(
                    "method_not_allowed",
                    "this route does not take that method".into(),
                ),
            ),
            ApiError::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                body("payload_too_large", format!("body exceeds {limit} bytes")),
            ),
            ApiError::UnsupportedMediaType { content_type } => {
                let mut b = body(
                    "unsupported_media_type",
                    format!(
                        "content-type {content_type:?} is not read here; send {ACCEPTED_CONTENT_TYPES}"
                    ),
                );
                b.insert("field".into(), json!("content-type"));
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, b)
            }
            ApiError::HeaderFieldsTooLarge { message } => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                body("request_header_fields_too_large", message),
            ),
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                retry_after = Some(retry_after_seconds);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    body(
                        "too_many_requests",
                        format!("rate limit exceeded; retry after {retry_after_seconds} s"),
                    ),
                )
            }
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    body(
                        "internal",
                        "internal error; the delivery was not accepted, retry it".into(),
                    ),
                )
            }
        };
        let mut response = (status, Json(Value::Object(body))).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::UnknownVendor(v) => ApiError::NotFound {
                field: Some("vendor"),
                message: format!("no adapter for vendor {v:?}"),
            },
            IngestError::VendorDisabled(v) => ApiError::NotFound {
                field: Some("vendor"),
                message: format!("vendor {v} is disabled"),
            },
            IngestError::NoRoutingHook(v) => ApiError::NotFound {
                field: Some("vendor"),
                message: format!("{v} has no routing hook"),
            },
            IngestError::Unauthorized(reason) => ApiError::Unauthorized(reason),
            IngestError::NoInboundCredentials(_) => {
                ApiError::NotConfigured("this vendor has no inbound credentials configured".into())
            }
            IngestError::Malformed(n) => ApiError::BadRequest {
                field: n.field,
                message: n.message,
            },
            IngestError::Store(s) => ApiError::Internal(s.to_string()),
            IngestError::Commit(s) => ApiError::Internal(s.to_string()),
        }
    }
}
