//! Callbacks carried out by a platform's dialler show up as that platform's call events: an
//! outbound call to a callback's number is an attempt at it; the call's end, with an agent
//! connected and a disposition that is not a no-contact one, completes it. This is how the
//! log learns the outcome on platforms whose API cannot read a callback back (Five9 list
//! records, Nextiva leads).

use escalator_adapters::{CallEvent, Direction, EventKind, Vendor};

use crate::store::{CallbackChange, EventOutcome, Store};

/// Dispositions and end reasons that mean the caller was not reached.
const NO_CONTACT: &[&str] = &[
    "no answer",
    "no_answer",
    "noanswer",
    "busy",
    "voicemail",
    "voice mail",
    "answering machine",
    "machine",
    "fax",
    "invalid",
    "wrong number",
    "not reached",
    "no contact",
    "abandon",
    "failed",
    "timeout",
];

fn reached(reason: Option<&str>) -> bool {
    let reason = reason.unwrap_or_default().to_lowercase();
    !NO_CONTACT.iter().any(|n| reason.contains(n))
}

fn connected_state(call_id: &str) -> String {
    format!("call {call_id} agent connected")
}

/// The events of a committed delivery that may concern a callback a platform holds: new
/// outbound call starts, agents connecting and calls ending (a small share of all events).
pub fn platform_call_events<'a>(
    events: &'a [CallEvent],
    outcomes: &'a [EventOutcome],
) -> impl Iterator<Item = &'a CallEvent> {
    events
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| **outcome != EventOutcome::Duplicate)
        .filter(|(event, _)| {
            matches!(
                event.kind,
                EventKind::CallStarted {
                    direction: Some(Direction::Outbound),
                    ..
                } | EventKind::AgentConnected { .. }
                    | EventKind::CallEnded { .. }
            )
        })
        .map(|(event, _)| event)
}

/// Records what newly accepted call events (from [`platform_call_events`]) say about
/// callbacks their platform holds. The calls carrying such callbacks are looked up for the
/// whole batch at once, since almost no call is one. A failure is logged and leaves the
/// commitment to the scheduler's overdue escalation.
pub async fn record_platform_calls(store: &Store, events: &[&CallEvent]) {
    if events.is_empty() {
        return;
    }
    let calls: Vec<(Vendor, &str)> = events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::CallStarted { .. }))
        .map(|e| (e.vendor, e.call_id.as_str()))
        .collect();
    let mut carrying = match store.platform_calls_among(&calls).await {
        Ok(carrying) => carrying,
        Err(e) => {
            tracing::error!(error = %e, "looking up the platform calls that carry callbacks failed");
            return;
        }
    };
    for event in events {
        let outbound_start = matches!(event.kind, EventKind::CallStarted { .. });
        if !outbound_start && !carrying.contains(&(event.vendor, event.call_id.clone())) {
            continue;
        }
        match record_one(store, event).await {
            // Its agent and its end may be in this same batch.
            Ok(true) => {
                carrying.insert((event.vendor, event.call_id.clone()));
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(vendor = %event.vendor, call_id = %event.call_id, error = %e, "matching a platform call to a callback failed")
            }
        }
    }
}

/// Records one event; true when it is an outbound call now known to carry a callback.
async fn record_one(store: &Store, event: &CallEvent) -> Result<bool, crate::store::CallbackError> {
    let vendor = event.vendor;
    let call = event.call_id.as_str();
    match &event.kind {
        EventKind::CallStarted {
            direction: Some(Direction::Outbound),
            ..
        } => {
            let Some(number) = event.caller.number.as_deref() else {
                return Ok(false);
            };
            let Some(cb) = store.platform_callback_for_number(vendor, number).await? else {
                return Ok(false);
            };
            let attempt = CallbackChange::Attempt {
                outcome: "dialled".into(),
                notes: format!("{vendor} call {call} to the callback number"),
            };
            store
                .record_platform_state(
                    &cb.reference,
                    vendor,
                    &format!("call {call} dialled"),
                    Some(call),
                    &[attempt],
                )
                .await?;
            return Ok(true);
        }
        EventKind::AgentConnected { .. } => {
            if let Some(cb) = store.callback_by_platform_call(vendor, call).await? {
                store
                    .record_platform_state(&cb.reference, vendor, &connected_state(call), None, &[])
                    .await?;
            }
        }
        EventKind::CallEnded { reason } => {
            let Some(cb) = store.callback_by_platform_call(vendor, call).await? else {
                return Ok(false);
            };
            let agent_was_on = cb.platform_status.as_deref() == Some(&connected_state(call));
            let said = reason.as_deref().unwrap_or("no reason given");
            let changes = if agent_was_on && reached(reason.as_deref()) {
                vec![CallbackChange::Complete {
                    notes: format!("{vendor} call {call} ended: {said}"),
                }]
            } else {
                // Not reached: the dial is already an attempt; the platform may retry, and
                // the overdue escalation follows if the window passes.
                Vec::new()
            };
            store
                .record_platform_state(
                    &cb.reference,
                    vendor,
                    &format!("call {call} ended: {said}"),
                    None,
                    &changes,
                )
                .await?;
        }
        _ => {}
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_contact_dispositions_are_not_reached() {
        for r in [
            "No Answer",
            "Busy",
            "Answering Machine",
            "Voicemail left",
            "FAX",
        ] {
            assert!(!reached(Some(r)), "{r}");
        }
        for r in ["Resolved", "Callback Completed", "Sale"] {
            assert!(reached(Some(r)), "{r}");
        }
        assert!(reached(None));
    }
}
