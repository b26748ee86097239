//! Reading back and deleting Escalator's REST API objects, for `webhooks list` and
//! `webhooks remove`: the generic data API's search and delete (vendor doc §5), on type
//! `restcall`.

use reqwest::Method;
use serde_json::Value;

use super::registration::rest_call_ref;
use super::{parse_json, path_id, query_escape, NextivaClient, RestCallRef};
use crate::outbound::CallError;

/// Every object registration creates is named `Escalator - …` (the template's names).
pub const OWN_PREFIX: &str = "Escalator - ";

impl NextivaClient {
    /// REST API objects whose name starts with `prefix` (NCC's `q` is a text search, so
    /// its hits are filtered here).
    pub async fn list_rest_calls(&self, prefix: &str) -> Result<Vec<RestCallRef>, CallError> {
        let body = self
            .send(
                Method::GET,
                &format!("/data/api/types/restcall?q={}", query_escape(prefix.trim())),
                None,
            )
            .await?;
        let found = parse_json(&body, "restcall search")?;
        Ok(found
            .get("objects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|o| {
                o.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .filter_map(|o| rest_call_ref(o, ""))
            .collect())
    }

    /// Deletes a REST API object: `true` when deleted now, `false` on 404 (already gone).
    /// The delete is the generic data API's (§5), not documented for `restcall` by name:
    /// any refusal is returned as it is.
    pub async fn delete_rest_call(&self, id: &str) -> Result<bool, CallError> {
        let id = path_id(id)?;
        match self
            .send(
                Method::DELETE,
                &format!("/data/api/types/restcall/{id}"),
                None,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(CallError::Permanent { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
