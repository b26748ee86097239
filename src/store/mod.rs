//! Durable state: the inbox of events (dedupe), call sessions, escalation records and
//! their steps, and the outbox of actions with leases and attempts. One implementation on
//! SQLite (one instance) or PostgreSQL (several replicas); where they differ: [`backend`].

mod admin;
mod audit;
mod backend;
mod callback_log;
mod fallback;
mod hold_watch;
mod inbox;
mod lifecycle;
mod notifications;
mod outbox;
mod records;
mod reviews;
mod semantic_queue;
#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::time::Duration;

use escalator_adapters::{Action, CallEvent, EventKind, Vendor};
use jiff::Timestamp;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::playbook::Decision;
use crate::session::{CallSession, OpenEscalation};

pub use admin::{EscalationDetailRow, EscalationFilter, EscalationSummary};
pub use audit::{AuditKey, AuditReport, BrokenRecord};
pub use backend::{Backend, DEFAULT_MAX_CONNECTIONS};
pub use callback_log::{
    CallbackChange, CallbackChangeRow, CallbackError, CallbackFilter, CallbackRecord,
    CallbackStatus, NewCallback, SYSTEM_ACTOR,
};
pub use fallback::{ArmedRoute, ArmedState};
pub use hold_watch::{hold_due_ms, HoldFired, HoldVerdict, HoldWatch};
pub use notifications::{DueNotification, NotificationKind};
pub use outbox::{AttemptRecord, ClaimedAction, Failure};
pub use records::{ActionRow, AttemptRow, EscalationRow, StepRow};
pub use reviews::{ReviewError, ReviewItem, REVIEWED};
pub use semantic_queue::{
    scored_utterance, ClaimedUtterance, QueueStats, ScoreIntake, ScoredPlans, Swept,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored JSON does not decode: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("store.url: {0}")]
    Url(String),
    /// The action's lease expired and another worker holds it now.
    #[error("the action's lease was lost to another worker")]
    LeaseLost,
}

#[derive(Clone)]
pub struct Store {
    /// SQLite's single write connection, or the PostgreSQL pool.
    writer: AnyPool,
    /// SQLite's read-only connections, or the same PostgreSQL pool.
    reader: AnyPool,
    backend: Backend,
    audit: std::sync::Arc<AuditKey>,
}

/// How a store is opened, beside its URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The key that signs the audit chain's links.
    pub audit: AuditKey,
    /// Connections the PostgreSQL pool opens at most (SQLite always writes through one).
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            audit: AuditKey::default(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
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

/// The playbook's times that recording a delivery needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// How far back earlier calls from the same number count as repeat contact.
    pub repeat_window: Duration,
    /// How long a hold may last before `long_hold` fires; `None`: holds are not watched
    /// while they last (only events notice them).
    pub long_hold: Option<Duration>,
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
        Self::open(
            url,
            StoreOptions {
                audit,
                ..StoreOptions::default()
            },
        )
        .await
    }

    /// Opens the SQLite file (creating it if missing) or the PostgreSQL database `url`
    /// names, and applies that backend's migrations.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let backend = Backend::of_url(url).map_err(StoreError::Url)?;
        let pools = backend::open(url, backend, options.max_connections).await?;
        let store = Self {
            writer: pools.writer,
            reader: pools.reader,
            backend,
            audit: std::sync::Arc::new(options.audit),
        };
        store.seal_unsealed().await?;
        Ok(store)
    }

    /// The database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (waiting for those in use to come back).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
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
    pub async fn record_delivery<E, F>(
        &self,
        events: &[E],
        repeat_window: Duration,
        mut decide: F,
    ) -> Result<Vec<EventOutcome>, StoreError>
    where
        E: Borrow<CallEvent>,
        F: FnMut(&mut CallSession, &CallEvent) -> Option<Planned>,
    {
        let timing = Timing {
            repeat_window,
            long_hold: None,
        };
        self.record_delivery_scored(events, timing, None, |session, event, _| {
            decide(session, event)
        })
        .await
    }

    /// [`Store::record_delivery`]; with `scoring`, each new customer final utterance is also
    /// queued for the semantic layer in the same transaction while the queue has room (one
    /// more statement per batch that has one, none otherwise). `decide` is told whether the
    /// event was queued. A hold that starts is watched (`timing.long_hold`) so `long_hold`
    /// fires while it lasts ([`Store::fire_hold_watch`]).
    pub async fn record_delivery_scored<E, F>(
        &self,
        events: &[E],
        timing: Timing,
        scoring: Option<ScoreIntake>,
        mut decide: F,
    ) -> Result<Vec<EventOutcome>, StoreError>
    where
        E: Borrow<CallEvent>,
        F: FnMut(&mut CallSession, &CallEvent, bool) -> Option<Planned>,
    {
        let mut tx = self.backend.begin(&self.writer).await?;
        let calls: Vec<String> = events
            .iter()
            .map(|e| e.borrow())
            .map(|e| format!("{}:{}", e.vendor.as_str(), e.call_id))
            .collect();
        self.backend.lock_calls(&mut tx, &calls).await?;
        let received_at = now_text();
        let mut outcomes = Vec::with_capacity(events.len());

        let mut new = inbox::insert_new(&mut tx, events, &received_at).await?;
        let mut touched: Vec<(Vendor, String)> = events
            .iter()
            .map(|e| e.borrow())
            .filter(|e| !matches!(e.kind, EventKind::Other { .. }))
            .filter(|e| new.contains(&(e.vendor, e.event_id.clone())))
            .map(|e| (e.vendor, e.call_id.clone()))
            .collect();
        touched.sort();
        touched.dedup();
        let mut sessions = inbox::load_sessions(&mut tx, &touched).await?;
        let priors = inbox::prior_calls(&mut tx, events, timing.repeat_window).await?;
        let mut room = match scoring {
            Some(intake)
                if events
                    .iter()
                    .any(|e| scored_utterance(e.borrow()).is_some()) =>
            {
                semantic_queue::room(&mut tx, intake).await?
            }
            _ => 0,
        };
        let mut queued: Vec<(&CallEvent, bool)> = Vec::new();
        let mut queue_full = 0u64;

        for event in events.iter().map(|e| e.borrow()) {
            // The first of repeated copies in one batch is the new one.
            if !new.remove(&(event.vendor, event.event_id.clone())) {
                outcomes.push(EventOutcome::Duplicate);
                continue;
            }
            if let EventKind::Other { .. } = event.kind {
                outcomes.push(EventOutcome::Ignored);
                continue;
            }
            let session = sessions
                .entry((event.vendor, event.call_id.clone()))
                .or_default();
            session.apply(event);
            if matches!(
                event.kind,
                EventKind::TransferResult { .. } | EventKind::CallEnded { .. }
            ) {
                lifecycle::on_call_event(&mut tx, &self.audit, session, event).await?;
            }
            if matches!(
                event.kind,
                EventKind::HoldStarted | EventKind::HoldEnded { .. } | EventKind::CallEnded { .. }
            ) {
                hold_watch::on_call_event(&mut tx, session, event, timing.long_hold).await?;
            }
            if let Some(prior) = priors.get(&(event.vendor, event.event_id.clone())) {
                session.prior_calls = *prior;
            }
            let mut scored = false;
            if scoring.is_some() && scored_utterance(event).is_some() {
                if room > 0 {
                    room -= 1;
                    scored = true;
                    queued.push((event, session.sentiment.is_some()));
                } else {
                    queue_full += 1;
                }
            }
            let Some(planned) = decide(session, event, scored) else {
                outcomes.push(EventOutcome::Recorded);
                continue;
            };
            commit_planned(&mut tx, &self.audit, &Origin::of(event), session, &planned).await?;
            outcomes.push(EventOutcome::Escalated {
                id: planned.id,
                reference: planned.reference,
            });
        }

        semantic_queue::enqueue(&mut tx, &queued).await?;
        inbox::save_sessions(&mut tx, &sessions, &received_at).await?;
        tx.commit().await?;
        if queue_full > 0 {
            metrics::counter!("escalator_semantic_skipped_total", "reason" => "queue_full")
                .increment(queue_full);
        }
        Ok(outcomes)
    }

    /// The session of a call as last committed (empty when the call is unknown).
    pub async fn session(&self, vendor: Vendor, call_id: &str) -> Result<CallSession, StoreError> {
        let mut conn = self.reader.acquire().await?;
        load_session(&mut conn, vendor, call_id).await
    }

    pub async fn count_events(&self, vendor: Vendor) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM inbound_events WHERE vendor = $1")
                .bind(vendor.as_str())
                .fetch_one(&self.reader)
                .await?,
        )
    }
}

async fn load_session(
    conn: &mut AnyConnection,
    vendor: Vendor,
    call_id: &str,
) -> Result<CallSession, StoreError> {
    let row = sqlx::query("SELECT state FROM call_sessions WHERE vendor = $1 AND call_id = $2")
        .bind(vendor.as_str())
        .bind(call_id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(serde_json::from_str(row.get::<&str, _>("state"))?),
        None => Ok(CallSession::default()),
    }
}

/// The event a decision was taken on.
pub(crate) struct Origin<'a> {
    pub vendor: Vendor,
    pub call_id: &'a str,
    pub event_id: &'a str,
}

impl<'a> Origin<'a> {
    fn of(event: &'a CallEvent) -> Self {
        Self {
            vendor: event.vendor,
            call_id: &event.call_id,
            event_id: &event.event_id,
        }
    }
}

/// Records a decision taken on `origin` with the session it changes: a new escalation that
/// brings someone on supersedes the call's open one (one path per call).
async fn commit_planned(
    tx: &mut AnyConnection,
    audit: &AuditKey,
    origin: &Origin<'_>,
    session: &mut CallSession,
    planned: &Planned,
) -> Result<(), StoreError> {
    let superseded = match &session.escalation {
        Some(old) if !planned.decision.is_guidance_only() && planned.status == "open" => {
            Some(old.id.clone())
        }
        _ => None,
    };
    note_decision(session, planned);
    records::insert_escalation(tx, audit, origin, session, planned).await?;
    if let Some(old) = superseded {
        lifecycle::supersede(tx, audit, &old, &planned.reference).await?;
    }
    mark_outcome_of(tx, origin, "escalated").await
}

/// What a decision changes in the call's session: its triggers fired (each fires once),
/// and when it brings someone on (not guidance, an alert or a review), the open escalation.
fn note_decision(session: &mut CallSession, planned: &Planned) {
    for t in &planned.decision.triggers {
        session.fired.insert(t.kind.as_str().to_string());
    }
    if planned.decision.opens_escalation() {
        let primary = planned.decision.primary();
        session.history.push(crate::session::EscalationNote {
            reference: planned.reference.clone(),
            trigger: primary.kind.as_str().to_string(),
            team: planned.decision.team.clone(),
            at: primary.at,
        });
        session.escalation = Some(OpenEscalation {
            id: planned.id.clone(),
            reference: planned.reference.clone(),
            team: planned.decision.team.clone(),
            tier: planned.decision.tier,
            rank: planned.decision.rank(),
        });
    }
}

async fn mark_outcome_of(
    tx: &mut AnyConnection,
    origin: &Origin<'_>,
    outcome: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE inbound_events SET outcome = $1 WHERE vendor = $2 AND event_id = $3")
        .bind(outcome)
        .bind(origin.vendor.as_str())
        .bind(origin.event_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
