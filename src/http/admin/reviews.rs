//! `/api/v1/reviews`: the queue of flagged escalations awaiting review, and recording one.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query as AxumQuery, State};
use axum::http::StatusCode;
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use super::input::{Body, Query};
use super::{malformed_query, AdminError, AdminState};
use crate::review::{Review, ReviewOutcome};
use crate::store::Store;

pub async fn queue(store: &Store, limit: i64) -> Result<Value, AdminError> {
    let queue = store.review_queue(limit).await?;
    Ok(json!({"count": queue.len(), "queue": queue}))
}

/// The review a body asks for; bad fields are named.
pub fn review(bytes: &[u8]) -> Result<Review, AdminError> {
    let body = Body::parse(bytes, &["reviewer", "outcome", "notes"])?;
    let reviewer = body.required("reviewer", "name the person reviewing")?;
    let outcomes: Vec<&str> = ReviewOutcome::ALL.iter().map(|o| o.as_str()).collect();
    let text = body.required("outcome", &format!("one of {}", outcomes.join(", ")))?;
    let outcome = ReviewOutcome::ALL
        .into_iter()
        .find(|o| o.as_str() == text.trim())
        .ok_or_else(|| {
            AdminError::invalid(
                "outcome",
                format!("{text:?} is not one of {}", outcomes.join(", ")),
            )
        })?;
    Ok(Review {
        reviewer,
        outcome,
        notes: body.optional("notes")?.unwrap_or_default(),
    })
}

/// Appends `review` to the escalation (by id or reference); answers with all its reviews.
pub async fn record(store: &Store, key: &str, review: &Review) -> Result<Value, AdminError> {
    let Some(escalation) = store.escalation(key).await? else {
        return Err(AdminError::NotFound(format!("no escalation {key}")));
    };
    let id = escalation.summary.id;
    store.record_review(&id, review).await?;
    let reviews = store.reviews(&id).await?;
    Ok(
        json!({"escalation_id": id, "reference": escalation.summary.reference,
              "review": review, "reviews": reviews}),
    )
}

pub async fn get_queue(
    State(state): State<AdminState>,
    query: Result<AxumQuery<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, AdminError> {
    let AxumQuery(pairs) = query.map_err(malformed_query)?;
    let limit = Query::new(pairs, &["limit"])?.limit()?;
    Ok(Json(queue(&state.store, limit).await?))
}

pub async fn post(
    State(state): State<AdminState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let review = review(&body)?;
    Ok((
        StatusCode::CREATED,
        Json(record(&state.store, &id, &review).await?),
    ))
}
