//! The HTTP edge's one error type: a status and a JSON body that names what is wrong.
//! 5xx bodies never carry internals; those go to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::ingest::IngestError;

#[derive(Debug)]
pub enum ApiError {
    NotFound(String),
    Unauthorized(String),
    BadRequest { field: String, message: String },
    PayloadTooLarge { limit: usize },
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::NotFound(message) => (
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "message": message}),
            ),
            ApiError::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                json!({"error": "unauthorized", "message": message}),
            ),
            ApiError::BadRequest { field, message } => (
                StatusCode::BAD_REQUEST,
                json!({"error": "bad_request", "field": field, "message": format!("{field} {message}")}),
            ),
            ApiError::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": "payload_too_large", "message": format!("body exceeds {limit} bytes")}),
            ),
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal", "message": "internal error; the delivery was not accepted, retry it"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::UnknownVendor(v) => {
                ApiError::NotFound(format!("no adapter for vendor {v:?}"))
            }
            IngestError::VendorDisabled(v) => ApiError::NotFound(format!("vendor {v} is disabled")),
            IngestError::Unauthorized(reason) => ApiError::Unauthorized(reason.to_string()),
            IngestError::NoInboundCredentials(_) => {
                ApiError::Unauthorized("this vendor has no inbound credentials configured".into())
            }
            IngestError::Malformed(n) => ApiError::BadRequest {
                field: n.field,
                message: n.message,
            },
            IngestError::Store(s) => ApiError::Internal(s.to_string()),
        }
    }
}
