//! The outbox: leasing due actions, recording every attempt, and finishing them. Every
//! update after a claim is conditional on still holding the lease, so a worker whose lease
//! expired (and whose action another worker re-claimed) cannot overwrite the outcome.

use std::collections::BTreeMap;
use std::time::Duration;

use escalator_adapters::{Action, Vendor};
use serde_json::{Map, Value};
use sqlx::Row;

use super::audit::append_step;
use super::records::{insert_action, insert_action_at};
use super::{now_ms, now_text, Store, StoreError};

#[derive(Debug, Clone)]
pub struct ClaimedAction {
    pub id: i64,
    pub escalation_id: String,
    pub vendor: Vendor,
    pub call_id: String,
    pub action: Action,
    /// Platform ids known when the action was planned.
    pub refs: BTreeMap<String, String>,
    /// This attempt's number, from 1.
    pub attempt: u32,
    pub max_attempts: u32,
    /// Steps already applied by earlier attempts (e.g. the briefing): never repeated.
    pub progress: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct AttemptRecord<'a> {
    pub action_id: i64,
    pub attempt: u32,
    pub step: &'a str,
    pub outcome: &'a str,
    pub http_status: Option<u16>,
    pub detail: String,
}

/// How an action that did not succeed ends.
#[derive(Debug, Clone)]
pub struct Failure {
    /// `failed` (the platform refused) or `dead` (attempts exhausted).
    pub status: &'static str,
    pub error: String,
    /// The next link of the fallback chain (and the alert that goes with it), planned in
    /// the same transaction.
    pub fallback: Vec<Action>,
    /// `None` leaves the escalation's status as it is.
    pub escalation_status: Option<&'static str>,
}

impl Store {
    /// Leases up to `limit` due actions (pending and due, or leased with an expired lease)
    /// to `worker`, in one atomic statement. Replicas claiming at once on PostgreSQL skip
    /// each other's rows; a row another replica claimed and committed meanwhile is
    /// re-checked against the WHERE clause and left out.
    pub async fn claim_actions(
        &self,
        worker: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<ClaimedAction>, StoreError> {
        let now = now_ms();
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let sql = format!(
            "UPDATE actions SET status = 'leased', locked_by = $1, locked_until = $2,
                attempts = attempts + 1, updated_at = $3
             WHERE id IN (
                SELECT id FROM actions
                WHERE (status = 'pending' AND next_attempt_at <= $4)
                   OR (status = 'leased' AND locked_until < $4)
                ORDER BY next_attempt_at, id LIMIT $5{})
             RETURNING id, escalation_id, vendor, call_id, action, refs, attempts, max_attempts,
                progress",
            self.backend.skip_locked()
        );
        let rows = sqlx::query(&sql)
            .bind(worker)
            .bind(until)
            .bind(now_text())
            .bind(now)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.writer)
            .await?;
        rows.iter()
            .map(|r| {
                let vendor: &str = r.get("vendor");
                Ok(ClaimedAction {
                    id: r.get("id"),
                    escalation_id: r.get("escalation_id"),
                    // Only this service writes the column, from `Vendor::as_str`.
                    vendor: vendor.parse().unwrap_or(Vendor::Standard),
                    call_id: r.get("call_id"),
                    action: serde_json::from_str(r.get::<&str, _>("action"))?,
                    refs: serde_json::from_str(r.get::<&str, _>("refs"))?,
                    attempt: small(r.get("attempts")),
                    max_attempts: small(r.get("max_attempts")),
                    progress: serde_json::from_str(r.get::<&str, _>("progress"))?,
                })
            })
            .collect()
    }

    pub async fn record_attempt(&self, record: &AttemptRecord<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO action_attempts (action_id, attempt, step, at, outcome, http_status, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(record.action_id)
        .bind(i64::from(record.attempt))
        .bind(record.step)
        .bind(now_text())
        .bind(record.outcome)
        .bind(record.http_status.map(i64::from))
        .bind(&record.detail)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Persists which steps are done, so a retry or another worker never repeats them.
    pub async fn save_progress(
        &self,
        action: &ClaimedAction,
        worker: &str,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE actions SET progress = $1, updated_at = $2
             WHERE id = $3 AND status = 'leased' AND locked_by = $4",
        )
        .bind(serde_json::to_string(&action.progress)?)
        .bind(now_text())
        .bind(action.id)
        .bind(worker)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    pub async fn succeed_action(
        &self,
        action: &ClaimedAction,
        worker: &str,
        escalation_status: Option<&str>,
        step_detail: &str,
    ) -> Result<bool, StoreError> {
        self.succeed_action_then(action, worker, escalation_status, step_detail, &[])
            .await
    }

    /// [`Store::succeed_action`], planning `later` (each due after its delay) in the same
    /// transaction: what follows an action that succeeded (a consult's answer check).
    pub async fn succeed_action_then(
        &self,
        action: &ClaimedAction,
        worker: &str,
        escalation_status: Option<&str>,
        step_detail: &str,
        later: &[(Action, Duration)],
    ) -> Result<bool, StoreError> {
        self.finish(
            action,
            worker,
            "succeeded",
            None,
            escalation_status,
            step_detail,
            &[],
            later,
        )
        .await
    }

    /// Recorded as dry-run: no platform credentials, nothing was sent.
    pub async fn dry_run_action(
        &self,
        action: &ClaimedAction,
        worker: &str,
        detail: &str,
    ) -> Result<bool, StoreError> {
        self.finish(
            action,
            worker,
            "dry_run",
            None,
            Some("dry_run"),
            detail,
            &[],
            &[],
        )
        .await
    }

    pub async fn fail_action(
        &self,
        action: &ClaimedAction,
        worker: &str,
        failure: &Failure,
    ) -> Result<bool, StoreError> {
        let detail = match failure.fallback.first() {
            Some(next) => format!("{}; falling back to {}", failure.error, next.kind()),
            None => failure.error.clone(),
        };
        self.finish(
            action,
            worker,
            failure.status,
            Some(&failure.error),
            failure.escalation_status,
            &detail,
            &failure.fallback,
            &[],
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish(
        &self,
        action: &ClaimedAction,
        worker: &str,
        status: &str,
        error: Option<&str>,
        escalation_status: Option<&str>,
        step_detail: &str,
        fallback: &[Action],
        later: &[(Action, Duration)],
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin(&self.writer).await?;
        // The progress goes in the same statement as the outcome: see `retry_action`.
        let updated = sqlx::query(
            "UPDATE actions SET status = $1, last_error = COALESCE($2, last_error),
                locked_by = NULL, locked_until = NULL, updated_at = $3, progress = $6
             WHERE id = $4 AND status = 'leased' AND locked_by = $5",
        )
        .bind(status)
        .bind(error)
        .bind(now_text())
        .bind(action.id)
        .bind(worker)
        .bind(serde_json::to_string(&action.progress)?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            // The lease was lost; whoever holds it now records the outcome.
            return Ok(false);
        }
        // A late action never overwrites an answered or superseded escalation's status.
        let settled = sqlx::query(&format!(
            "UPDATE escalations SET status = COALESCE($1, status)
             WHERE id = $2 AND status NOT IN ({})",
            super::lifecycle::SETTLED
        ))
        .bind(escalation_status)
        .bind(&action.escalation_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 0;
        let step = format!("{}_{}", action.action.kind(), status);
        append_step(
            &mut tx,
            &self.audit,
            &action.escalation_id,
            &step,
            step_detail,
        )
        .await?;
        let refs = serde_json::to_string(&action.refs)?;
        // A superseded escalation's failures fall back to nothing: the stronger one owns
        // the call now.
        for next in fallback.iter().filter(|_| !settled) {
            let planned = insert_action(
                &mut tx,
                &action.escalation_id,
                action.vendor,
                &action.call_id,
                next,
                &refs,
                action.max_attempts,
            )
            .await?;
            if planned {
                append_step(
                    &mut tx,
                    &self.audit,
                    &action.escalation_id,
                    "fallback_planned",
                    next.kind(),
                )
                .await?;
            }
        }
        // An escalation already answered or superseded needs no answer check.
        for (next, delay) in later.iter().filter(|_| !settled) {
            let due = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
            if insert_action_at(
                &mut tx,
                &action.escalation_id,
                action.vendor,
                &action.call_id,
                next,
                &refs,
                action.max_attempts,
                due,
            )
            .await?
            {
                append_step(
                    &mut tx,
                    &self.audit,
                    &action.escalation_id,
                    "follow_up_planned",
                    &format!("{} in {} s", next.kind(), delay.as_secs()),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Puts the action back for a later attempt.
    ///
    /// This, [`Store::defer_action`] and the outcomes that finish an action store the
    /// attempt's progress in the same statement as the outcome. Saved apart, the progress
    /// of a request that succeeded (its "may have been sent" mark cleared, as a definite
    /// answer clears it) could be committed while the action was still leased; a process
    /// killed between the two writes would leave an open action that says nothing was
    /// sent, and the next attempt would send it again.
    pub async fn retry_action(
        &self,
        action: &ClaimedAction,
        worker: &str,
        delay: Duration,
        error: &str,
    ) -> Result<bool, StoreError> {
        let at = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        let updated = sqlx::query(
            "UPDATE actions SET status = 'pending', next_attempt_at = $1, last_error = $2,
                locked_by = NULL, locked_until = NULL, updated_at = $3, progress = $6
             WHERE id = $4 AND status = 'leased' AND locked_by = $5",
        )
        .bind(at)
        .bind(error)
        .bind(now_text())
        .bind(action.id)
        .bind(worker)
        .bind(serde_json::to_string(&action.progress)?)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Puts the action back to look again after `delay` without counting an attempt
    /// (a routing-hook answer waiting for the flow to ask).
    pub async fn defer_action(
        &self,
        action: &ClaimedAction,
        worker: &str,
        delay: Duration,
    ) -> Result<bool, StoreError> {
        let at = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        let updated = sqlx::query(
            "UPDATE actions SET status = 'pending', next_attempt_at = $1,
                attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, locked_by = NULL, locked_until = NULL,
                updated_at = $2, progress = $5
             WHERE id = $3 AND status = 'leased' AND locked_by = $4",
        )
        .bind(at)
        .bind(now_text())
        .bind(action.id)
        .bind(worker)
        .bind(serde_json::to_string(&action.progress)?)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// On shutdown: hands back every lease this worker holds, without counting an attempt.
    pub async fn release_leases(&self, worker: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE actions SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                locked_by = NULL, locked_until = NULL, updated_at = $1
             WHERE status = 'leased' AND locked_by = $2",
        )
        .bind(now_text())
        .bind(worker)
        .execute(&self.writer)
        .await?
        .rows_affected())
    }
}

/// A stored count (attempts) as the `u32` the dispatcher counts in.
fn small(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}
