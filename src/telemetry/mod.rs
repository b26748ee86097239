//! Logs (tracing, JSON or text) and the Prometheus recorder.

use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

pub mod catalog;

pub use catalog::export_initial_metrics;

/// How `serve` writes its log lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object a line, for log collectors.
    #[default]
    Json,
    /// Human-readable lines, for a terminal.
    Text,
}

/// Logs on stdout; `RUST_LOG` filters (default `info`). Lines pass through
/// [`crate::redact`], which masks personal data once redaction is enabled.
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_writer(crate::redact::RedactingStdout)
        .with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().with_current_span(true).init(),
        LogFormat::Text => builder.with_ansi(false).init(),
    }
}

/// Histogram buckets by family. Every histogram gets buckets (none is rendered as a
/// summary), so replicas' histograms can be summed and quantiles taken over the sum.
const BUCKETS: &[(&str, &[f64])] = &[
    (
        "escalator_ack_seconds",
        &[
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
        ],
    ),
    (
        "escalator_semantic_score_seconds",
        &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
    ),
    // A callback is made minutes to days after it was promised.
    (
        "escalator_time_to_callback_seconds",
        &[
            60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 172800.0,
            604800.0,
        ],
    ),
    (
        "escalator_commit_batch_deliveries",
        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
    ),
];

/// Buckets of a histogram not listed above (seconds).
const DEFAULT_BUCKETS: &[f64] = &[0.001, 0.01, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0];

fn recorder_builder() -> Result<PrometheusBuilder, metrics_exporter_prometheus::BuildError> {
    let mut builder = PrometheusBuilder::new().set_buckets(DEFAULT_BUCKETS)?;
    for (name, buckets) in BUCKETS {
        builder = builder.set_buckets_for_metric(Matcher::Full((*name).into()), buckets)?;
    }
    Ok(builder)
}

/// The process-wide metrics recorder, installed on first use, with every family's help.
pub fn metrics_handle() -> Arc<PrometheusHandle> {
    static HANDLE: OnceLock<Arc<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // The bucket lists are constants, non-empty: building cannot fail on them.
            let recorder = recorder_builder()
                .unwrap_or_else(|_| PrometheusBuilder::new())
                .build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; we then render nothing.
            let _ = metrics::set_global_recorder(recorder);
            catalog::describe_all();
            process_collector().describe();
            Arc::new(handle)
        })
        .clone()
}

fn process_collector() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// Reads the process's CPU, memory, file descriptors and threads into the
/// `process_*` series (the standard Prometheus process metrics); called at each scrape.
pub fn collect_process_metrics() {
    process_collector().collect();
}
