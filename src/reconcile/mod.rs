//! Keeps the callback log in step with the platforms that hold callbacks: what a platform
//! reports (read back from its API, or seen in its call events) is recorded in the log with
//! the platform as the actor, once per reported state. The log stays the source of truth: a
//! person's completion or cancellation is never undone by a later platform report.

mod calls;

use std::collections::BTreeMap;
use std::sync::Arc;

use escalator_adapters::Vendor;

pub use calls::{platform_call_events, record_platform_calls};

use crate::executor::{PlatformExecutor, Readback, Reported};
use crate::store::{CallbackChange, CallbackRecord, Store};

/// Reads back the callbacks each platform holds, a batch per platform per pass, least
/// recently read first.
pub struct Reconciler {
    platforms: BTreeMap<Vendor, Arc<dyn PlatformExecutor>>,
    batch: i64,
}

impl Reconciler {
    pub fn new(platforms: BTreeMap<Vendor, Arc<dyn PlatformExecutor>>, batch: i64) -> Self {
        Self { platforms, batch }
    }

    /// One pass over every platform.
    pub async fn run_once(&self, store: &Store) {
        for (vendor, platform) in &self.platforms {
            let held = match store.platform_callbacks_to_read(*vendor, self.batch).await {
                Ok(h) => h,
                Err(e) => {
                    tracing::error!(%vendor, error = %e, "listing platform-held callbacks failed");
                    continue;
                }
            };
            for cb in held {
                let Some(platform_ref) = cb.platform_ref.as_deref() else {
                    continue;
                };
                match platform.read_callback(platform_ref).await {
                    Ok(Some(readback)) => record(store, *vendor, &cb, &readback).await,
                    // This platform's API cannot say: its calls are matched from events.
                    Ok(None) => break,
                    Err(e) => {
                        metrics::counter!("escalator_callback_readbacks_total", "vendor" => vendor.as_str(), "outcome" => "failed").increment(1);
                        tracing::warn!(%vendor, reference = %cb.reference, error = %e, "reading a platform callback failed; read again next pass");
                    }
                }
            }
        }
    }
}

async fn record(store: &Store, vendor: Vendor, cb: &CallbackRecord, readback: &Readback) {
    let changes = changes_for(vendor, cb, readback.reported, &readback.state);
    match store
        .record_platform_state(&cb.reference, vendor, &readback.state, None, &changes)
        .await
    {
        Ok(Some(now)) => {
            metrics::counter!("escalator_callback_readbacks_total", "vendor" => vendor.as_str(), "outcome" => "changed").increment(1);
            if readback.reported == Reported::Gone {
                tracing::warn!(%vendor, reference = %cb.reference, "the platform no longer has this callback; it stays owed in the log");
            }
            tracing::info!(%vendor, reference = %cb.reference, state = %readback.state, status = %now.status, "platform callback state recorded");
        }
        Ok(None) => {
            metrics::counter!("escalator_callback_readbacks_total", "vendor" => vendor.as_str(), "outcome" => "unchanged").increment(1);
        }
        Err(e) => {
            tracing::error!(%vendor, reference = %cb.reference, error = %e, "recording a platform callback state failed")
        }
    }
}

/// The log changes a platform report makes to commitment `cb`. A completion with no attempt
/// on record also records the attempt, so the kept rate counts it.
pub(crate) fn changes_for(
    vendor: Vendor,
    cb: &CallbackRecord,
    reported: Reported,
    state: &str,
) -> Vec<CallbackChange> {
    let notes = format!("{vendor} reports {state}");
    let attempt = |outcome: &str| CallbackChange::Attempt {
        outcome: outcome.to_string(),
        notes: notes.clone(),
    };
    match reported {
        Reported::Waiting | Reported::Gone => Vec::new(),
        Reported::Attempted => vec![attempt("not_reached")],
        Reported::Completed if cb.attempts == 0 => vec![
            attempt("reached"),
            CallbackChange::Complete {
                notes: notes.clone(),
            },
        ],
        Reported::Completed => vec![CallbackChange::Complete { notes }],
        Reported::Missed => vec![attempt("gave_up"), CallbackChange::Miss],
        Reported::Cancelled => vec![CallbackChange::Cancel {
            reason: format!("cancelled on {vendor}"),
        }],
    }
}
