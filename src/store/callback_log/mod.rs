//! The Supervisor Callback Log: Escalator's record of every callback it committed to, with
//! an append-only history of each change (who, when, why). The log is the source of truth;
//! platform outcomes are reconciled into it. Changes and their rules: [`changes`].

mod changes;
mod platform;

use escalator_adapters::{Briefing, Target, Vendor};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now_ms, now_text, Store, StoreError};

/// Who acts when no person does.
pub const SYSTEM_ACTOR: &str = "escalator";

/// A named callback Escalator keeps itself.
#[derive(Debug, Clone)]
pub struct NewCallback<'a> {
    pub escalation_id: &'a str,
    pub vendor: Vendor,
    pub call_id: &'a str,
    pub target: &'a Target,
    pub owner: Option<&'a str>,
    pub number: Option<&'a str>,
    pub briefing: &'a Briefing,
    /// The promised window, or why none could be promised (shown to the owner).
    pub window: Result<&'a crate::callbacks::Window, &'a str>,
    /// `escalator`, or the platform asked to place the call.
    pub held_by: &'a str,
    /// The platform's id for the callback it holds, where it returned one.
    pub platform_ref: Option<&'a str>,
}

/// Where a commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackStatus {
    Pending,
    Attempted,
    Completed,
    Missed,
    Rescheduled,
    Cancelled,
}

impl CallbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStatus::Pending => "pending",
            CallbackStatus::Attempted => "attempted",
            CallbackStatus::Completed => "completed",
            CallbackStatus::Missed => "missed",
            CallbackStatus::Rescheduled => "rescheduled",
            CallbackStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            CallbackStatus::Pending,
            CallbackStatus::Attempted,
            CallbackStatus::Completed,
            CallbackStatus::Missed,
            CallbackStatus::Rescheduled,
            CallbackStatus::Cancelled,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// Still owed to the caller.
    pub fn is_open(self) -> bool {
        !matches!(self, CallbackStatus::Completed | CallbackStatus::Cancelled)
    }
}

/// One commitment as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackRecord {
    pub id: String,
    pub reference: String,
    pub escalation_id: String,
    pub vendor: String,
    pub call_id: String,
    /// `escalator`, or the platform that holds the callback.
    pub held_by: String,
    pub team: String,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub number: Option<String>,
    pub zone: Option<String>,
    /// The calling-hours region the window was computed for (e.g. `US-FL`).
    pub region: Option<String>,
    pub caller_name: Option<String>,
    pub caller_verified: Option<bool>,
    pub reason: String,
    pub quote: Option<String>,
    /// What the call was about, from the briefing's issue summary (absent on commitments
    /// recorded before the log kept it, and when the caller never said).
    pub issue_summary: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    /// The policy deadline the window was cut at (absent on older commitments and on
    /// those with no window).
    pub deadline: Option<String>,
    /// Why there is no window (the commitment went to a supervisor at once).
    pub no_window_reason: Option<String>,
    pub created_at: String,
    pub updated_at: Option<String>,
    /// The platform's id for a callback it holds.
    pub platform_ref: Option<String>,
    /// The platform's last reported state of it (e.g. Talkdesk `SUCCESS`).
    pub platform_status: Option<String>,
    /// The platform call that carried it out, when the platform's events showed one.
    pub platform_call_id: Option<String>,
}

/// One entry of a commitment's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackChangeRow {
    pub at: String,
    pub actor: String,
    pub change: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub detail: serde_json::Value,
}

/// What a person (or the scheduler) changes.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackChange {
    /// A call was made; `outcome` is what happened (`no_answer`, `voicemail`, `reached`…).
    Attempt {
        outcome: String,
        notes: String,
    },
    Complete {
        notes: String,
    },
    Cancel {
        reason: String,
    },
    Reschedule {
        window_start: jiff::Timestamp,
        window_end: jiff::Timestamp,
        reason: String,
    },
    Reassign {
        owner: String,
        reason: String,
    },
    /// The window passed with the caller not reached.
    Miss,
}

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("no callback with reference {0}")]
    NotFound(String),
    #[error("callback {reference} is {status}; {what} is not possible any more")]
    Closed {
        reference: String,
        status: &'static str,
        what: &'static str,
    },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CallbackError {
    fn from(e: sqlx::Error) -> Self {
        CallbackError::Store(e.into())
    }
}

/// Filters for listing commitments; all optional.
#[derive(Debug, Clone, Default)]
pub struct CallbackFilter {
    pub status: Option<CallbackStatus>,
    pub owner: Option<String>,
    pub team: Option<String>,
    /// Window ends before this time.
    pub due_before: Option<jiff::Timestamp>,
    /// Open commitments whose window has already ended.
    pub overdue: bool,
    pub limit: i64,
}

pub(super) const COLUMNS: &str =
    "id, reference, escalation_id, vendor, call_id, held_by, team, tier, owner, number,
    zone, caller_name, caller_verified, reason, quote, status, attempts, window_start,
    window_end, created_at, updated_at, platform_ref, platform_status, platform_call_id, region,
    issue_summary, deadline, no_window_reason";

pub(super) fn record(r: &AnyRow) -> CallbackRecord {
    CallbackRecord {
        id: r.get("id"),
        reference: r.get("reference"),
        escalation_id: r.get("escalation_id"),
        vendor: r.get("vendor"),
        call_id: r.get("call_id"),
        held_by: r.get("held_by"),
        team: r.get("team"),
        tier: r.get("tier"),
        owner: r.get("owner"),
        number: r.get("number"),
        zone: r.get("zone"),
        region: r.get("region"),
        caller_name: r.get("caller_name"),
        caller_verified: r.get::<Option<i64>, _>("caller_verified").map(|v| v != 0),
        reason: r.get("reason"),
        quote: r.get("quote"),
        issue_summary: r.get("issue_summary"),
        status: r.get("status"),
        attempts: r.get("attempts"),
        window_start: r.get("window_start"),
        window_end: r.get("window_end"),
        deadline: r.get("deadline"),
        no_window_reason: r.get("no_window_reason"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
        platform_ref: r.get("platform_ref"),
        platform_status: r.get("platform_status"),
        platform_call_id: r.get("platform_call_id"),
    }
}

impl Store {
    /// Records a named callback once per escalation, with its `created` history entry;
    /// returns its id.
    pub async fn record_named_callback(&self, c: &NewCallback<'_>) -> Result<String, StoreError> {
        let mut tx = self.backend.begin(&self.writer).await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM callbacks WHERE escalation_id = $1")
                .bind(c.escalation_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        let inserted = sqlx::query(
            "INSERT INTO callbacks
               (id, reference, escalation_id, vendor, call_id, team, tier, owner, number,
                caller_name, caller_verified, reason, quote, status, created_at, updated_at,
                zone, window_start, window_end, window_start_ms, window_end_ms, held_by,
                platform_ref, region, issue_summary, deadline, no_window_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', $14, $15,
                $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
             ON CONFLICT (escalation_id) DO NOTHING",
        )
        .bind(&id)
        .bind(&c.briefing.reference)
        .bind(c.escalation_id)
        .bind(c.vendor.as_str())
        .bind(c.call_id)
        .bind(&c.target.team)
        .bind(&c.briefing.tier)
        .bind(c.owner)
        .bind(c.number)
        .bind(&c.briefing.caller_name)
        .bind(c.briefing.verified.map(i64::from))
        .bind(&c.briefing.reason)
        .bind(&c.briefing.quote)
        .bind(&now)
        .bind(&now)
        .bind(c.window.ok().map(|w| w.zones.join(" ")))
        .bind(c.window.ok().map(|w| w.start.to_string()))
        .bind(c.window.ok().map(|w| w.end.to_string()))
        .bind(c.window.ok().map(|w| w.start.as_millisecond()))
        .bind(c.window.ok().map(|w| w.end.as_millisecond()))
        .bind(c.held_by)
        .bind(c.platform_ref)
        .bind(c.window.ok().map(|w| w.region.as_str()))
        .bind(&c.briefing.context.summary)
        .bind(c.window.ok().map(|w| w.deadline.to_string()))
        .bind(c.window.err())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            // Another replica recorded it since the look above: theirs stands.
            let id: String =
                sqlx::query_scalar("SELECT id FROM callbacks WHERE escalation_id = $1")
                    .bind(c.escalation_id)
                    .fetch_one(&mut *tx)
                    .await?;
            return Ok(id);
        }
        insert_change(
            &mut tx,
            &id,
            SYSTEM_ACTOR,
            "created",
            None,
            "pending",
            Some(if c.held_by == SYSTEM_ACTOR {
                "no platform action reached the team"
            } else {
                "the platform was asked to place the callback"
            }),
            &serde_json::json!({"owner": c.owner, "window_error": c.window.err()}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Which of `references` (canonical form) are commitments in the log.
    pub async fn existing_references(
        &self,
        references: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for reference in references {
            let hit: Option<String> =
                sqlx::query_scalar("SELECT reference FROM callbacks WHERE reference = $1")
                    .bind(reference)
                    .fetch_optional(&self.reader)
                    .await?;
            found.extend(hit);
        }
        Ok(found)
    }

    /// One commitment by its reference (case and dashes as people type them).
    pub async fn callback(&self, reference: &str) -> Result<Option<CallbackRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM callbacks WHERE reference = $1"
        ))
        .bind(normalize_reference(reference))
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.as_ref().map(record))
    }

    /// Commitments matching `filter`, soonest window first, then oldest.
    pub async fn list_callbacks(
        &self,
        filter: &CallbackFilter,
    ) -> Result<Vec<CallbackRecord>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM callbacks WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        for (column, set) in [
            ("status", filter.status.is_some()),
            ("owner", filter.owner.is_some()),
            ("team", filter.team.is_some()),
        ] {
            if set {
                sql.push_str(&format!(" AND {column} = {}", next()));
            }
        }
        if filter.due_before.is_some() {
            sql.push_str(&format!(
                " AND window_end_ms IS NOT NULL AND window_end_ms < {}",
                next()
            ));
        }
        if filter.overdue {
            sql.push_str(&format!(
                " AND status NOT IN ('completed', 'cancelled') AND window_end_ms IS NOT NULL
                  AND window_end_ms < {}",
                next()
            ));
        }
        sql.push_str(&format!(
            " ORDER BY window_end_ms IS NULL, window_end_ms, created_at LIMIT {}",
            next()
        ));
        let mut query = sqlx::query(&sql);
        if let Some(s) = filter.status {
            query = query.bind(s.as_str());
        }
        if let Some(o) = &filter.owner {
            query = query.bind(o);
        }
        if let Some(t) = &filter.team {
            query = query.bind(t);
        }
        if let Some(d) = filter.due_before {
            query = query.bind(d.as_millisecond());
        }
        if filter.overdue {
            query = query.bind(now_ms());
        }
        let limit = if filter.limit > 0 { filter.limit } else { 100 };
        let rows = query.bind(limit).fetch_all(&self.reader).await?;
        Ok(rows.iter().map(record).collect())
    }

    /// Escalator's named callbacks, newest first.
    pub async fn callbacks(&self, limit: i64) -> Result<Vec<CallbackRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM callbacks ORDER BY created_at DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.iter().map(record).collect())
    }

    /// A commitment's history, oldest first.
    pub async fn callback_history(
        &self,
        callback_id: &str,
    ) -> Result<Vec<CallbackChangeRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, change, from_status, to_status, reason, detail
             FROM callback_changes WHERE callback_id = $1 ORDER BY id",
        )
        .bind(callback_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CallbackChangeRow {
                    at: r.get("at"),
                    actor: r.get("actor"),
                    change: r.get("change"),
                    from_status: r.get("from_status"),
                    to_status: r.get("to_status"),
                    reason: r.get("reason"),
                    detail: serde_json::from_str(r.get::<&str, _>("detail"))?,
                })
            })
            .collect()
    }

    /// Open commitments each person owns, for assigning the next one to whoever has fewest.
    pub async fn open_callbacks_by_owner(
        &self,
        owners: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut out = Vec::with_capacity(owners.len());
        for owner in owners {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM callbacks WHERE owner = $1
                 AND status NOT IN ('completed', 'cancelled')",
            )
            .bind(owner)
            .fetch_one(&self.reader)
            .await?;
            out.push((owner.clone(), n));
        }
        Ok(out)
    }
}

/// The stored form of a reference as a person typed it (case, spaces, O/0 and I/1 forgiven);
/// a malformed one is kept as typed, so it simply finds nothing.
pub(super) fn normalize_reference(reference: &str) -> String {
    crate::reference::canonical(reference).unwrap_or_else(|| reference.trim().to_string())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_change(
    tx: &mut sqlx::AnyConnection,
    callback_id: &str,
    actor: &str,
    change: &str,
    from: Option<&str>,
    to: &str,
    reason: Option<&str>,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO callback_changes
           (callback_id, at, actor, change, from_status, to_status, reason, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(callback_id)
    .bind(now_text())
    .bind(actor)
    .bind(change)
    .bind(from)
    .bind(to)
    .bind(reason)
    .bind(detail.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(())
}
