//! A transfer's life after it is decided: superseded by a stronger escalation on the same
//! call (its pending links cancelled, so there is one path per call), answered, declined,
//! or left ringing while the caller hangs up. Events settle a consult by marking its
//! pending [`Action::ConfirmTransfer`](escalator_adapters::Action::ConfirmTransfer) and
//! making it due now; the dispatcher then finishes it or walks the fallback chain.

use escalator_adapters::{CallEvent, EventKind, Vendor};
use serde_json::{Map, Value};
use sqlx::{AnyConnection, Row};

use super::audit::{append_step, AuditKey};
use super::{now_ms, now_text, Store, StoreError};
use crate::executor::confirm::{ANSWERED, CALLER_DROPPED, DECLINED, REPORTED};
use crate::session::CallSession;

/// Link kinds a superseded escalation must not carry out any more. Its alerts still go.
const LINKS: &str = "'warm_transfer', 'assisted_transfer', 'blind_transfer', 'route_on_hook', \
                     'schedule_callback', 'named_callback', 'confirm_transfer'";

/// Statuses after which an escalation's status is not overwritten by a late action.
pub(super) const SETTLED: &str = "'connected', 'superseded'";

/// Cancels what `old` had not yet done and marks it superseded by `by_reference`.
pub(super) async fn supersede(
    tx: &mut AnyConnection,
    audit: &AuditKey,
    old: &str,
    by_reference: &str,
) -> Result<(), StoreError> {
    let cancelled = sqlx::query(&format!(
        "UPDATE actions SET status = 'cancelled', updated_at = $1
         WHERE escalation_id = $2 AND status = 'pending' AND kind IN ({LINKS})"
    ))
    .bind(now_text())
    .bind(old)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE escalations SET status = 'superseded' WHERE id = $1")
        .bind(old)
        .execute(&mut *tx)
        .await?;
    append_step(
        tx,
        audit,
        old,
        "superseded",
        &format!(
            "a stronger trigger on the call opened escalation {by_reference}; \
             {cancelled} pending action(s) cancelled"
        ),
    )
    .await
}

/// Folds a transfer event (`transfer_result`, or `call_ended` while a consult rings) into
/// the call's open escalation.
pub(super) async fn on_call_event(
    tx: &mut AnyConnection,
    audit: &AuditKey,
    session: &mut CallSession,
    event: &CallEvent,
) -> Result<(), StoreError> {
    let Some(open) = session.escalation.clone() else {
        return Ok(());
    };
    let reported = match &event.kind {
        EventKind::TransferResult {
            succeeded: true, ..
        } => ANSWERED,
        EventKind::TransferResult {
            succeeded: false, ..
        } => DECLINED,
        EventKind::CallEnded { .. } => CALLER_DROPPED,
        _ => return Ok(()),
    };
    let status: Option<String> = sqlx::query("SELECT status FROM escalations WHERE id = $1")
        .bind(&open.id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get("status"));
    if reported == ANSWERED {
        let updated = sqlx::query(&format!(
            "UPDATE escalations SET status = 'connected' WHERE id = $1 AND status NOT IN ({SETTLED})"
        ))
        .bind(&open.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated > 0 {
            session.held_by = Some(open.tier);
            let detail = match &event.kind {
                EventKind::TransferResult {
                    target: Some(t), ..
                } => format!("the platform reported the transfer answered by {t}"),
                _ => "the platform reported the transfer answered".to_string(),
            };
            append_step(tx, audit, &open.id, "transfer_answered", &detail).await?;
        }
    } else if reported == CALLER_DROPPED
        && !matches!(status.as_deref(), Some("consulting" | "transfer_requested"))
    {
        // Only a transfer still under way strands a caller who hangs up.
        return Ok(());
    }
    report_to_confirm(tx, &open.id, reported).await
}

/// Marks the escalation's pending consult check with what the platform reported and makes
/// it due now.
async fn report_to_confirm(
    tx: &mut AnyConnection,
    escalation_id: &str,
    reported: &str,
) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT id, progress FROM actions
         WHERE escalation_id = $1 AND kind = 'confirm_transfer' AND status = 'pending'",
    )
    .bind(escalation_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let id: i64 = row.get("id");
    let mut progress: Map<String, Value> = serde_json::from_str(row.get::<&str, _>("progress"))?;
    progress.insert(REPORTED.into(), Value::String(reported.into()));
    sqlx::query(
        "UPDATE actions SET progress = $1, next_attempt_at = $2, updated_at = $3
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(serde_json::to_string(&progress)?)
    .bind(now_ms())
    .bind(now_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl Store {
    /// Whether a consult placed on the call by another escalation than `escalation_id` was
    /// superseded: where the platform cannot read a consult's state, the new consult
    /// cancels it first (one path per call).
    pub async fn superseded_consult_on_call(
        &self,
        vendor: Vendor,
        call_id: &str,
        escalation_id: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM actions a JOIN escalations e ON e.id = a.escalation_id
             WHERE a.vendor = $1 AND a.call_id = $2 AND a.escalation_id <> $3
               AND a.kind = 'warm_transfer' AND a.status = 'succeeded'
               AND e.status = 'superseded'",
        )
        .bind(vendor.as_str())
        .bind(call_id)
        .bind(escalation_id)
        .fetch_one(&self.reader)
        .await?;
        Ok(n > 0)
    }

    /// The escalation's status, `None` when there is no such escalation.
    pub async fn escalation_status(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query("SELECT status FROM escalations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .map(|r| r.get("status")))
    }

    /// Records in the call's session that `tier` holds the call now (an answered consult
    /// read back from the platform).
    pub async fn note_held_by(
        &self,
        vendor: Vendor,
        call_id: &str,
        tier: crate::playbook::Tier,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin(&self.writer).await?;
        self.backend
            .lock_calls(&mut tx, &[format!("{}:{call_id}", vendor.as_str())])
            .await?;
        let mut session = super::load_session(&mut tx, vendor, call_id).await?;
        session.held_by = Some(tier);
        sqlx::query("UPDATE call_sessions SET state = $1, updated_at = $2 WHERE vendor = $3 AND call_id = $4")
            .bind(serde_json::to_string(&session)?)
            .bind(now_text())
            .bind(vendor.as_str())
            .bind(call_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
