//! Keeping each step of an action in `claimed.progress`, so no attempt repeats what an
//! earlier one applied.

use escalator_adapters::outbound::CallError;
use serde_json::Value;

use crate::executor::{Checkpoint, Report};
use crate::store::ClaimedAction;

/// Marks a create as possibly sent and saves it before sending, so a crash after the
/// request is reconciled by the next attempt instead of repeated.
pub(super) async fn mark_sent(
    claimed: &mut ClaimedAction,
    report: &mut Report,
    checkpoint: &Checkpoint<'_>,
    key: &str,
    step: &'static str,
) -> Result<(), CallError> {
    claimed.progress.insert(key.into(), Value::Bool(true));
    if let Err(e) = checkpoint.save(claimed).await {
        claimed.progress.remove(key);
        let e = CallError::Transport(format!("could not save progress before sending: {e}"));
        report.failed(step, &e);
        return Err(e);
    }
    Ok(())
}

/// A definite answer clears the mark; an unknown outcome leaves it for the next attempt.
pub(super) fn settle_sent<T>(
    claimed: &mut ClaimedAction,
    key: &str,
    result: &Result<T, CallError>,
) {
    if !matches!(result, Err(CallError::Transport(_))) {
        claimed.progress.remove(key);
    }
}

pub(super) fn progress_str(claimed: &ClaimedAction, key: &str) -> Option<String> {
    claimed
        .progress
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}
