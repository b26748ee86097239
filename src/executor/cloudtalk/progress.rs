//! Reading what earlier attempts kept in `claimed.progress` (requests that must not be
//! repeated are marked through [`crate::executor::once`]).

use serde_json::Value;

use crate::store::ClaimedAction;

pub(super) fn progress_str(claimed: &ClaimedAction, key: &str) -> Option<String> {
    claimed
        .progress
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}
