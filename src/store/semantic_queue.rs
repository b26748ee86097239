//! The semantic queue: customer final utterances awaiting their score. A row is written in
//! the transaction that commits its delivery and deleted in the one that applies its score,
//! so a committed utterance survives a crash and its score takes effect once. Workers lease
//! rows like outbox actions, so several replicas share one queue.

use std::collections::HashMap;
use std::time::Duration;

use escalator_adapters::{CallEvent, EventKind, Speaker, Utterance, Vendor};
use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use super::{inbox, load_session, mark_outcome_of, note_decision, now_ms, now_text};
use super::{Planned, Store, StoreError};
use crate::session::CallSession;

/// Rows per insert: 8 parameters each, well under both databases' limits.
const ROWS_PER_STATEMENT: usize = 50;

/// Customer final utterances are queued for scoring in the delivery's transaction, up to
/// `queue_limit` rows awaiting their score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreIntake {
    pub queue_limit: u64,
}

/// A queued utterance a worker holds the lease on.
#[derive(Debug, Clone)]
pub struct ClaimedUtterance {
    pub id: i64,
    pub vendor: Vendor,
    pub call_id: String,
    pub event_id: String,
    pub utterance_id: String,
    pub text: String,
    pub occurred_at: Timestamp,
    /// The platform sent sentiment for the call when the utterance was committed.
    pub platform_sentiment: bool,
    pub enqueued_ms: i64,
}

/// What applying one score planned: an escalation decided as the rules decide, and a
/// review (an alert and a flag, no transfer).
#[derive(Debug, Clone, Default)]
pub struct ScoredPlans {
    pub escalation: Option<Planned>,
    pub review: Option<Planned>,
}

/// Rows a sweep removed without scoring them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Older than the allowed lag: the rules decided them alone.
    pub late: u64,
    /// Claimed `max_attempts` times without their score being applied.
    pub failed: u64,
}

/// How full the queue is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub depth: i64,
    /// When the oldest row was queued (epoch ms).
    pub oldest_ms: Option<i64>,
}

/// The utterance an event carries if the semantic layer scores it: the customer's, final,
/// with words. Agent lines and partials never are.
pub fn scored_utterance(event: &CallEvent) -> Option<&Utterance> {
    match &event.kind {
        EventKind::Utterance(u)
            if u.is_final && u.speaker == Speaker::Customer && !u.text.trim().is_empty() =>
        {
            Some(u)
        }
        _ => None,
    }
}

/// Rows that may still be queued before the limit.
pub(super) async fn room(tx: &mut AnyConnection, intake: ScoreIntake) -> Result<u64, StoreError> {
    let depth: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM semantic_queue")
        .fetch_one(&mut *tx)
        .await?;
    Ok(intake
        .queue_limit
        .saturating_sub(u64::try_from(depth).unwrap_or(0)))
}

/// Queues `utterances` (each with whether its call has platform sentiment).
pub(super) async fn enqueue(
    tx: &mut AnyConnection,
    utterances: &[(&CallEvent, bool)],
) -> Result<(), StoreError> {
    let now = now_ms();
    for chunk in utterances.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=8).map(|k| format!("${}", i * 8 + k)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO semantic_queue
               (vendor, call_id, event_id, utterance_id, text, occurred_at, platform_sentiment,
                enqueued_ms)
             VALUES {}
             ON CONFLICT (vendor, event_id) DO NOTHING",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (event, sentiment) in chunk {
            let (utterance_id, text) = match scored_utterance(event) {
                Some(u) => (u.utterance_id.as_str(), u.text.as_str()),
                None => ("", ""),
            };
            query = query
                .bind(event.vendor.as_str())
                .bind(&event.call_id)
                .bind(&event.event_id)
                .bind(utterance_id)
                .bind(text)
                .bind(event.occurred_at.to_string())
                .bind(i64::from(*sentiment))
                .bind(now);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

impl Store {
    /// Removes, unleased, the rows queued before `max_lag` ago (late: the rules decided them)
    /// and those claimed `max_attempts` times already (their score could not be applied).
    pub async fn sweep_semantic_queue(
        &self,
        max_lag: Duration,
        max_attempts: u32,
    ) -> Result<Swept, StoreError> {
        let now = now_ms();
        let cutoff = now - i64::try_from(max_lag.as_millis()).unwrap_or(i64::MAX / 2);
        let rows = sqlx::query(
            "DELETE FROM semantic_queue
             WHERE (locked_until IS NULL OR locked_until < $1)
               AND (enqueued_ms < $2 OR attempts >= $3)
             RETURNING attempts",
        )
        .bind(now)
        .bind(cutoff)
        .bind(i64::from(max_attempts))
        .fetch_all(&self.writer)
        .await?;
        let failed = rows
            .iter()
            .filter(|r| r.get::<i64, _>("attempts") >= i64::from(max_attempts))
            .count() as u64;
        Ok(Swept {
            late: rows.len() as u64 - failed,
            failed,
        })
    }

    /// Leases up to `limit` queued utterances, oldest first, to `worker` (one statement;
    /// replicas on PostgreSQL skip each other's rows).
    pub async fn claim_utterances(
        &self,
        worker: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<ClaimedUtterance>, StoreError> {
        let now = now_ms();
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let sql = format!(
            "UPDATE semantic_queue SET locked_by = $1, locked_until = $2, attempts = attempts + 1
             WHERE id IN (
                SELECT id FROM semantic_queue
                WHERE locked_until IS NULL OR locked_until < $3
                ORDER BY id LIMIT $4{})
             RETURNING id, vendor, call_id, event_id, utterance_id, text, occurred_at,
                platform_sentiment, enqueued_ms",
            self.backend.skip_locked()
        );
        let rows = sqlx::query(&sql)
            .bind(worker)
            .bind(until)
            .bind(now)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.writer)
            .await?;
        Ok(claimed_rows(&rows))
    }

    /// Leases to `worker` the overdue rows (those the next sweep would remove: older than
    /// `max_lag`, or claimed `max_attempts` times) whose text `holds` says must still be
    /// decided without a score — phrases that waited for it. The sweep leaves leased rows
    /// alone; the worker settles these with the rules' decision.
    pub async fn claim_overdue(
        &self,
        worker: &str,
        lease: Duration,
        max_lag: Duration,
        max_attempts: u32,
        holds: impl Fn(&str) -> bool,
    ) -> Result<Vec<ClaimedUtterance>, StoreError> {
        let now = now_ms();
        let cutoff = now - i64::try_from(max_lag.as_millis()).unwrap_or(i64::MAX / 2);
        let overdue = sqlx::query(
            "SELECT id, text FROM semantic_queue
             WHERE (locked_until IS NULL OR locked_until < $1)
               AND (enqueued_ms < $2 OR attempts >= $3)",
        )
        .bind(now)
        .bind(cutoff)
        .bind(i64::from(max_attempts))
        .fetch_all(&self.reader)
        .await?;
        let ids: Vec<i64> = overdue
            .iter()
            .filter(|r| holds(r.get::<&str, _>("text")))
            .map(|r| r.get("id"))
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        // Still unleased: another worker may have claimed one meanwhile.
        let sql = format!(
            "UPDATE semantic_queue SET locked_by = $1, locked_until = $2
             WHERE id IN ({}) AND (locked_until IS NULL OR locked_until < $3)
             RETURNING id, vendor, call_id, event_id, utterance_id, text, occurred_at,
                platform_sentiment, enqueued_ms",
            list.join(", ")
        );
        let rows = sqlx::query(&sql)
            .bind(worker)
            .bind(until)
            .bind(now)
            .fetch_all(&self.writer)
            .await?;
        Ok(claimed_rows(&rows))
    }

    /// Deletes a claimed row without applying a score (the scorer failed); `false` when the
    /// lease was lost.
    pub async fn drop_utterance(
        &self,
        row: &ClaimedUtterance,
        worker: &str,
    ) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM semantic_queue WHERE id = $1 AND locked_by = $2")
            .bind(row.id)
            .bind(worker)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(deleted == 1)
    }

    /// Applies a score in one transaction: deletes the row (only while `worker` holds its
    /// lease), lets `decide` update the call's session and plan, records what it planned as
    /// the rules' decisions are recorded, and saves the session. `None` when the lease was
    /// lost: another worker applies it.
    pub async fn settle_utterance<F>(
        &self,
        row: &ClaimedUtterance,
        worker: &str,
        decide: F,
    ) -> Result<Option<ScoredPlans>, StoreError>
    where
        F: FnOnce(&mut CallSession) -> ScoredPlans,
    {
        let mut tx = self.backend.begin(&self.writer).await?;
        // The same per-call lock the deliveries take: a score and a delivery of one call
        // never fold into its session at once.
        let call = format!("{}:{}", row.vendor.as_str(), row.call_id);
        self.backend
            .lock_calls(&mut tx, std::slice::from_ref(&call))
            .await?;
        let deleted = sqlx::query("DELETE FROM semantic_queue WHERE id = $1 AND locked_by = $2")
            .bind(row.id)
            .bind(worker)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Ok(None);
        }
        let mut session = load_session(&mut tx, row.vendor, &row.call_id).await?;
        let plans = decide(&mut session);
        let origin = super::Origin {
            vendor: row.vendor,
            call_id: &row.call_id,
            event_id: &row.event_id,
        };
        if let Some(planned) = &plans.escalation {
            note_decision(&mut session, planned);
            super::records::insert_escalation(&mut tx, &self.audit, &origin, &session, planned)
                .await?;
            mark_outcome_of(&mut tx, &origin, "escalated").await?;
        }
        if let Some(planned) = &plans.review {
            // A review brings no one onto the call: the session's open escalation and
            // fired triggers stay as they are.
            super::records::insert_escalation(&mut tx, &self.audit, &origin, &session, planned)
                .await?;
        }
        let sessions: HashMap<_, _> = [((row.vendor, row.call_id.clone()), session)].into();
        inbox::save_sessions(&mut tx, &sessions, &now_text()).await?;
        tx.commit().await?;
        Ok(Some(plans))
    }

    /// On shutdown: hands back the rows `worker` holds, without counting an attempt.
    pub async fn release_utterances(&self, worker: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE semantic_queue SET locked_by = NULL, locked_until = NULL,
                attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
             WHERE locked_by = $1",
        )
        .bind(worker)
        .execute(&self.writer)
        .await?
        .rows_affected())
    }

    /// How many utterances await their score, and since when.
    pub async fn semantic_queue_stats(&self) -> Result<QueueStats, StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) AS depth, MIN(enqueued_ms) AS oldest FROM semantic_queue")
                .fetch_one(&self.reader)
                .await?;
        Ok(QueueStats {
            depth: row.get("depth"),
            oldest_ms: row.get("oldest"),
        })
    }
}

/// Claimed rows, oldest first (RETURNING gives no order).
fn claimed_rows(rows: &[sqlx::any::AnyRow]) -> Vec<ClaimedUtterance> {
    let mut claimed: Vec<ClaimedUtterance> = rows
        .iter()
        .filter_map(|r| {
            let vendor: &str = r.get("vendor");
            let occurred_at: &str = r.get("occurred_at");
            Some(ClaimedUtterance {
                id: r.get("id"),
                // Only this service writes these columns, from their own types.
                vendor: vendor.parse().ok()?,
                call_id: r.get("call_id"),
                event_id: r.get("event_id"),
                utterance_id: r.get("utterance_id"),
                text: r.get("text"),
                occurred_at: occurred_at.parse().unwrap_or_else(|_| Timestamp::now()),
                platform_sentiment: r.get::<i64, _>("platform_sentiment") != 0,
                enqueued_ms: r.get("enqueued_ms"),
            })
        })
        .collect();
    claimed.sort_by_key(|c| c.id);
    claimed
}
