//! Contract tests for Genesys registration (shared/vendors/genesys.md §7a): the OAuth token,
//! then the integrations, credentials, actions and Process Automation trigger calls at their
//! real paths, with Genesys' listing shapes (`entities` + `pageCount`/`nextUri`).

use std::collections::BTreeMap;

use escalator_adapters::genesys::registration::{Change, Kind, RegistrationSpec};
use escalator_adapters::genesys::{GenesysClient, GenesysCredentials};
use escalator_adapters::outbound::CallError;
use escalator_adapters::Secret;
use serde_json::{json, Value};
use wiremock::matchers::{
    body_partial_json, body_string_contains, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "wh-s3cret-value";

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn setup() -> (MockServer, GenesysClient) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        // base64("cid:csecret")
        .and(header("authorization", "Basic Y2lkOmNzZWNyZXQ="))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ok(
            json!({"access_token": "tok", "token_type": "bearer", "expires_in": 86399}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = GenesysClient::new(
        reqwest::Client::new(),
        server.uri(),
        server.uri(),
        GenesysCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("csecret"),
        },
    );
    (server, client)
}

fn spec(workflow: Option<&str>) -> RegistrationSpec {
    RegistrationSpec {
        escalator_url: "https://esc.example.com".into(),
        secret: Secret::new(SECRET),
        header: "X-Escalator-Token".into(),
        workflow: workflow.map(str::to_string),
        workflows: BTreeMap::new(),
    }
}

/// A numbered listing (integrations, credentials, actions).
fn listing(entities: Value) -> ResponseTemplate {
    ok(json!({"entities": entities, "pageSize": 100, "pageNumber": 1, "total": 0, "pageCount": 1}))
}

async fn mount_get(server: &MockServer, p: &str, body: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(p))
        .and(header("authorization", "Bearer tok"))
        .respond_with(body)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_fresh_org_gets_credential_integration_actions_and_one_trigger_per_topic() {
    let (server, client) = setup().await;
    mount_get(&server, "/api/v2/integrations", listing(json!([]))).await;
    mount_get(&server, "/api/v2/integrations/actions", listing(json!([]))).await;
    mount_get(
        &server,
        "/api/v2/processautomation/triggers",
        ok(json!({"entities": [], "selfUri": "/api/v2/processautomation/triggers"})),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations/credentials"))
        .and(body_partial_json(
            json!({"name": "escalator-token", "type": {"name": "userDefined"},
                                      "credentialFields": {"token": SECRET}}),
        ))
        .respond_with(ok(json!({"id": "cred-1", "name": "escalator-token"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations"))
        .and(body_partial_json(
            json!({"integrationType": {"id": "custom-rest-actions"},
                                      "name": "escalator-data-actions"}),
        ))
        .respond_with(ok(json!({"id": "int-1", "name": "escalator-data-actions"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v2/integrations/int-1/config/current"))
        .and(body_partial_json(
            json!({"credentials": {"basicAuth": {"id": "cred-1"}}}),
        ))
        .respond_with(ok(json!({"name": "escalator-data-actions", "version": 2})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/integrations/int-1"))
        .and(body_partial_json(json!({"intendedState": "ENABLED"})))
        .respond_with(ok(json!({"id": "int-1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations/actions"))
        .and(body_partial_json(
            json!({"integrationId": "int-1", "category": "Escalator",
            "config": {"request": {"requestType": "POST",
                                   "headers": {"X-Escalator-Token": "${credentials.token}"}}}}),
        ))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            ok(
                json!({"id": format!("act-{}", body["name"].as_str().unwrap().len()),
                      "name": body["name"]}),
            )
        })
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/processautomation/triggers"))
        .and(body_partial_json(
            json!({"enabled": true, "eventTTLSeconds": 60,
            "target": {"type": "Workflow", "id": "wf-1",
                       "workflowTargetSettings": {"dataFormat": "Json"}}}),
        ))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            ok(
                json!({"id": format!("trg-{}", body["name"].as_str().unwrap()),
                      "name": body["name"], "topicName": body["topicName"], "version": 1}),
            )
        })
        .expect(6)
        .mount(&server)
        .await;

    let mut done = Vec::new();
    client
        .register(&spec(Some("wf-1")), &mut done)
        .await
        .unwrap();
    let created = |kind| {
        done.iter()
            .filter(|r| r.kind == kind && r.change == Change::Created)
            .count()
    };
    assert_eq!(created(Kind::Credential), 1);
    assert_eq!(created(Kind::Integration), 1);
    assert_eq!(created(Kind::Action), 2);
    assert_eq!(created(Kind::Trigger), 6);
    let requests = server.received_requests().await.unwrap();
    let start = requests
        .iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("\"escalator-customer-start\""))
        .unwrap();
    let body: Value = serde_json::from_slice(&start.body).unwrap();
    assert_eq!(
        body["topicName"],
        "v2.detail.events.conversation.{id}.customer.start"
    );
    assert_eq!(
        body["matchCriteria"][0],
        json!({"jsonPath": "mediaType", "operator": "Equal", "value": "VOICE"})
    );
    let attributes = requests
        .iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("\"escalator-attributes\""))
        .unwrap();
    let body: Value = serde_json::from_slice(&attributes.body).unwrap();
    assert!(body.get("matchCriteria").is_none());
}

#[tokio::test]
async fn existing_objects_are_kept_triggers_updated_and_a_changed_topic_is_a_conflict() {
    let (server, client) = setup().await;
    mount_get(
        &server,
        "/api/v2/integrations",
        listing(json!([{"id": "int-9", "name": "escalator-data-actions",
                        "integrationType": {"id": "custom-rest-actions"}, "intendedState": "ENABLED"}])),
    )
    .await;
    mount_get(
        &server,
        "/api/v2/integrations/actions",
        listing(
            json!([{"id": "a1", "name": "Escalator - forward event", "category": "Escalator"},
                       {"id": "a2", "name": "Escalator - route call", "category": "Escalator"}]),
        ),
    )
    .await;
    // Two pages through the cursor: the second holds a trigger whose topic was changed.
    Mock::given(method("GET"))
        .and(path("/api/v2/processautomation/triggers"))
        .and(query_param("after", "c2"))
        .respond_with(ok(json!({"entities": [
            {"id": "t-acw", "name": "escalator-acw", "topicName": "v2.detail.events.conversation.{id}.wrapup", "version": 3}]})))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/processautomation/triggers"))
        .respond_with(ok(json!({"entities": [
            {"id": "t-start", "name": "escalator-customer-start",
             "topicName": "v2.detail.events.conversation.{id}.customer.start", "version": 4,
             "target": {"type": "Workflow", "id": "wf-old"}}],
            "nextUri": "/api/v2/processautomation/triggers?after=c2&pageSize=200"})))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v2/processautomation/triggers/t-start"))
        .and(body_partial_json(
            json!({"version": 4, "target": {"id": "wf-2"},
            "topicName": "v2.detail.events.conversation.{id}.customer.start"}),
        ))
        .respond_with(ok(json!({"id": "t-start", "version": 5})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/processautomation/triggers"))
        .respond_with(ok(json!({"id": "t-new"})))
        .expect(4)
        .mount(&server)
        .await;
    for p in [
        "/api/v2/integrations",
        "/api/v2/integrations/credentials",
        "/api/v2/integrations/actions",
    ] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(ok(json!({"id": "x"})))
            .expect(0)
            .mount(&server)
            .await;
    }

    let mut done = Vec::new();
    client
        .register(&spec(Some("wf-2")), &mut done)
        .await
        .unwrap();
    let change = |name: &str| {
        done.iter()
            .find(|r| r.name == name)
            .map(|r| r.change.clone())
    };
    assert_eq!(change("escalator-data-actions"), Some(Change::Exists));
    assert_eq!(change("Escalator - route call"), Some(Change::Exists));
    assert_eq!(change("escalator-customer-start"), Some(Change::Updated));
    assert!(
        matches!(change("escalator-acw"), Some(Change::Conflict(why)) if why.contains("t-acw"))
    );
    assert_eq!(change("escalator-user-start"), Some(Change::Created));
}

#[tokio::test]
async fn without_a_workflow_triggers_are_skipped_and_a_refused_credential_key_says_what_to_do() {
    let (server, client) = setup().await;
    mount_get(&server, "/api/v2/integrations", listing(json!([]))).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations/credentials"))
        .respond_with(ok(json!({"id": "cred-1"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations"))
        .respond_with(ok(json!({"id": "int-1"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v2/integrations/int-1/config/current"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "code": "bad.request", "message": "Invalid credential type"})))
        .expect(1)
        .mount(&server)
        .await;
    let mut done = Vec::new();
    let err = client.register(&spec(None), &mut done).await.unwrap_err();
    match &err {
        CallError::Permanent {
            status: 400,
            message,
        } => {
            assert!(message.contains("Invalid credential type"), "{message}");
            assert!(message.contains("escalator-token"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err}").contains(SECRET));
    // What was done before the failure is still reported.
    assert_eq!(done.len(), 2);

    // Second run: the integration exists now, the actions are made, the triggers skipped.
    let (server, client) = setup().await;
    mount_get(
        &server,
        "/api/v2/integrations",
        listing(json!([{"id": "int-1", "name": "escalator-data-actions"}])),
    )
    .await;
    mount_get(&server, "/api/v2/integrations/actions", listing(json!([]))).await;
    mount_get(
        &server,
        "/api/v2/processautomation/triggers",
        ok(json!({"entities": []})),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations/actions"))
        .respond_with(ok(json!({"id": "a"})))
        .expect(2)
        .mount(&server)
        .await;
    let mut done = Vec::new();
    client.register(&spec(None), &mut done).await.unwrap();
    let skipped = done
        .iter()
        .filter(|r| matches!(r.change, Change::Skipped(_)))
        .count();
    assert_eq!(skipped, 6);
}

#[tokio::test]
async fn list_and_remove_touch_only_escalators_objects_triggers_first() {
    let (server, client) = setup().await;
    mount_get(
        &server,
        "/api/v2/integrations/credentials",
        listing(
            json!([{"id": "c1", "name": "escalator-token", "type": {"name": "userDefined"}},
                       {"id": "c2", "name": "crm-key", "type": {"name": "userDefined"}}]),
        ),
    )
    .await;
    mount_get(
        &server,
        "/api/v2/integrations",
        listing(json!([{"id": "i1", "name": "escalator-data-actions"}])),
    )
    .await;
    mount_get(&server, "/api/v2/integrations/actions", listing(json!([{"id": "a1", "name": "Escalator - forward event"},
                                                                          {"id": "a9", "name": "CRM lookup"}]))).await;
    mount_get(&server, "/api/v2/processautomation/triggers", ok(json!({"entities": [
        {"id": "t1", "name": "escalator-customer-end", "topicName": "v2.detail.events.conversation.{id}.customer.end",
         "target": {"id": "wf"}, "enabled": true},
        {"id": "t9", "name": "crm-sync", "topicName": "v2.detail.events.conversation.{id}.customer.end"}]}))).await;
    let own = client.own_objects().await.unwrap();
    let ids: Vec<&str> = own.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["c1", "i1", "a1", "t1"]);

    for (p, status) in [
        ("/api/v2/processautomation/triggers/t1", 204),
        ("/api/v2/integrations/actions/a1", 204),
        ("/api/v2/integrations/i1", 204),
        ("/api/v2/integrations/credentials/c1", 404),
    ] {
        Mock::given(method("DELETE"))
            .and(path(p))
            .and(header("authorization", "Bearer tok"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
    }
    let mut done = Vec::new();
    let unknown = client.remove_own(&[], &mut done).await.unwrap();
    assert!(unknown.is_empty());
    let order: Vec<(Kind, Change)> = done.iter().map(|r| (r.kind, r.change.clone())).collect();
    assert_eq!(
        order,
        [
            (Kind::Trigger, Change::Deleted),
            (Kind::Action, Change::Deleted),
            (Kind::Integration, Change::Deleted),
            (Kind::Credential, Change::AlreadyGone)
        ]
    );
    let requests = server.received_requests().await.unwrap();
    assert!(!requests
        .iter()
        .any(|r| r.url.path().ends_with("/t9") || r.url.path().ends_with("/a9")));
}

#[tokio::test]
async fn remove_by_id_leaves_other_ids_alone() {
    let (server, client) = setup().await;
    for p in [
        "/api/v2/integrations/credentials",
        "/api/v2/integrations",
        "/api/v2/integrations/actions",
    ] {
        mount_get(&server, p, listing(json!([]))).await;
    }
    mount_get(
        &server,
        "/api/v2/processautomation/triggers",
        ok(json!({"entities": [
        {"id": "t1", "name": "escalator-acw", "topicName": "x"},
        {"id": "t2", "name": "escalator-attributes", "topicName": "y"}]})),
    )
    .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/processautomation/triggers/t2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut done = Vec::new();
    let unknown = client
        .remove_own(&["t2".into(), "someone-elses".into()], &mut done)
        .await
        .unwrap();
    assert_eq!(unknown, ["someone-elses"]);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].id.as_deref(), Some("t2"));
}
