//! The review queue: flagged escalations no one has reviewed yet, and reviews appended to
//! the escalation's (hash-chained) record.

use serde::Serialize;
use sqlx::Row;

use super::audit::append_step;
use super::{Store, StoreError};
use crate::review::Review;

/// The step a review is recorded as.
pub const REVIEWED: &str = "reviewed";

/// A flagged escalation awaiting review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    pub escalation_id: String,
    pub reference: String,
    pub vendor: String,
    pub call_id: String,
    pub tier: String,
    pub team: String,
    pub status: String,
    pub decided_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no escalation {0}")]
    UnknownEscalation(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Store(e.into())
    }
}

impl Store {
    /// Flagged escalations without a review, oldest first.
    pub async fn review_queue(&self, limit: i64) -> Result<Vec<ReviewItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.reference, e.vendor, e.call_id, e.tier, e.team, e.status, e.decided_at
             FROM escalations e
             WHERE e.review_flag = 1 AND NOT EXISTS (
                SELECT 1 FROM escalation_steps s WHERE s.escalation_id = e.id AND s.step = $1)
             ORDER BY e.decided_at, e.id LIMIT $2",
        )
        .bind(REVIEWED)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ReviewItem {
                escalation_id: r.get("id"),
                reference: r.get("reference"),
                vendor: r.get("vendor"),
                call_id: r.get("call_id"),
                tier: r.get("tier"),
                team: r.get("team"),
                status: r.get("status"),
                decided_at: r.get("decided_at"),
            })
            .collect())
    }

    /// Appends a review to the escalation's record; earlier reviews stay as they were.
    pub async fn record_review(
        &self,
        escalation_id: &str,
        review: &Review,
    ) -> Result<(), ReviewError> {
        let mut tx = self.backend.begin(&self.writer).await?;
        let known: Option<String> = sqlx::query_scalar("SELECT id FROM escalations WHERE id = $1")
            .bind(escalation_id)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(ReviewError::UnknownEscalation(escalation_id.to_string()));
        }
        let detail = serde_json::to_string(review).map_err(StoreError::from)?;
        append_step(&mut tx, &self.audit, escalation_id, REVIEWED, &detail).await?;
        tx.commit().await?;
        metrics::counter!("escalator_reviews_total", "outcome" => review.outcome.as_str())
            .increment(1);
        Ok(())
    }

    /// Flagged escalations, and how many of them have a review (for review coverage).
    pub async fn review_coverage(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS flagged, COALESCE(SUM(CASE WHEN EXISTS (
                SELECT 1 FROM escalation_steps s WHERE s.escalation_id = e.id AND s.step = $1)
                THEN 1 ELSE 0 END), 0) AS reviewed
             FROM escalations e WHERE e.review_flag = 1",
        )
        .bind(REVIEWED)
        .fetch_one(&self.reader)
        .await?;
        Ok((row.get("flagged"), row.get("reviewed")))
    }

    /// Every review of an escalation, oldest first.
    pub async fn reviews(&self, escalation_id: &str) -> Result<Vec<Review>, StoreError> {
        let details: Vec<String> = sqlx::query_scalar(
            "SELECT detail FROM escalation_steps WHERE escalation_id = $1 AND step = $2 ORDER BY id",
        )
        .bind(escalation_id)
        .bind(REVIEWED)
        .fetch_all(&self.reader)
        .await?;
        details
            .iter()
            .map(|d| serde_json::from_str(d).map_err(StoreError::from))
            .collect()
    }
}
