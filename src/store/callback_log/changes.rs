//! Changes to a commitment: who may change what, and the history entry each leaves.

use super::{
    insert_change, normalize_reference, record, CallbackChange, CallbackError, CallbackRecord,
    CallbackStatus, COLUMNS,
};
use crate::store::{now_text, Backend, Store};

impl Store {
    /// Applies one change by `actor`, recording it in the history in the same transaction.
    pub async fn change_callback(
        &self,
        reference: &str,
        actor: &str,
        change: &CallbackChange,
    ) -> Result<CallbackRecord, CallbackError> {
        if actor.trim().is_empty() {
            return Err(CallbackError::Invalid {
                field: "actor",
                message: "say who makes the change".into(),
            });
        }
        let reference = normalize_reference(reference);
        let mut tx = self.backend.begin(&self.writer).await?;
        let applied = apply_change(&mut tx, self.backend, &reference, actor, change).await?;
        tx.commit().await?;
        applied.count();
        Ok(applied.record)
    }
}

/// A change written (not yet committed): the commitment after it, and what the metrics
/// need once it is committed.
pub(super) struct Applied {
    pub record: CallbackRecord,
    before: CallbackRecord,
    first_attempt: Option<String>,
}

impl Applied {
    /// Metrics for a committed change.
    pub(super) fn count(&self) {
        if self.record.status == CallbackStatus::Completed.as_str() {
            record_kept(&self.before, self.first_attempt.as_deref());
        }
    }
}

/// Applies one change by `actor` inside `tx`, with its history entry.
pub(super) async fn apply_change(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    reference: &str,
    actor: &str,
    change: &CallbackChange,
) -> Result<Applied, CallbackError> {
    let reference = reference.to_string();
    // Locked on PostgreSQL until the change commits: two people changing one
    // commitment at once take turns instead of overwriting each other.
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM callbacks WHERE reference = $1{}",
        backend.for_update()
    ))
    .bind(&reference)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = row.as_ref().map(record) else {
        return Err(CallbackError::NotFound(reference));
    };
    let status = CallbackStatus::parse(&current.status).unwrap_or(CallbackStatus::Pending);
    let (name, what) = describe(change);
    if !status.is_open() {
        return Err(CallbackError::Closed {
            reference,
            status: status.as_str(),
            what,
        });
    }
    let now = now_text();
    let (to, reason, detail) = match change {
        CallbackChange::Attempt { outcome, notes } => {
            if outcome.trim().is_empty() {
                return Err(CallbackError::Invalid {
                    field: "outcome",
                    message: "say what happened (no_answer, voicemail, busy, reached…)".into(),
                });
            }
            sqlx::query("UPDATE callbacks SET attempts = attempts + 1 WHERE id = $1")
                .bind(&current.id)
                .execute(&mut *tx)
                .await?;
            (
                CallbackStatus::Attempted,
                None,
                serde_json::json!({"outcome": outcome, "notes": notes}),
            )
        }
        CallbackChange::Complete { notes } => (
            CallbackStatus::Completed,
            None,
            serde_json::json!({"notes": notes}),
        ),
        CallbackChange::Cancel { reason } => {
            require_reason(reason)?;
            (
                CallbackStatus::Cancelled,
                Some(reason.as_str()),
                serde_json::json!({}),
            )
        }
        CallbackChange::Reschedule {
            window_start,
            window_end,
            reason,
        } => {
            require_reason(reason)?;
            if window_end <= window_start {
                return Err(CallbackError::Invalid {
                    field: "window_end",
                    message: "must be after window_start".into(),
                });
            }
            sqlx::query(
                "UPDATE callbacks SET window_start = $1, window_end = $2, window_start_ms = $3,
                        window_end_ms = $4
                     WHERE id = $5",
            )
            .bind(window_start.to_string())
            .bind(window_end.to_string())
            .bind(window_start.as_millisecond())
            .bind(window_end.as_millisecond())
            .bind(&current.id)
            .execute(&mut *tx)
            .await?;
            (
                CallbackStatus::Rescheduled,
                Some(reason.as_str()),
                serde_json::json!({
                    "from": {"start": current.window_start, "end": current.window_end},
                    "to": {"start": window_start.to_string(), "end": window_end.to_string()}
                }),
            )
        }
        CallbackChange::Reassign { owner, reason } => {
            require_reason(reason)?;
            if owner.trim().is_empty() {
                return Err(CallbackError::Invalid {
                    field: "owner",
                    message: "name the person who owns the callback now".into(),
                });
            }
            if current.owner.as_deref().map(str::trim) == Some(owner.trim()) {
                // Already theirs: nothing changes, nothing is recorded or sent.
                return Ok(Applied {
                    record: current.clone(),
                    before: current,
                    first_attempt: None,
                });
            }
            sqlx::query("UPDATE callbacks SET owner = $1 WHERE id = $2")
                .bind(owner)
                .bind(&current.id)
                .execute(&mut *tx)
                .await?;
            // The new owner is told at once (the scheduler sends it; one per reassignment).
            sqlx::query(
                "INSERT INTO notifications
                   (callback_id, kind, window_end, recipient, status, next_attempt_ms, created_at)
                 VALUES ($1, 'reassigned', $2, $3, 'pending', $4, $2)
                 ON CONFLICT (callback_id, kind, window_end) DO NOTHING",
            )
            .bind(&current.id)
            .bind(&now)
            .bind(owner)
            .bind(crate::store::now_ms())
            .execute(&mut *tx)
            .await?;
            (
                status,
                Some(reason.as_str()),
                serde_json::json!({"from": current.owner, "to": owner}),
            )
        }
        CallbackChange::Miss => (CallbackStatus::Missed, None, serde_json::json!({})),
    };
    sqlx::query("UPDATE callbacks SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(to.as_str())
        .bind(&now)
        .bind(&current.id)
        .execute(&mut *tx)
        .await?;
    insert_change(
        &mut *tx,
        &current.id,
        actor,
        name,
        Some(status.as_str()),
        to.as_str(),
        reason,
        &detail,
    )
    .await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM callbacks WHERE id = $1"))
        .bind(&current.id)
        .fetch_one(&mut *tx)
        .await?;
    let first_attempt: Option<String> = sqlx::query_scalar(
        "SELECT at FROM callback_changes WHERE callback_id = $1 AND change = 'attempted'
             ORDER BY id LIMIT 1",
    )
    .bind(&current.id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(Applied {
        record: record(&row),
        before: current,
        first_attempt,
    })
}

/// Callback metrics at completion: kept (first attempt inside the window) and the time
/// from the commitment to the call.
fn record_kept(cb: &CallbackRecord, first_attempt: Option<&str>) {
    let parse = |s: &str| s.parse::<jiff::Timestamp>().ok();
    let first = first_attempt.and_then(parse);
    let window = cb
        .window_start
        .as_deref()
        .and_then(parse)
        .zip(cb.window_end.as_deref().and_then(parse));
    let kept = match (first, window) {
        (Some(at), Some((start, end))) => {
            if at >= start && at <= end {
                "yes"
            } else {
                "no"
            }
        }
        _ => "no_window",
    };
    metrics::counter!("escalator_callbacks_completed_total", "kept" => kept).increment(1);
    if let (Some(created), Some(at)) = (parse(&cb.created_at), first) {
        let seconds = at.duration_since(created).as_secs_f64();
        metrics::histogram!("escalator_time_to_callback_seconds").record(seconds.max(0.0));
    }
}

fn describe(change: &CallbackChange) -> (&'static str, &'static str) {
    match change {
        CallbackChange::Attempt { .. } => ("attempted", "recording an attempt"),
        CallbackChange::Complete { .. } => ("completed", "completing it"),
        CallbackChange::Cancel { .. } => ("cancelled", "cancelling it"),
        CallbackChange::Reschedule { .. } => ("rescheduled", "rescheduling it"),
        CallbackChange::Reassign { .. } => ("reassigned", "reassigning it"),
        CallbackChange::Miss => ("missed", "marking it missed"),
    }
}

fn require_reason(reason: &str) -> Result<(), CallbackError> {
    if reason.trim().is_empty() {
        return Err(CallbackError::Invalid {
            field: "reason",
            message: "say why (it is kept in the callback's history)".into(),
        });
    }
    Ok(())
}
