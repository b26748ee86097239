//! The HTTP edge: webhook and routing-hook ingress, health, readiness, metrics and the
//! admin API under `/api/v1`.

pub mod admin;
mod error;
mod ingress;
pub mod limits;
mod ops;
pub mod serve;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::MatchedPath;
use axum::http::Request;
use axum::routing::{get, post};
use axum::{middleware, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::ingest::Pipeline;

#[derive(Clone)]
pub struct AppState {
    pub pipeline: Pipeline,
    pub body_limit: usize,
    pub metrics: Arc<PrometheusHandle>,
    /// `ESCALATOR_ADMIN_TOKEN`; the admin API is disabled without it.
    pub admin_token: Option<Arc<escalator_adapters::Secret>>,
    pub callbacks: Arc<crate::callbacks::CallbacksConfig>,
    /// Per-source limit on the webhook and routing endpoints; `None`: unlimited.
    pub ingress_limit: Option<Arc<limits::IngressLimiter>>,
    /// Whether utterances are scored, for `/readyz` and `/metrics`.
    pub semantic: crate::semantic::SemanticMode,
}

pub fn router(state: AppState) -> Router {
    let admin = admin::router(admin::AdminState {
        store: state.pipeline.store().clone(),
        callbacks: state.callbacks.clone(),
        token: state.admin_token.clone(),
    });
    // GET for platforms that deliver as query fields (Five9 connectors); the secret path
    // segment for platforms that can only authenticate by URL (Talkdesk).
    let ingress = Router::new()
        .route(
            "/webhooks/{vendor}",
            post(ingress::webhook).get(ingress::webhook),
        )
        .route(
            "/webhooks/{vendor}/{secret}",
            post(ingress::webhook).get(ingress::webhook),
        )
        .route("/route/{vendor}", post(ingress::route).get(ingress::route))
        .route(
            "/route/{vendor}/{secret}",
            post(ingress::route).get(ingress::route),
        )
        // Only matched ingress routes count against a source's limit; health, metrics
        // and the admin API never do.
        .route_layer(middleware::from_fn_with_state(
            state.ingress_limit.clone(),
            limits::rate_limit,
        ));
    Router::new()
        .merge(ingress)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .nest("/api/v1", admin)
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(middleware::from_fn(limits::header_limits))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(15),
        ))
        // Spans name the route pattern, never the URI: a Talkdesk secret sits in the path
        // and Five9 GET connectors carry theirs in the query.
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("-", MatchedPath::as_str);
                tracing::info_span!("request", method = %request.method(), route)
            }),
        )
        .with_state(state)
}
