//! Registration of Escalator's REST-call objects: create what is missing, update what
//! exists, attach dispositions, and recover from a duplicate-name conflict.

use escalator_adapters::nextiva::{registration_plan, DispositionHook, RegistrationSpec};
use escalator_adapters::Secret;
use serde_json::{json, Value};
use wiremock::matchers::{
    body_json, body_partial_json, body_string_contains, header, method, path, query_param,
};
use wiremock::{Mock, Request};

use crate::common::replies::json_reply;
use crate::kit::setup;

fn spec() -> RegistrationSpec {
    RegistrationSpec {
        escalator_url: "https://esc.example.com".into(),
        secret: Secret::new("shared-s3cret"),
        dispositions: vec![DispositionHook {
            name: "Legal threat".into(),
            disposition_id: Some("disp-1".into()),
        }],
    }
}

#[tokio::test]
async fn registration_creates_missing_objects_updates_existing_ones_and_attaches_dispositions() {
    let (_login, api, client) = setup().await;
    // "Escalator - Route" exists already; nothing else does.
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .and(query_param("q", "Escalator - Route"))
        .respond_with(json_reply(
            200,
            json!({"total": 2, "objects": [
            {"_id": "rc-old", "name": "Escalator - Route (old)"},
            {"_id": "rc-route", "name": "Escalator - Route"}]}),
        ))
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .respond_with(json_reply(200, json!({"total": 0, "objects": []})))
        .with_priority(2)
        .mount(&api)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/restcall/rc-route"))
        .and(header("authorization", "tok"))
        .and(body_partial_json(
            json!({"name": "Escalator - Route", "method": "POST",
                                      "url": "https://esc.example.com/route/nextiva",
                                      "authType": "NO_AUTH"}),
        ))
        .respond_with(json_reply(200, json!({})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/data/api/types/restcall/"))
        .and(header("authorization", "tok"))
        .and(body_partial_json(
            json!({"method": "POST", "authType": "NO_AUTH",
            "headerParameters": [{"key": "X-Escalator-Token", "value": "shared-s3cret"},
                                 {"key": "Content-Type", "value": "application/json"}]}),
        ))
        .and(body_string_contains(
            "https://esc.example.com/webhooks/nextiva",
        ))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let name = body["name"].as_str().unwrap().to_string();
            json_reply(
                201,
                json!({"_id": format!("rc-{}", name.len()),
                                                             "name": name}),
            )
        })
        .expect(6)
        .mount(&api)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/disposition/disp-1"))
        .and(body_json(json!({"restcallId": "rc-38"})))
        .respond_with(json_reply(200, json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let done = client.register(&spec()).await.unwrap();
    assert_eq!(done.len(), 7);
    let route = done
        .iter()
        .find(|r| r.rest_call.name == "Escalator - Route")
        .unwrap();
    assert_eq!(
        (route.rest_call.id.as_str(), route.created),
        ("rc-route", false)
    );
    let disposition = done.iter().find(|r| r.disposition_id.is_some()).unwrap();
    assert_eq!(
        disposition.rest_call.name,
        "Escalator - Disposition - Legal threat"
    );
    assert!(disposition.created);
    // The dry-run plan lists the same writes.
    let plan = registration_plan(&spec()).unwrap();
    assert_eq!(plan.len(), 8);
    assert!(plan
        .iter()
        .all(|p| !format!("{p:?}").contains("shared-s3cret")));
}

#[tokio::test]
async fn a_duplicate_name_conflict_on_create_finds_and_updates_the_object() {
    let (_login, api, client) = setup().await;
    let spec = RegistrationSpec {
        dispositions: vec![],
        ..spec()
    };
    // The search misses everything the first time round, then finds the object.
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .respond_with(json_reply(200, json!({"total": 0, "objects": []})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .respond_with(|req: &Request| {
            let q = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            json_reply(
                200,
                json!({"total": 1, "objects": [{"_id": "rc-x", "name": q}]}),
            )
        })
        .with_priority(2)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/data/api/types/restcall/"))
        .respond_with(json_reply(
            409,
            json!({"code": "DUPLICATE", "message": "name already exists"}),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/restcall/rc-x"))
        .respond_with(json_reply(200, json!({})))
        .expect(6)
        .mount(&api)
        .await;
    let done = client.register(&spec).await.unwrap();
    assert_eq!(done.len(), 6);
    assert!(done.iter().all(|r| !r.created && r.rest_call.id == "rc-x"));
}
