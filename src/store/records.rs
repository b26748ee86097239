//! Escalation records, their append-only steps, and read models for operators and tests.

use escalator_adapters::Vendor;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::audit::{append_step, AuditKey};
use super::{now_ms, now_text, Origin, Planned, Store, StoreError};
use crate::session::CallSession;

pub(super) async fn insert_escalation(
    tx: &mut AnyConnection,
    audit: &AuditKey,
    event: &Origin<'_>,
    session: &CallSession,
    planned: &Planned,
) -> Result<(), StoreError> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO escalations
           (id, reference, vendor, call_id, event_id, tier, team, status, decision, decided_at,
            review_flag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&planned.id)
    .bind(&planned.reference)
    .bind(event.vendor.as_str())
    .bind(event.call_id)
    .bind(event.event_id)
    .bind(planned.decision.tier.as_str())
    .bind(&planned.decision.team)
    .bind(planned.status)
    .bind(serde_json::to_string(&planned.decision)?)
    .bind(&now)
    .bind(i64::from(planned.review))
    .execute(&mut *tx)
    .await?;
    let triggers: Vec<String> = planned
        .decision
        .triggers
        .iter()
        .map(|t| format!("{} ({})", t.kind, t.rule_id))
        .collect();
    append_step(
        tx,
        audit,
        &planned.id,
        "decided",
        &format!(
            "{} tier, team {}: {}",
            planned.decision.tier.as_str(),
            planned.decision.team,
            triggers.join(", ")
        ),
    )
    .await?;
    // The caller's number travels with the action so a fallback callback can be placed.
    let mut refs = session.refs.clone();
    if let Some(number) = &session.caller.number {
        refs.insert("caller_number".into(), number.clone());
    }
    let refs = serde_json::to_string(&refs)?;
    for action in &planned.actions {
        insert_action(
            tx,
            &planned.id,
            event.vendor,
            event.call_id,
            action,
            &refs,
            planned.max_attempts,
        )
        .await?;
        append_step(tx, audit, &planned.id, "action_planned", action.kind()).await?;
    }
    Ok(())
}

/// Inserts an action unless this escalation already has one of its kind (no effect twice).
pub(super) async fn insert_action(
    tx: &mut AnyConnection,
    escalation_id: &str,
    vendor: Vendor,
    call_id: &str,
    action: &escalator_adapters::Action,
    refs_json: &str,
    max_attempts: u32,
) -> Result<bool, StoreError> {
    insert_action_at(
        tx,
        escalation_id,
        vendor,
        call_id,
        action,
        refs_json,
        max_attempts,
        now_ms(),
    )
    .await
}

/// [`insert_action`], first due at `due_ms` (epoch ms).
#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_action_at(
    tx: &mut AnyConnection,
    escalation_id: &str,
    vendor: Vendor,
    call_id: &str,
    action: &escalator_adapters::Action,
    refs_json: &str,
    max_attempts: u32,
    due_ms: i64,
) -> Result<bool, StoreError> {
    let now = now_text();
    let inserted = sqlx::query(
        "INSERT INTO actions
           (escalation_id, vendor, call_id, kind, action, refs, status, attempts, max_attempts,
            next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $9, $10)
         ON CONFLICT (escalation_id, kind) DO NOTHING",
    )
    .bind(escalation_id)
    .bind(vendor.as_str())
    .bind(call_id)
    .bind(action.kind())
    .bind(serde_json::to_string(action)?)
    .bind(refs_json)
    .bind(i64::from(max_attempts))
    .bind(due_ms)
    .bind(&now)
    .bind(&now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct EscalationRow {
    pub id: String,
    pub reference: String,
    pub tier: String,
    pub team: String,
    pub status: String,
    pub decision: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub step: String,
    pub detail: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub action: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptRow {
    pub attempt: i64,
    pub step: String,
    pub outcome: String,
    pub http_status: Option<i64>,
    pub detail: String,
}

impl Store {
    pub async fn escalations(
        &self,
        vendor: Vendor,
        call_id: &str,
    ) -> Result<Vec<EscalationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, reference, tier, team, status, decision FROM escalations
             WHERE vendor = $1 AND call_id = $2 ORDER BY decided_at, id",
        )
        .bind(vendor.as_str())
        .bind(call_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EscalationRow {
                    id: r.get("id"),
                    reference: r.get("reference"),
                    tier: r.get("tier"),
                    team: r.get("team"),
                    status: r.get("status"),
                    decision: serde_json::from_str(r.get::<&str, _>("decision"))?,
                })
            })
            .collect()
    }

    pub async fn steps(&self, escalation_id: &str) -> Result<Vec<StepRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT step, detail, at FROM escalation_steps WHERE escalation_id = $1 ORDER BY id",
        )
        .bind(escalation_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StepRow {
                step: r.get("step"),
                detail: r.get("detail"),
                at: r.get("at"),
            })
            .collect())
    }

    pub async fn actions(
        &self,
        vendor: Vendor,
        call_id: &str,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, status, attempts, last_error, action FROM actions
             WHERE vendor = $1 AND call_id = $2 ORDER BY id",
        )
        .bind(vendor.as_str())
        .bind(call_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ActionRow {
                    id: r.get("id"),
                    kind: r.get("kind"),
                    status: r.get("status"),
                    attempts: r.get("attempts"),
                    last_error: r.get("last_error"),
                    action: serde_json::from_str(r.get::<&str, _>("action"))?,
                })
            })
            .collect()
    }

    pub async fn attempts(&self, action_id: i64) -> Result<Vec<AttemptRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt, step, outcome, http_status, detail FROM action_attempts
             WHERE action_id = $1 ORDER BY id",
        )
        .bind(action_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AttemptRow {
                attempt: r.get("attempt"),
                step: r.get("step"),
                outcome: r.get("outcome"),
                http_status: r.get("http_status"),
                detail: r.get("detail"),
            })
            .collect())
    }

    /// Actions not yet finished (pending or leased): the outbox depth.
    /// Actions waiting to be carried out. A consult's answer check before its deadline is
    /// a watch, not work waiting, so it does not count until it is due.
    pub async fn outbox_depth(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM actions WHERE status IN ('pending', 'leased')
               AND NOT (kind = 'confirm_transfer' AND status = 'pending' AND next_attempt_at > $1)",
        )
        .bind(super::now_ms())
        .fetch_one(&self.reader)
        .await?)
    }
}
