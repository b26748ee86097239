//! The inbox's statements, one per batch rather than one per event: a delivery batch's
//! events are inserted in multi-row statements (the dedupe key decides which are new), its
//! calls' sessions loaded in one query and saved in one upsert. Each statement is a round
//! trip to the database (on SQLite, a hand-off to its worker thread), so this is where the
//! write path's time goes.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use escalator_adapters::{CallEvent, EventKind, Vendor};
use sqlx::{AnyConnection, Row};

use super::StoreError;
use crate::session::CallSession;

/// Rows per statement: well under both databases' bound-parameter limits.
const ROWS_PER_STATEMENT: usize = 50;

/// Inserts every event not stored yet (an event kind Escalator does not use is stored as
/// `ignored`, the rest as `recorded`); returns the keys of those inserted now.
pub(super) async fn insert_new<E: Borrow<CallEvent>>(
    tx: &mut AnyConnection,
    events: &[E],
    received_at: &str,
) -> Result<HashSet<(Vendor, String)>, StoreError> {
    let mut inserted = HashSet::with_capacity(events.len());
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = |k: usize| format!("${}", i * 10 + k);
                format!(
                    "({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5),
                    p(6),
                    p(7),
                    p(8),
                    p(9),
                    p(10)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO inbound_events
               (vendor, event_id, call_id, kind, occurred_at, received_at, outcome, event,
                caller_number, occurred_ms)
             VALUES {}
             ON CONFLICT (vendor, event_id) DO NOTHING
             RETURNING vendor, event_id",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for event in chunk {
            let event = event.borrow();
            let outcome = match event.kind {
                EventKind::Other { .. } => "ignored",
                _ => "recorded",
            };
            query = query
                .bind(event.vendor.as_str())
                .bind(&event.event_id)
                .bind(&event.call_id)
                .bind(event.kind.name())
                .bind(event.occurred_at.to_string())
                .bind(received_at)
                .bind(outcome)
                .bind(serde_json::to_string(event)?)
                .bind(event.caller.number.as_deref())
                .bind(event.occurred_at.as_millisecond());
        }
        for row in query.fetch_all(&mut *tx).await? {
            let vendor: String = row.get("vendor");
            if let Ok(vendor) = vendor.parse::<Vendor>() {
                inserted.insert((vendor, row.get::<String, _>("event_id")));
            }
        }
    }
    Ok(inserted)
}

/// The sessions of `calls` as last committed (empty for a call not seen before).
pub(super) async fn load_sessions(
    tx: &mut AnyConnection,
    calls: &[(Vendor, String)],
) -> Result<HashMap<(Vendor, String), CallSession>, StoreError> {
    let mut sessions: HashMap<(Vendor, String), CallSession> = calls
        .iter()
        .map(|k| (k.clone(), CallSession::default()))
        .collect();
    for chunk in calls.chunks(ROWS_PER_STATEMENT) {
        let wanted: Vec<String> = (0..chunk.len())
            .map(|i| format!("(vendor = ${} AND call_id = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "SELECT vendor, call_id, state FROM call_sessions WHERE {}",
            wanted.join(" OR ")
        );
        let mut query = sqlx::query(&sql);
        for (vendor, call_id) in chunk {
            query = query.bind(vendor.as_str()).bind(call_id);
        }
        for row in query.fetch_all(&mut *tx).await? {
            let vendor: String = row.get("vendor");
            let Ok(vendor) = vendor.parse::<Vendor>() else {
                continue;
            };
            let state: CallSession = serde_json::from_str(row.get::<&str, _>("state"))?;
            sessions.insert((vendor, row.get("call_id")), state);
        }
    }
    Ok(sessions)
}

/// Saves `sessions` (each call once) in multi-row upserts.
pub(super) async fn save_sessions(
    tx: &mut AnyConnection,
    sessions: &HashMap<(Vendor, String), CallSession>,
    updated_at: &str,
) -> Result<(), StoreError> {
    let all: Vec<(&(Vendor, String), &CallSession)> = sessions.iter().collect();
    for chunk in all.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    4 * i + 1,
                    4 * i + 2,
                    4 * i + 3,
                    4 * i + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO call_sessions (vendor, call_id, state, updated_at) VALUES {}
             ON CONFLICT (vendor, call_id) DO UPDATE SET state = excluded.state,
               updated_at = excluded.updated_at",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for ((vendor, call_id), session) in chunk {
            query = query
                .bind(vendor.as_str())
                .bind(call_id)
                .bind(serde_json::to_string(session)?)
                .bind(updated_at);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// For each call start in `events` that has a caller number: how many other calls from
/// that number started within `window` before it (repeat contact). One query per vendor
/// present, instead of one per call; rows of this batch already inserted count too.
pub(super) async fn prior_calls<E: Borrow<CallEvent>>(
    tx: &mut AnyConnection,
    events: &[E],
    window: Duration,
) -> Result<HashMap<(Vendor, String), u32>, StoreError> {
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2);
    let starts: Vec<(&CallEvent, &str)> = events
        .iter()
        .map(Borrow::borrow)
        .filter(|e| matches!(e.kind, EventKind::CallStarted { .. }))
        .filter_map(|e| Some((e, e.caller.number.as_deref()?)))
        .collect();
    let mut counts = HashMap::with_capacity(starts.len());
    let mut vendors: Vec<Vendor> = starts.iter().map(|(e, _)| e.vendor).collect();
    vendors.sort();
    vendors.dedup();
    for vendor in vendors {
        let ours: Vec<&(&CallEvent, &str)> =
            starts.iter().filter(|(e, _)| e.vendor == vendor).collect();
        let mut numbers: Vec<&str> = ours.iter().map(|(_, n)| *n).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let from = ours
            .iter()
            .map(|(e, _)| e.occurred_at.as_millisecond())
            .min()
            .unwrap_or_default()
            .saturating_sub(window_ms);
        let to = ours
            .iter()
            .map(|(e, _)| e.occurred_at.as_millisecond())
            .max()
            .unwrap_or_default();
        // Earlier starts of these numbers: (number, call, when).
        let mut earlier: Vec<(String, String, i64)> = Vec::new();
        for chunk in numbers.chunks(ROWS_PER_STATEMENT) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
            let sql = format!(
                "SELECT caller_number, call_id, occurred_ms FROM inbound_events
                 WHERE vendor = $1 AND kind = 'call_started' AND occurred_ms >= $2
                   AND occurred_ms <= $3 AND caller_number IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(vendor.as_str()).bind(from).bind(to);
            for number in chunk {
                query = query.bind(*number);
            }
            for row in query.fetch_all(&mut *tx).await? {
                earlier.push((row.get(0), row.get(1), row.get(2)));
            }
        }
        for (event, number) in ours {
            let at = event.occurred_at.as_millisecond();
            let others: HashSet<&str> = earlier
                .iter()
                .filter(|(n, call, when)| {
                    n == number && *call != event.call_id && (at - window_ms..=at).contains(when)
                })
                .map(|(_, call, _)| call.as_str())
                .collect();
            counts.insert(
                (vendor, event.event_id.clone()),
                u32::try_from(others.len()).unwrap_or(u32::MAX),
            );
        }
    }
    Ok(counts)
}
