//! Callback reminders and overdue escalations as a small outbox: planned once per
//! commitment, kind and window (a unique key, so restarts and replicas cannot plan one
//! twice), leased atomically, retried with a recorded error until sent.

use std::time::Duration;

use serde::Serialize;
use sqlx::Row;

use super::callback_log::SYSTEM_ACTOR;
use super::{now_ms, now_text, Store, StoreError};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The window opens soon: a reminder to the owner.
    DueSoon,
    /// The window passed with the caller not reached: to the owner's supervisor.
    Overdue,
    /// The window is open on a platform that cannot dial it: Escalator places the call.
    Dial,
    /// No window could be promised: to the supervisor at once, with why.
    NoWindow,
    /// The commitment was given to someone else: to the new owner at once.
    Reassigned,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::DueSoon => "due_soon",
            NotificationKind::Overdue => "overdue",
            NotificationKind::Dial => "dial",
            NotificationKind::NoWindow => "no_window",
            NotificationKind::Reassigned => "reassigned",
        }
    }
}

/// A leased notification with what the message needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueNotification {
    pub id: i64,
    pub kind: String,
    pub attempts: i64,
    pub reference: String,
    pub team: String,
    pub owner: Option<String>,
    pub tier: Option<String>,
    pub reason: String,
    pub window_start: Option<String>,
    pub window_end: String,
    pub number: Option<String>,
    /// The commitment's window end now (`window_end` is the one the notice was planned for).
    pub callback_window_end: Option<String>,
    /// Why the commitment has no window (`no_window` notices).
    pub no_window_reason: Option<String>,
    /// The policy deadline, where recorded.
    pub deadline: Option<String>,
    /// The platform of the call the commitment came from.
    pub vendor: String,
}

impl Store {
    /// Plans the reminders now due (window opening within `lead`) and the overdue
    /// escalations (window ended, still owed), marking those commitments `missed`.
    /// With `dial_on`, commitments on that platform whose window is open are planned to be
    /// dialled by Escalator (once per window). Returns how many were planned.
    pub async fn plan_notifications(
        &self,
        lead: Duration,
        dial_on: Option<&str>,
    ) -> Result<u64, StoreError> {
        let now = now_ms();
        let lead_ms = i64::try_from(lead.as_millis()).unwrap_or(i64::MAX / 2);
        let mut tx = self.backend.begin(&self.writer).await?;
        // One planner at a time across replicas: two would both see a window as ended
        // and mark the commitment missed twice.
        self.backend
            .lock_singleton(&mut tx, "plan_notifications")
            .await?;
        let open = "status NOT IN ('completed', 'cancelled', 'missed')";
        // Due soon: the window has not ended and opens within `lead` (or already has).
        let due = sqlx::query(&format!(
            "INSERT INTO notifications
               (callback_id, kind, window_end, recipient, status, next_attempt_ms, created_at)
             SELECT id, 'due_soon', window_end, owner, 'pending', $1, $2 FROM callbacks
             WHERE {open} AND window_end_ms IS NOT NULL AND window_end_ms > $1
               AND window_start_ms IS NOT NULL AND window_start_ms <= $1 + $3
             ON CONFLICT (callback_id, kind, window_end) DO NOTHING"
        ))
        .bind(now)
        .bind(now_text())
        .bind(lead_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // No window: to the supervisor at once, once per commitment (its key's window_end
        // is the fixed `none`; a reschedule that gives it a window plans reminders as usual).
        let no_window = sqlx::query(&format!(
            "INSERT INTO notifications
               (callback_id, kind, window_end, recipient, status, next_attempt_ms, created_at)
             SELECT id, 'no_window', 'none', owner, 'pending', $1, $2 FROM callbacks
             WHERE {open} AND window_end_ms IS NULL
             ON CONFLICT (callback_id, kind, window_end) DO NOTHING"
        ))
        .bind(now)
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let dial = match dial_on {
            Some(vendor) => sqlx::query(&format!(
                "INSERT INTO notifications
                   (callback_id, kind, window_end, recipient, status, next_attempt_ms, created_at)
                 SELECT id, 'dial', window_end, owner, 'pending', $1, $2 FROM callbacks
                 WHERE {open} AND status != 'attempted' AND vendor = $3 AND number IS NOT NULL
                   AND window_start_ms IS NOT NULL AND window_start_ms <= $1
                   AND window_end_ms > $1
                 ON CONFLICT (callback_id, kind, window_end) DO NOTHING"
            ))
            .bind(now)
            .bind(now_text())
            .bind(vendor)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            None => 0,
        };
        // Locked on PostgreSQL until commit: a person completing one of these meanwhile
        // goes first, and the commitment, re-checked, is then left alone.
        let overdue_ids: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT id, status FROM callbacks
             WHERE {open} AND window_end_ms IS NOT NULL AND window_end_ms <= $1 ORDER BY id{}",
            self.backend.for_update()
        ))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut overdue = 0;
        for (id, status) in &overdue_ids {
            overdue += sqlx::query(
                "INSERT INTO notifications
                   (callback_id, kind, window_end, recipient, status, next_attempt_ms, created_at)
                 SELECT id, 'overdue', window_end, owner, 'pending', $1, $2 FROM callbacks
                 WHERE id = $3
                 ON CONFLICT (callback_id, kind, window_end) DO NOTHING",
            )
            .bind(now)
            .bind(now_text())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE callbacks SET status = 'missed', updated_at = $1 WHERE id = $2")
                .bind(now_text())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO callback_changes
                   (callback_id, at, actor, change, from_status, to_status, reason, detail)
                 VALUES ($1, $2, $3, 'missed', $4, 'missed', 'the window ended with the caller not reached', '{}')",
            )
            .bind(id)
            .bind(now_text())
            .bind(SYSTEM_ACTOR)
            .bind(status)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(due + no_window + dial + overdue)
    }

    /// Leases up to `limit` notifications that are due (or whose lease expired).
    pub async fn claim_notifications(
        &self,
        worker: &str,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<DueNotification>, StoreError> {
        let now = now_ms();
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let sql = format!(
            "UPDATE notifications SET status = 'leased', locked_by = $1, locked_until = $2,
                attempts = attempts + 1
             WHERE id IN (SELECT id FROM notifications
                WHERE (status = 'pending' AND next_attempt_ms <= $3)
                   OR (status = 'leased' AND locked_until < $3)
                ORDER BY next_attempt_ms, id LIMIT $4{})
             RETURNING id",
            self.backend.skip_locked()
        );
        let ids: Vec<i64> = sqlx::query_scalar(&sql)
            .bind(worker)
            .bind(until)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.writer)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let r = sqlx::query(
                "SELECT n.id, n.kind, n.attempts, n.window_end, c.reference, c.team, c.owner,
                        c.tier, c.reason, c.window_start, c.number, c.vendor,
                        c.no_window_reason, c.deadline, c.window_end AS callback_window_end
                 FROM notifications n JOIN callbacks c ON c.id = n.callback_id WHERE n.id = $1",
            )
            .bind(id)
            .fetch_one(&self.writer)
            .await?;
            out.push(DueNotification {
                id: r.get("id"),
                kind: r.get("kind"),
                attempts: r.get("attempts"),
                reference: r.get("reference"),
                team: r.get("team"),
                owner: r.get("owner"),
                tier: r.get("tier"),
                reason: r.get("reason"),
                window_start: r.get("window_start"),
                window_end: r.get("window_end"),
                number: r.get("number"),
                vendor: r.get("vendor"),
                callback_window_end: r.get("callback_window_end"),
                no_window_reason: r.get("no_window_reason"),
                deadline: r.get("deadline"),
            });
        }
        Ok(out)
    }

    /// Records a notification as sent (`Ok`) or to be tried again after `retry_in`.
    pub async fn settle_notification(
        &self,
        id: i64,
        worker: &str,
        outcome: Result<(), (String, Duration)>,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let query = match &outcome {
            Ok(()) => sqlx::query(
                "UPDATE notifications SET status = 'sent', sent_at = $1, locked_by = NULL,
                    locked_until = NULL WHERE id = $2 AND locked_by = $3",
            )
            .bind(now_text())
            .bind(id)
            .bind(worker),
            Err((error, retry_in)) => sqlx::query(
                "UPDATE notifications SET status = $1, last_error = $2, next_attempt_ms = $3,
                    locked_by = NULL, locked_until = NULL WHERE id = $4 AND locked_by = $5",
            )
            .bind(if give_up { "failed" } else { "pending" })
            .bind(error)
            .bind(now + i64::try_from(retry_in.as_millis()).unwrap_or(i64::MAX / 2))
            .bind(id)
            .bind(worker),
        };
        query.execute(&self.writer).await?;
        Ok(())
    }

    /// Sent notifications of a commitment: `(kind, window_end)` pairs, for tests and audits.
    pub async fn notifications_sent(
        &self,
        reference: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT n.kind, n.window_end FROM notifications n JOIN callbacks c ON c.id = n.callback_id
             WHERE c.reference = $1 AND n.status = 'sent' ORDER BY n.id",
        )
        .bind(reference)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Open commitments whose window has ended (for the overdue gauge).
    pub async fn overdue_callbacks(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM callbacks WHERE status = 'missed'
             OR (status NOT IN ('completed', 'cancelled') AND window_end_ms < $1)",
        )
        .bind(now_ms())
        .fetch_one(&self.reader)
        .await?)
    }
}
