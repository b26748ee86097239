//! Read models for the admin API and CLI: escalations listed with filters, one escalation
//! by id or reference, its actions and its callback.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{ActionRow, Store, StoreError};

/// Filters for listing escalations; all optional.
#[derive(Debug, Clone, Default)]
pub struct EscalationFilter {
    pub vendor: Option<String>,
    pub team: Option<String>,
    pub status: Option<String>,
    /// Decided at or after this time.
    pub since: Option<jiff::Timestamp>,
    pub limit: i64,
}

/// One escalation as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationSummary {
    pub id: String,
    pub reference: String,
    pub vendor: String,
    pub call_id: String,
    pub tier: String,
    pub team: String,
    pub status: String,
    pub review_flag: bool,
    pub decided_at: String,
}

/// One escalation with its decision (triggers, verbatim quotes, utterance ids).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationDetailRow {
    #[serde(flatten)]
    pub summary: EscalationSummary,
    pub decision: serde_json::Value,
}

const COLUMNS: &str =
    "id, reference, vendor, call_id, tier, team, status, review_flag, decided_at, decision";

fn summary(r: &AnyRow) -> EscalationSummary {
    EscalationSummary {
        id: r.get("id"),
        reference: r.get("reference"),
        vendor: r.get("vendor"),
        call_id: r.get("call_id"),
        tier: r.get("tier"),
        team: r.get("team"),
        status: r.get("status"),
        review_flag: r.get::<i64, _>("review_flag") != 0,
        decided_at: r.get("decided_at"),
    }
}

impl Store {
    /// Escalations matching `filter`, newest first.
    pub async fn list_escalations(
        &self,
        filter: &EscalationFilter,
    ) -> Result<Vec<EscalationSummary>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM escalations WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        for (column, set) in [
            ("vendor", filter.vendor.is_some()),
            ("team", filter.team.is_some()),
            ("status", filter.status.is_some()),
        ] {
            if set {
                sql.push_str(&format!(" AND {column} = {}", next()));
            }
        }
        // Stored times vary in their fractional digits: compare them as instants.
        let decided = self.backend.instant("decided_at");
        if filter.since.is_some() {
            let since = self.backend.instant(&next());
            sql.push_str(&format!(" AND {decided} >= {since}"));
        }
        sql.push_str(&format!(" ORDER BY {decided} DESC, id LIMIT {}", next()));
        let mut query = sqlx::query(&sql);
        for value in [&filter.vendor, &filter.team, &filter.status]
            .into_iter()
            .flatten()
        {
            query = query.bind(value);
        }
        if let Some(since) = filter.since {
            query = query.bind(since.to_string());
        }
        let limit = if filter.limit > 0 { filter.limit } else { 100 };
        let rows = query.bind(limit).fetch_all(&self.reader).await?;
        Ok(rows.iter().map(summary).collect())
    }

    /// One escalation by its id or its reference.
    pub async fn escalation(
        &self,
        id_or_reference: &str,
    ) -> Result<Option<EscalationDetailRow>, StoreError> {
        let key = id_or_reference.trim();
        let reference = crate::reference::canonical(key).unwrap_or_else(|| key.to_string());
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM escalations WHERE id = $1 OR reference = $2 LIMIT 1"
        ))
        .bind(key)
        .bind(reference)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| {
            Ok(EscalationDetailRow {
                summary: summary(&r),
                decision: serde_json::from_str(r.get::<&str, _>("decision"))?,
            })
        })
        .transpose()
    }

    /// The actions planned for one escalation, in order.
    pub async fn escalation_actions(
        &self,
        escalation_id: &str,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, status, attempts, last_error, action FROM actions
             WHERE escalation_id = $1 ORDER BY id",
        )
        .bind(escalation_id)
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

    /// The reference of the named callback Escalator keeps for an escalation, if any.
    pub async fn callback_reference_for(
        &self,
        escalation_id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT reference FROM callbacks WHERE escalation_id = $1")
                .bind(escalation_id)
                .fetch_optional(&self.reader)
                .await?,
        )
    }
}
