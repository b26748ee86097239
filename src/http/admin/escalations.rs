//! `/api/v1/escalations`: escalations listed with filters, and one with its evidence,
//! steps, actions (with every attempt), callback and reviews.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query as AxumQuery, State};
use axum::Json;
use escalator_adapters::Vendor;
use serde_json::{json, Value};

use super::input::Query;
use super::{callbacks, malformed_query, AdminError, AdminState};
use crate::store::{EscalationFilter, Store};

pub fn filter(pairs: HashMap<String, String>) -> Result<EscalationFilter, AdminError> {
    let q = Query::new(pairs, &["vendor", "team", "status", "since", "limit"])?;
    let vendor = match q.get("vendor") {
        None => None,
        Some(v) => match v.parse::<Vendor>() {
            Ok(vendor) => Some(vendor.as_str().to_string()),
            Err(_) => {
                let known: Vec<&str> = Vendor::ALL.iter().map(|v| v.as_str()).collect();
                return Err(AdminError::invalid(
                    "vendor",
                    format!("{v:?} is not one of {}", known.join(", ")),
                ));
            }
        },
    };
    Ok(EscalationFilter {
        vendor,
        team: q.get("team"),
        status: q.get("status"),
        since: q.time("since")?,
        limit: q.limit()?,
    })
}

pub async fn list(store: &Store, filter: &EscalationFilter) -> Result<Value, AdminError> {
    let escalations = store.list_escalations(filter).await?;
    Ok(json!({"count": escalations.len(), "escalations": escalations}))
}

/// One escalation, by id or reference, with everything recorded about it.
pub async fn show(store: &Store, key: &str) -> Result<Value, AdminError> {
    let Some(escalation) = store.escalation(key).await? else {
        return Err(AdminError::NotFound(format!("no escalation {key}")));
    };
    let id = escalation.summary.id.clone();
    let steps = store.steps(&id).await?;
    let mut actions = Vec::new();
    for action in store.escalation_actions(&id).await? {
        let attempts = store.attempts(action.id).await?;
        let mut value = serde_json::to_value(&action).map_err(internal)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert(
                "attempt_log".into(),
                serde_json::to_value(attempts).map_err(internal)?,
            );
        }
        actions.push(value);
    }
    let callback = match store.callback_reference_for(&id).await? {
        Some(reference) => callbacks::show(store, &reference).await?,
        None => Value::Null,
    };
    let reviews = store.reviews(&id).await?;
    let evidence = escalation
        .decision
        .get("triggers")
        .cloned()
        .unwrap_or(Value::Array(vec![]));
    Ok(json!({
        "escalation": escalation,
        "evidence": evidence,
        "steps": steps,
        "actions": actions,
        "callback": callback,
        "reviews": reviews,
    }))
}

fn internal(e: serde_json::Error) -> AdminError {
    AdminError::Internal(e.to_string())
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
    Path(id): Path<String>,
) -> Result<Json<Value>, AdminError> {
    Ok(Json(show(&state.store, &id).await?))
}
