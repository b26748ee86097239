//! Structured JSON logs (tracing) and the Prometheus recorder.

use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// JSON logs on stdout; `RUST_LOG` filters (default `info`). Lines pass through
/// [`crate::redact`], which masks personal data once redaction is enabled.
pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_writer(crate::redact::RedactingStdout)
        .with_env_filter(filter)
        .with_current_span(true)
        .init();
}

/// The process-wide metrics recorder, installed on first use.
pub fn metrics_handle() -> Arc<PrometheusHandle> {
    static HANDLE: OnceLock<Arc<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("escalator_ack_seconds".into()),
                    &[
                        0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                    ],
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("escalator_semantic_score_seconds".into()),
                        &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
                    )
                })
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; we then render nothing.
            let _ = metrics::set_global_recorder(recorder);
            Arc::new(handle)
        })
        .clone()
}
