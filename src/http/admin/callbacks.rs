//! `/api/v1/callbacks`: the Supervisor Callback Log, listed with filters, one commitment
//! with its history, and the changes a person makes (each recorded with who and why).

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query as AxumQuery, State};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use super::input::{Body, Query};
use super::{malformed_query, AdminError, AdminState};
use crate::store::{CallbackChange, CallbackFilter, CallbackStatus, Store};

const STATUSES: &str = "pending, attempted, completed, missed, rescheduled, cancelled";

/// The filter a query string asks for; bad values are named.
pub fn filter(pairs: HashMap<String, String>) -> Result<CallbackFilter, AdminError> {
    let q = Query::new(
        pairs,
        &["status", "owner", "team", "due_before", "overdue", "limit"],
    )?;
    let status = match q.get("status") {
        None => None,
        Some(s) => Some(CallbackStatus::parse(&s).ok_or_else(|| {
            AdminError::invalid("status", format!("{s:?} is not one of {STATUSES}"))
        })?),
    };
    Ok(CallbackFilter {
        status,
        owner: q.get("owner"),
        team: q.get("team"),
        due_before: q.time("due_before")?,
        overdue: q.flag("overdue")?,
        limit: q.limit()?,
    })
}

pub async fn list(store: &Store, filter: &CallbackFilter) -> Result<Value, AdminError> {
    let callbacks = store.list_callbacks(filter).await?;
    Ok(json!({"count": callbacks.len(), "callbacks": callbacks}))
}

/// One commitment and its history, by reference however typed.
pub async fn show(store: &Store, reference: &str) -> Result<Value, AdminError> {
    let Some(callback) = store.callback(reference).await? else {
        return Err(unknown_reference(store, reference).await);
    };
    let history = store.callback_history(&callback.id).await?;
    Ok(json!({"callback": callback, "history": history}))
}

/// The change a POST to `…/{reference}/{kind}` asks for, and who makes it.
pub fn change(kind: &str, bytes: &[u8]) -> Result<(String, CallbackChange), AdminError> {
    let allowed: &[&str] = match kind {
        "reschedule" => &["window_start", "window_end", "reason", "actor"],
        "reassign" => &["owner", "reason", "actor"],
        "attempts" => &["outcome", "notes", "actor"],
        "complete" => &["notes", "actor"],
        "cancel" => &["reason", "actor"],
        _ => return Err(AdminError::NoRoute),
    };
    let body = Body::parse(bytes, allowed)?;
    let actor = body.required("actor", "say who makes the change")?;
    let reason = || body.required("reason", "say why (it is kept in the callback's history)");
    let notes = || body.optional("notes").map(Option::unwrap_or_default);
    let change = match kind {
        "reschedule" => CallbackChange::Reschedule {
            window_start: body.time("window_start")?,
            window_end: body.time("window_end")?,
            reason: reason()?,
        },
        "reassign" => CallbackChange::Reassign {
            owner: body.required("owner", "name the person who owns the callback now")?,
            reason: reason()?,
        },
        "attempts" => CallbackChange::Attempt {
            outcome: body.required(
                "outcome",
                "say what happened (no_answer, voicemail, busy, reached…)",
            )?,
            notes: notes()?,
        },
        "complete" => CallbackChange::Complete { notes: notes()? },
        "cancel" => CallbackChange::Cancel { reason: reason()? },
        _ => return Err(AdminError::NoRoute),
    };
    Ok((actor, change))
}

pub async fn apply(
    store: &Store,
    reference: &str,
    actor: &str,
    change: &CallbackChange,
) -> Result<Value, AdminError> {
    if store.callback(reference).await?.is_none() {
        return Err(unknown_reference(store, reference).await);
    }
    let record = store.change_callback(reference, actor, change).await?;
    show(store, &record.reference).await
}

/// Not found, saying so plainly when the reference was mistyped (its check character does
/// not match) and naming the commitments it is one character away from.
async fn unknown_reference(store: &Store, reference: &str) -> AdminError {
    let Some(near) = crate::reference::near_misses(reference) else {
        return AdminError::NotFound(format!("no callback with reference {reference}"));
    };
    let found = match store.existing_references(&near).await {
        Ok(found) => found,
        Err(e) => return e.into(),
    };
    AdminError::NotFound(if found.is_empty() {
        format!(
            "check character does not match: {reference} is mistyped (no callback is one \
             character away from it); check it with the caller"
        )
    } else {
        format!(
            "check character does not match — did you mean {}?",
            found.join(" or ")
        )
    })
}

pub async fn get_list(
    State(state): State<AdminState>,
    query: Result<AxumQuery<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, AdminError> {
    let AxumQuery(pairs) = query.map_err(malformed_query)?;
    Ok(Json(list(&state.store, &filter(pairs)?).await?))
}

pub async fn get_one(
    State(state): State<AdminState>,
    Path(reference): Path<String>,
) -> Result<Json<Value>, AdminError> {
    Ok(Json(show(&state.store, &reference).await?))
}

async fn post(state: &AdminState, reference: &str, kind: &str, body: &[u8]) -> AdminResult {
    let (actor, change) = change(kind, body)?;
    if let CallbackChange::Reschedule {
        window_start,
        window_end,
        ..
    } = &change
    {
        lawful(state, reference, *window_start, *window_end).await?;
    }
    Ok(Json(apply(&state.store, reference, &actor, &change).await?))
}

/// A window a person commits must be one the callee may be called in (never moved for
/// them: refused, with what to change).
async fn lawful(
    state: &AdminState,
    reference: &str,
    start: jiff::Timestamp,
    end: jiff::Timestamp,
) -> Result<(), AdminError> {
    let Some(record) = state.store.callback(reference).await? else {
        // Unknown references are answered by the change itself (404).
        return Ok(());
    };
    if end <= start {
        return Ok(()); // the store names `window_end`
    }
    crate::callbacks::check_reschedule(
        &state.callbacks,
        &record.team,
        jiff::Timestamp::now(),
        start,
        end,
    )
    .map_err(|why| AdminError::invalid("window_start", why))?;
    let Some(number) = &record.number else {
        return Ok(());
    };
    let recorded = record.zone.as_deref().zip(record.region.as_deref());
    crate::callbacks::check_window(&state.callbacks, number, recorded, start, end)
        .map_err(|why| AdminError::invalid("window_start", why))
}

type AdminResult = Result<Json<Value>, AdminError>;

pub async fn reschedule(s: State<AdminState>, Path(r): Path<String>, b: Bytes) -> AdminResult {
    post(&s, &r, "reschedule", &b).await
}

pub async fn reassign(s: State<AdminState>, Path(r): Path<String>, b: Bytes) -> AdminResult {
    post(&s, &r, "reassign", &b).await
}

pub async fn attempt(s: State<AdminState>, Path(r): Path<String>, b: Bytes) -> AdminResult {
    post(&s, &r, "attempts", &b).await
}

pub async fn complete(s: State<AdminState>, Path(r): Path<String>, b: Bytes) -> AdminResult {
    post(&s, &r, "complete", &b).await
}

pub async fn cancel(s: State<AdminState>, Path(r): Path<String>, b: Bytes) -> AdminResult {
    post(&s, &r, "cancel", &b).await
}
