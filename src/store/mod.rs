//! Durable state on SQLite (WAL): the inbox of events (dedupe), call sessions, escalation
//! records and their steps, and the outbox of actions with leases and attempts.
//!
//! One write connection serialises writers inside the process (SQLite allows one writer
//! anyway) and `BEGIN IMMEDIATE` takes the write lock up front, so concurrent processes on
//! one file wait on `busy_timeout` instead of failing mid-transaction.

mod admin;
mod audit;
mod callback_log;
mod fallback;
mod notifications;
mod outbox;
mod records;
mod reviews;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use escalator_adapters::{Action, CallEvent, EventKind, Vendor};
use jiff::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::playbook::Decision;
use crate::session::{CallSession, OpenEscalation};

pub use admin::{EscalationDetailRow, EscalationFilter, EscalationSummary};
pub use audit::{AuditKey, AuditReport, BrokenRecord};
pub use callback_log::{
    CallbackChange, CallbackChangeRow, CallbackError, CallbackFilter, CallbackRecord,
    CallbackStatus, NewCallback, SYSTEM_ACTOR,
};
pub use fallback::{ArmedRoute, ArmedState};
pub use notifications::{DueNotification, NotificationKind};
pub use outbox::{AttemptRecord, ClaimedAction, Failure};
pub use records::{ActionRow, AttemptRow, EscalationRow, StepRow};
pub use reviews::{ReviewError, ReviewItem, REVIEWED};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored JSON does not decode: {0}")]
    Corrupt(#[from] serde_json::Error),
}

#[derive(Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    audit: std::sync::Arc<AuditKey>,
}

/// An escalation the playbook decided on, with the actions that carry it out.
#[derive(Debug, Clone)]
pub struct Planned {
    pub id: String,
    pub reference: String,
    pub decision: Decision,
    /// `open` when actions follow, `routed` when a routing hook answer carries it out.
    pub status: &'static str,
    pub actions: Vec<Action>,
    pub max_attempts: u32,
    /// Flagged for QA and management review.
    pub review: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Already accepted earlier: no second effect.
    Duplicate,
    /// Kept; nothing to do.
    Recorded,
    /// Kept, never acted on (an event type Escalator does not use).
    Ignored,
    /// Led to an escalation.
    Escalated { id: String, reference: String },
}

impl EventOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Recorded => "recorded",
            EventOutcome::Ignored => "ignored",
            EventOutcome::Escalated { .. } => "escalated",
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

pub(crate) fn now_text() -> String {
    Timestamp::now().to_string()
}

impl Store {
    /// Opens (creating if missing) the database at `url` and applies migrations; audit
    /// links are plain SHA-256.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_audit_key(url, AuditKey::default()).await
    }

    /// [`Store::connect`], with the key that signs the audit chain's links.
    pub async fn connect_with_audit_key(url: &str, audit: AuditKey) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed transaction on a process crash; only an
            // OS crash can roll back the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        let store = Self {
            writer,
            reader,
            audit: std::sync::Arc::new(audit),
        };
        store.seal_unsealed().await?;
        Ok(store)
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Records one delivery's events in a single transaction: each new event is stored
    /// (duplicates are skipped), folded into its call's session and shown to `decide`;
    /// escalations and their actions are written in the same transaction. When this returns
    /// Ok, everything is committed and the delivery may be acknowledged.
    /// `repeat_window` is how far back earlier calls from the same number count as
    /// repeat contact.
    pub async fn record_delivery<F>(
        &self,
        events: &[CallEvent],
        repeat_window: Duration,
        mut decide: F,
    ) -> Result<Vec<EventOutcome>, StoreError>
    where
        F: FnMut(&mut CallSession, &CallEvent) -> Option<Planned>,
    {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let received_at = now_text();
        let mut sessions: HashMap<(Vendor, String), CallSession> = HashMap::new();
        let mut outcomes = Vec::with_capacity(events.len());

        for event in events {
            let inserted = sqlx::query(
                "INSERT INTO inbound_events
                   (vendor, event_id, call_id, kind, occurred_at, received_at, outcome, event,
                    caller_number, occurred_ms)
                 VALUES (?, ?, ?, ?, ?, ?, 'recorded', ?, ?, ?)
                 ON CONFLICT (vendor, event_id) DO NOTHING",
            )
            .bind(event.vendor.as_str())
            .bind(&event.event_id)
            .bind(&event.call_id)
            .bind(event.kind.name())
            .bind(event.occurred_at.to_string())
            .bind(&received_at)
            .bind(serde_json::to_string(event)?)
            .bind(event.caller.number.as_deref())
            .bind(event.occurred_at.as_millisecond())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                outcomes.push(EventOutcome::Duplicate);
                continue;
            }
            if let EventKind::Other { .. } = event.kind {
                mark_outcome(&mut tx, event, "ignored").await?;
                outcomes.push(EventOutcome::Ignored);
                continue;
            }

            let key = (event.vendor, event.call_id.clone());
            if !sessions.contains_key(&key) {
                let loaded = load_session(&mut tx, event.vendor, &event.call_id).await?;
                sessions.insert(key.clone(), loaded);
            }
            let Some(session) = sessions.get_mut(&key) else {
                continue; // inserted just above
            };
            session.apply(event);
            if let (EventKind::CallStarted { .. }, Some(number)) =
                (&event.kind, event.caller.number.as_deref())
            {
                session.prior_calls = prior_calls(&mut tx, event, number, repeat_window).await?;
            }
            let Some(planned) = decide(session, event) else {
                outcomes.push(EventOutcome::Recorded);
                continue;
            };
            for t in &planned.decision.triggers {
                session.fired.insert(t.kind.as_str().to_string());
            }
            if !planned.decision.is_guidance_only() {
                session.escalation = Some(OpenEscalation {
                    id: planned.id.clone(),
                    reference: planned.reference.clone(),
                    team: planned.decision.team.clone(),
                    tier: planned.decision.tier,
                    rank: planned.decision.rank(),
                });
            }
            records::insert_escalation(&mut tx, &self.audit, event, session, &planned).await?;
            mark_outcome(&mut tx, event, "escalated").await?;
            outcomes.push(EventOutcome::Escalated {
                id: planned.id,
                reference: planned.reference,
            });
        }

        for ((vendor, call_id), session) in sessions {
            sqlx::query(
                "INSERT INTO call_sessions (vendor, call_id, state, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (vendor, call_id) DO UPDATE SET state = excluded.state,
                   updated_at = excluded.updated_at",
            )
            .bind(vendor.as_str())
            .bind(&call_id)
            .bind(serde_json::to_string(&session)?)
            .bind(&received_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// The session of a call as last committed (empty when the call is unknown).
    pub async fn session(&self, vendor: Vendor, call_id: &str) -> Result<CallSession, StoreError> {
        let mut conn = self.reader.acquire().await?;
        load_session(&mut conn, vendor, call_id).await
    }

    pub async fn count_events(&self, vendor: Vendor) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM inbound_events WHERE vendor = ?")
                .bind(vendor.as_str())
                .fetch_one(&self.reader)
                .await?,
        )
    }
}

async fn load_session(
    conn: &mut sqlx::SqliteConnection,
    vendor: Vendor,
    call_id: &str,
) -> Result<CallSession, StoreError> {
    let row = sqlx::query("SELECT state FROM call_sessions WHERE vendor = ? AND call_id = ?")
        .bind(vendor.as_str())
        .bind(call_id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(serde_json::from_str(row.get::<&str, _>("state"))?),
        None => Ok(CallSession::default()),
    }
}

/// Other calls from `number` that started within `window` before this one.
async fn prior_calls(
    tx: &mut sqlx::SqliteConnection,
    event: &CallEvent,
    number: &str,
    window: Duration,
) -> Result<u32, StoreError> {
    let since = event.occurred_at.as_millisecond()
        - i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2);
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT call_id) FROM inbound_events
         WHERE vendor = ? AND caller_number = ? AND kind = 'call_started'
           AND call_id != ? AND occurred_ms >= ? AND occurred_ms <= ?",
    )
    .bind(event.vendor.as_str())
    .bind(number)
    .bind(&event.call_id)
    .bind(since)
    .bind(event.occurred_at.as_millisecond())
    .fetch_one(&mut *tx)
    .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

async fn mark_outcome(
    tx: &mut sqlx::SqliteConnection,
    event: &CallEvent,
    outcome: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE inbound_events SET outcome = ? WHERE vendor = ? AND event_id = ?")
        .bind(outcome)
        .bind(event.vendor.as_str())
        .bind(&event.event_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
