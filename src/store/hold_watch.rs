//! Long holds noticed while they last. A hold's start plans a watch, due when the hold
//! would pass the playbook's `hold_seconds`, in the transaction that records the start; the
//! hold's or the call's end removes it in theirs. When due, the watch is taken in a
//! transaction under the call's lock (the one deliveries take), so the playbook decides on
//! the session as it stands, exactly as if an event had arrived then, and the escalation is
//! recorded with the row's removal: once, across restarts and replicas.

use std::collections::HashMap;
use std::time::Duration;

use escalator_adapters::{CallEvent, EventKind, Vendor};
use sqlx::{AnyConnection, Row};

use super::{inbox, load_session, now_ms, now_text, Origin, Planned, Store, StoreError};
use crate::playbook::TriggerKind;
use crate::session::CallSession;

/// A hold being watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldWatch {
    pub vendor: Vendor,
    pub call_id: String,
    /// The `hold_started` event: the origin of an escalation the watch leads to.
    pub event_id: String,
    pub hold_started_ms: i64,
    pub due_ms: i64,
}

/// What the playbook made of a due watch.
#[derive(Debug)]
pub enum HoldVerdict {
    /// Decided (an escalation, an alert) or nothing to do.
    Decided(Option<Box<Planned>>),
    /// The hold is not yet long enough under the playbook in force now (its `hold_seconds`
    /// was raised since the watch was planned): watch again until `due_ms`.
    NotYet { due_ms: i64 },
}

/// What taking a due watch did.
#[derive(Debug)]
pub enum HoldFired {
    /// Another replica took it first, or the hold or call it watched is over.
    Nothing,
    Rearmed,
    Decided(Option<Box<Planned>>),
}

/// When a hold that started at `started_ms` passes `hold_seconds` (the trigger needs more
/// than that many whole seconds).
pub fn hold_due_ms(started_ms: i64, hold_seconds: u64) -> i64 {
    let after =
        i64::try_from(hold_seconds.saturating_add(1).saturating_mul(1000)).unwrap_or(i64::MAX);
    started_ms.saturating_add(after)
}

/// Folds a hold event, or the call's end, into the call's watch: a hold that starts is
/// watched (unless `long_hold` already fired, the call ended or no threshold is given), and
/// any other hold event or the call's end stops the watch.
pub(super) async fn on_call_event(
    tx: &mut AnyConnection,
    session: &CallSession,
    event: &CallEvent,
    hold_after: Option<Duration>,
) -> Result<(), StoreError> {
    let watch = match (&event.kind, session.hold_started_at, hold_after) {
        (EventKind::HoldStarted, Some(started), Some(after))
            if !session.ended && !session.fired.contains(TriggerKind::LongHold.as_str()) =>
        {
            Some((started.as_millisecond(), after))
        }
        (
            EventKind::HoldStarted | EventKind::HoldEnded { .. } | EventKind::CallEnded { .. },
            ..,
        ) => None,
        _ => return Ok(()),
    };
    let Some((started_ms, after)) = watch else {
        stop(tx, event.vendor, &event.call_id).await?;
        return Ok(());
    };
    upsert(
        tx,
        &HoldWatch {
            vendor: event.vendor,
            call_id: event.call_id.clone(),
            event_id: event.event_id.clone(),
            hold_started_ms: started_ms,
            due_ms: hold_due_ms(started_ms, after.as_secs()),
        },
    )
    .await
}

async fn upsert(tx: &mut AnyConnection, w: &HoldWatch) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO hold_watches (vendor, call_id, event_id, hold_started_ms, due_ms)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (vendor, call_id) DO UPDATE SET event_id = excluded.event_id,
           hold_started_ms = excluded.hold_started_ms, due_ms = excluded.due_ms",
    )
    .bind(w.vendor.as_str())
    .bind(&w.call_id)
    .bind(&w.event_id)
    .bind(w.hold_started_ms)
    .bind(w.due_ms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn stop(tx: &mut AnyConnection, vendor: Vendor, call_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM hold_watches WHERE vendor = $1 AND call_id = $2")
        .bind(vendor.as_str())
        .bind(call_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Store {
    /// Watches due now, soonest first, at most `limit`.
    pub async fn due_hold_watches(&self, limit: u32) -> Result<Vec<HoldWatch>, StoreError> {
        let rows = sqlx::query(
            "SELECT vendor, call_id, event_id, hold_started_ms, due_ms FROM hold_watches
             WHERE due_ms <= $1 ORDER BY due_ms LIMIT $2",
        )
        .bind(now_ms())
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(HoldWatch {
                    // Only this service writes the column, from `Vendor::as_str`.
                    vendor: r.get::<&str, _>("vendor").parse().ok()?,
                    call_id: r.get("call_id"),
                    event_id: r.get("event_id"),
                    hold_started_ms: r.get("hold_started_ms"),
                    due_ms: r.get("due_ms"),
                })
            })
            .collect())
    }

    /// When the next watch is due (epoch ms), if any.
    pub async fn next_hold_watch_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT MIN(due_ms) FROM hold_watches")
            .fetch_one(&self.reader)
            .await?)
    }

    /// Takes a due watch in one transaction: removes it (nothing when another replica took
    /// it first), and while the call is still on the hold it watched, lets `decide` decide
    /// on the session and records what it planned as a delivery's decisions are recorded.
    pub async fn fire_hold_watch<F>(
        &self,
        watch: &HoldWatch,
        decide: F,
    ) -> Result<HoldFired, StoreError>
    where
        F: FnOnce(&mut CallSession) -> HoldVerdict,
    {
        let mut tx = self.backend.begin(&self.writer).await?;
        let call = format!("{}:{}", watch.vendor.as_str(), watch.call_id);
        self.backend
            .lock_calls(&mut tx, std::slice::from_ref(&call))
            .await?;
        let taken = sqlx::query(
            "DELETE FROM hold_watches
             WHERE vendor = $1 AND call_id = $2 AND hold_started_ms = $3 AND due_ms = $4",
        )
        .bind(watch.vendor.as_str())
        .bind(&watch.call_id)
        .bind(watch.hold_started_ms)
        .bind(watch.due_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken == 0 {
            return Ok(HoldFired::Nothing);
        }
        let mut session = load_session(&mut tx, watch.vendor, &watch.call_id).await?;
        let still_held =
            session.hold_started_at.map(|t| t.as_millisecond()) == Some(watch.hold_started_ms);
        if session.ended || !still_held {
            tx.commit().await?;
            return Ok(HoldFired::Nothing);
        }
        let fired = match decide(&mut session) {
            HoldVerdict::NotYet { due_ms } => {
                upsert(
                    &mut tx,
                    &HoldWatch {
                        due_ms,
                        ..watch.clone()
                    },
                )
                .await?;
                HoldFired::Rearmed
            }
            HoldVerdict::Decided(planned) => {
                if let Some(planned) = &planned {
                    let origin = Origin {
                        vendor: watch.vendor,
                        call_id: &watch.call_id,
                        event_id: &watch.event_id,
                    };
                    super::commit_planned(&mut tx, &self.audit, &origin, &mut session, planned)
                        .await?;
                    let sessions: HashMap<_, _> =
                        [((watch.vendor, watch.call_id.clone()), session)].into();
                    inbox::save_sessions(&mut tx, &sessions, &now_text()).await?;
                }
                HoldFired::Decided(planned)
            }
        };
        tx.commit().await?;
        Ok(fired)
    }

    /// The watch on `vendor`'s call `call_id`, if one is planned.
    pub async fn hold_watch(
        &self,
        vendor: Vendor,
        call_id: &str,
    ) -> Result<Option<HoldWatch>, StoreError> {
        let row = sqlx::query(
            "SELECT event_id, hold_started_ms, due_ms FROM hold_watches
             WHERE vendor = $1 AND call_id = $2",
        )
        .bind(vendor.as_str())
        .bind(call_id)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.map(|r| HoldWatch {
            vendor,
            call_id: call_id.to_string(),
            event_id: r.get("event_id"),
            hold_started_ms: r.get("hold_started_ms"),
            due_ms: r.get("due_ms"),
        }))
    }
}
