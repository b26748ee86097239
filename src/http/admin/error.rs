//! The admin API's errors: a status and a JSON body naming the field and the reason.
//! 5xx bodies never carry internals; those go to the log.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::store::{CallbackError, ReviewError, StoreError};

#[derive(Debug)]
pub enum AdminError {
    /// No `ESCALATOR_ADMIN_TOKEN`: the API is off.
    Disabled,
    Unauthorized(&'static str),
    NotFound(String),
    /// A route that does not exist under `/api/v1`.
    NoRoute,
    /// A route that exists, asked with another method.
    WrongMethod,
    Conflict(String),
    /// The body is not JSON (400).
    Malformed {
        field: String,
        message: String,
    },
    /// Well-formed input that breaks a rule (422).
    Invalid {
        field: String,
        message: String,
    },
    Internal(String),
}

impl AdminError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AdminError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AdminError::Disabled | AdminError::NotFound(_) | AdminError::NoRoute => {
                StatusCode::NOT_FOUND
            }
            AdminError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AdminError::WrongMethod => StatusCode::METHOD_NOT_ALLOWED,
            AdminError::Conflict(_) => StatusCode::CONFLICT,
            AdminError::Malformed { .. } => StatusCode::BAD_REQUEST,
            AdminError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AdminError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match self {
            AdminError::Disabled => json!({
                "error": "admin_api_disabled",
                "message": "the admin API is disabled; set ESCALATOR_ADMIN_TOKEN in the \
                            service's environment and restart it to enable it"
            }),
            AdminError::Unauthorized(message) => {
                let body = json!({"error": "unauthorized", "message": message});
                return (status, [(header::WWW_AUTHENTICATE, "Bearer")], Json(body))
                    .into_response();
            }
            AdminError::NotFound(message) => json!({"error": "not_found", "message": message}),
            AdminError::NoRoute => json!({
                "error": "not_found",
                "message": "no such admin route; GET /api/v1/openapi.json lists them"
            }),
            AdminError::WrongMethod => json!({
                "error": "method_not_allowed",
                "message": "this route takes another method; GET /api/v1/openapi.json lists them"
            }),
            AdminError::Conflict(message) => json!({"error": "conflict", "message": message}),
            AdminError::Malformed { field, message } => json!({
                "error": "bad_request", "field": field, "message": format!("{field}: {message}")
            }),
            AdminError::Invalid { field, message } => json!({
                "error": "invalid", "field": field, "message": format!("{field}: {message}")
            }),
            AdminError::Internal(detail) => {
                tracing::error!(error = %detail, "admin API internal error");
                json!({"error": "internal", "message": "internal error; nothing was changed \
                       unless the history shows it, retry"})
            }
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        AdminError::Internal(e.to_string())
    }
}

impl From<CallbackError> for AdminError {
    fn from(e: CallbackError) -> Self {
        match e {
            CallbackError::NotFound(_) => AdminError::NotFound(e.to_string()),
            CallbackError::Closed { .. } => AdminError::Conflict(e.to_string()),
            CallbackError::Invalid { field, message } => AdminError::invalid(field, message),
            CallbackError::Store(s) => s.into(),
        }
    }
}

impl From<ReviewError> for AdminError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::UnknownEscalation(_) => AdminError::NotFound(e.to_string()),
            ReviewError::Store(s) => s.into(),
        }
    }
}
