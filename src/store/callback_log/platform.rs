//! Callbacks a platform holds: what the platform reports about them (read back from its API,
//! or seen in its call events) is recorded in the log once per reported state, with the
//! platform as the actor, so the log stays the source of truth.

use std::collections::HashSet;

use escalator_adapters::Vendor;
use sqlx::Row;

use super::changes::apply_change;
use super::{normalize_reference, record, CallbackChange, CallbackError, CallbackRecord, COLUMNS};
use crate::store::{now_ms, Store, StoreError};

/// Open, not cancelled or completed (the states a platform can still change).
const OPEN: &str = "status NOT IN ('completed', 'cancelled')";

impl Store {
    /// Open commitments `vendor` holds under an id of its own, least recently read first.
    pub async fn platform_callbacks_to_read(
        &self,
        vendor: Vendor,
        limit: i64,
    ) -> Result<Vec<CallbackRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM callbacks
             WHERE held_by = $1 AND platform_ref IS NOT NULL AND {OPEN}
             ORDER BY COALESCE(platform_checked_ms, 0), created_at LIMIT $2"
        ))
        .bind(vendor.as_str())
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.iter().map(record).collect())
    }

    /// The oldest open commitment `vendor` holds for `number`: the one an outbound call
    /// from the platform to that number serves (a retry links the newer call).
    pub async fn platform_callback_for_number(
        &self,
        vendor: Vendor,
        number: &str,
    ) -> Result<Option<CallbackRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM callbacks
             WHERE held_by = $1 AND number = $2 AND {OPEN}
             ORDER BY created_at LIMIT 1"
        ))
        .bind(vendor.as_str())
        .bind(number)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.as_ref().map(record))
    }

    /// Which of `calls` carry out a callback their platform holds: one query per batch of
    /// calls (on the `(held_by, platform_call_id)` index).
    pub async fn platform_calls_among(
        &self,
        calls: &[(Vendor, &str)],
    ) -> Result<HashSet<(Vendor, String)>, StoreError> {
        const PER_QUERY: usize = 100;
        let mut found = HashSet::new();
        let mut vendors: Vec<Vendor> = calls.iter().map(|(v, _)| *v).collect();
        vendors.sort();
        vendors.dedup();
        for vendor in vendors {
            let ids: Vec<&str> = calls
                .iter()
                .filter(|(v, _)| *v == vendor)
                .map(|(_, id)| *id)
                .collect();
            for chunk in ids.chunks(PER_QUERY) {
                let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT platform_call_id FROM callbacks
                     WHERE held_by = $1 AND platform_call_id IN ({})",
                    list.join(", ")
                );
                let mut query = sqlx::query(&sql).bind(vendor.as_str());
                for id in chunk {
                    query = query.bind(*id);
                }
                for row in query.fetch_all(&self.reader).await? {
                    found.insert((vendor, row.get::<String, _>(0)));
                }
            }
        }
        Ok(found)
    }

    /// The commitment platform call `call_id` carries out.
    pub async fn callback_by_platform_call(
        &self,
        vendor: Vendor,
        call_id: &str,
    ) -> Result<Option<CallbackRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM callbacks WHERE held_by = $1 AND platform_call_id = $2"
        ))
        .bind(vendor.as_str())
        .bind(call_id)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.as_ref().map(record))
    }

    /// Records that `vendor` reports `state` for the commitment `reference` (and, with
    /// `call_id`, that this platform call carries it out), applying `changes` in order with
    /// the platform as the actor — all in one transaction, and only the first time this
    /// state is reported, so replicas reading the same state record it once. A commitment
    /// a person already closed keeps its status; the state is still noted. Returns the
    /// commitment when the state was new.
    pub async fn record_platform_state(
        &self,
        reference: &str,
        vendor: Vendor,
        state: &str,
        call_id: Option<&str>,
        changes: &[CallbackChange],
    ) -> Result<Option<CallbackRecord>, CallbackError> {
        let reference = normalize_reference(reference);
        let mut tx = self.backend.begin(&self.writer).await?;
        let new_state = sqlx::query(
            "UPDATE callbacks SET platform_status = $1, platform_checked_ms = $2,
                platform_call_id = COALESCE($3, platform_call_id)
             WHERE reference = $4 AND held_by = $5
               AND (platform_status IS NULL OR platform_status <> $1)",
        )
        .bind(state)
        .bind(now_ms())
        .bind(call_id)
        .bind(&reference)
        .bind(vendor.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !new_state {
            sqlx::query("UPDATE callbacks SET platform_checked_ms = $1 WHERE reference = $2")
                .bind(now_ms())
                .bind(&reference)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(None);
        }
        let mut applied = Vec::with_capacity(changes.len());
        for change in changes {
            match apply_change(&mut tx, self.backend, &reference, vendor.as_str(), change).await {
                Ok(a) => applied.push(a),
                // Closed by a person first: their word stands.
                Err(CallbackError::Closed { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM callbacks WHERE reference = $1"
        ))
        .bind(&reference)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        for a in &applied {
            a.count();
        }
        Ok(Some(record(&row)))
    }
}
