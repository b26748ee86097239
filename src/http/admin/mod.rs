//! The admin API under `/api/v1`: callbacks, escalations and reviews as JSON, behind a
//! bearer token (`ESCALATOR_ADMIN_TOKEN`). Without a token every route answers 404 saying
//! how to enable it. The OpenAPI 3.1 document is `GET /api/v1/openapi.json`.

pub mod callbacks;
mod error;
pub mod escalations;
mod input;
pub mod reviews;

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use escalator_adapters::Secret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use error::AdminError;

/// The OpenAPI 3.1 document, served as is.
pub const OPENAPI: &str = include_str!("openapi.json");

#[derive(Clone)]
pub struct AdminState {
    pub store: crate::store::Store,
    /// Calling hours and policies: a rescheduled window must be lawful for the callee.
    pub callbacks: Arc<crate::callbacks::CallbacksConfig>,
    /// `None`: the admin API is disabled.
    pub token: Option<Arc<Secret>>,
}

type Route = (&'static str, &'static str, MethodRouter<AdminState>);

/// Every route, as (method, path under `/api/v1`, handler); the router is built from this
/// list and a test holds it to the OpenAPI document.
pub fn routes() -> Vec<Route> {
    vec![
        ("GET", "/openapi.json", get(openapi)),
        ("GET", "/callbacks", get(callbacks::get_list)),
        ("GET", "/callbacks/{reference}", get(callbacks::get_one)),
        (
            "POST",
            "/callbacks/{reference}/reschedule",
            post(callbacks::reschedule),
        ),
        (
            "POST",
            "/callbacks/{reference}/reassign",
            post(callbacks::reassign),
        ),
        (
            "POST",
            "/callbacks/{reference}/attempts",
            post(callbacks::attempt),
        ),
        (
            "POST",
            "/callbacks/{reference}/complete",
            post(callbacks::complete),
        ),
        (
            "POST",
            "/callbacks/{reference}/cancel",
            post(callbacks::cancel),
        ),
        ("GET", "/escalations", get(escalations::get_list)),
        ("GET", "/escalations/{id}", get(escalations::get_one)),
        ("GET", "/reviews", get(reviews::get_queue)),
        ("POST", "/reviews/{escalation_id}", post(reviews::post)),
    ]
}

/// The routes under `/api/v1`, authenticated; nest it at `/api/v1`.
pub fn router<S: Clone + Send + Sync + 'static>(state: AdminState) -> Router<S> {
    routes()
        .into_iter()
        .fold(Router::new(), |r, (_, path, handler)| {
            r.route(path, handler)
        })
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(state.clone(), authorize))
        .with_state(state)
}

async fn authorize(State(state): State<AdminState>, request: Request, next: Next) -> Response {
    let Some(token) = &state.token else {
        return AdminError::Disabled.into_response();
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(given) = given else {
        return AdminError::Unauthorized(
            "send the admin token as Authorization: Bearer <ESCALATOR_ADMIN_TOKEN>",
        )
        .into_response();
    };
    // Digests first so the comparison takes the same time whatever the lengths.
    let expected = Sha256::digest(token.expose().trim().as_bytes());
    let offered = Sha256::digest(given.as_bytes());
    if bool::from(expected.ct_eq(&offered)) {
        next.run(request).await
    } else {
        AdminError::Unauthorized("the bearer token is not the service's ESCALATOR_ADMIN_TOKEN")
            .into_response()
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn no_route() -> AdminError {
    AdminError::NoRoute
}

async fn wrong_method() -> AdminError {
    AdminError::WrongMethod
}

fn malformed_query(e: QueryRejection) -> AdminError {
    AdminError::Malformed {
        field: "query".into(),
        message: e.body_text(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_route_is_documented_and_every_documented_path_is_routed() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("the document is JSON");
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, ops)| {
                let path = path.trim_start_matches("/api/v1").to_string();
                ops.as_object()
                    .expect("operations")
                    .keys()
                    .filter(|m| m.as_str() != "parameters")
                    .map(move |m| (m.to_ascii_uppercase(), path.clone()))
            })
            .collect();
        let routed: BTreeSet<(String, String)> = routes()
            .into_iter()
            .map(|(m, p, _)| (m.to_string(), p.to_string()))
            .collect();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routed, not documented: {undocumented:?}"
        );
        assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");
    }
}
