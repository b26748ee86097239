//! Answers armed for a call's next routing-hook request (the fallback chain's
//! `route_on_hook` link).

use std::time::Duration;

use escalator_adapters::{Briefing, Destination, Target, Vendor};
use sqlx::Row;

use super::{now_ms, now_text, Store, StoreError};

/// An armed answer the routing hook hands to the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmedRoute {
    pub escalation_id: String,
    pub team: String,
    pub destination: Destination,
    pub briefing: Briefing,
}

/// Where an armed answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmedState {
    Armed,
    /// The flow asked and was answered.
    Consumed,
    Expired,
    /// Never armed (or the escalation is unknown).
    Missing,
}

impl Store {
    /// Arms (or re-arms) the answer for the call's next routing-hook request.
    pub async fn arm_route(
        &self,
        escalation_id: &str,
        vendor: Vendor,
        call_id: &str,
        target: &Target,
        briefing: &Briefing,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let expires = now_ms() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        sqlx::query(
            "INSERT INTO armed_routes
               (escalation_id, vendor, call_id, team, destination, briefing, status, armed_at,
                expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, 'armed', $7, $8)
             ON CONFLICT (escalation_id) DO NOTHING",
        )
        .bind(escalation_id)
        .bind(vendor.as_str())
        .bind(call_id)
        .bind(&target.team)
        .bind(serde_json::to_string(&target.destination)?)
        .bind(serde_json::to_string(briefing)?)
        .bind(now_text())
        .bind(expires)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn armed_state(&self, escalation_id: &str) -> Result<ArmedState, StoreError> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM armed_routes WHERE escalation_id = $1")
                .bind(escalation_id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(match status.as_deref() {
            Some("armed") => ArmedState::Armed,
            Some("consumed") => ArmedState::Consumed,
            Some(_) => ArmedState::Expired,
            None => ArmedState::Missing,
        })
    }

    /// Withdraws an answer the flow never asked for; `false` when the flow took it first.
    pub async fn expire_route(&self, escalation_id: &str) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE armed_routes SET status = 'expired' WHERE escalation_id = $1 AND status = 'armed'",
        )
        .bind(escalation_id)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Takes the armed answer for a call's routing-hook request, if one is live, and
    /// brings the waiting action forward so the escalation records the outcome at once.
    pub async fn take_armed_route(
        &self,
        vendor: Vendor,
        call_id: &str,
    ) -> Result<Option<ArmedRoute>, StoreError> {
        let mut tx = self.backend.begin(&self.writer).await?;
        // `status = 'armed'` again outside the subquery: on PostgreSQL a request that waited
        // for another replica's take re-checks the row and finds it consumed.
        let row = sqlx::query(
            "UPDATE armed_routes SET status = 'consumed', consumed_at = $1
             WHERE escalation_id = (
                SELECT escalation_id FROM armed_routes
                WHERE vendor = $2 AND call_id = $3 AND status = 'armed' AND expires_ms > $4
                ORDER BY armed_at DESC LIMIT 1)
               AND status = 'armed'
             RETURNING escalation_id, team, destination, briefing",
        )
        .bind(now_text())
        .bind(vendor.as_str())
        .bind(call_id)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let armed = ArmedRoute {
            escalation_id: row.get("escalation_id"),
            team: row.get("team"),
            destination: serde_json::from_str(row.get::<&str, _>("destination"))?,
            briefing: serde_json::from_str(row.get::<&str, _>("briefing"))?,
        };
        sqlx::query(
            "UPDATE actions SET next_attempt_at = $1
             WHERE escalation_id = $2 AND kind = 'route_on_hook' AND status = 'pending'",
        )
        .bind(now_ms())
        .bind(&armed.escalation_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(armed))
    }
}
