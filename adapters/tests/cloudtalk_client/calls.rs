//! Calls and agents: click-to-call and its documented refusals, agent availability, and
//! call details that map a CDR id to the live call's UUID.

use escalator_adapters::cloudtalk::AgentStatus;
use escalator_adapters::outbound::CallError;
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::Mock;

use crate::common::in_turn::in_turn;
use crate::common::replies::json_reply;
use crate::kit::{envelope, setup, AGENT, CALLER, UUID};

#[tokio::test]
async fn click_to_call_and_its_documented_refusals() {
    let (server, client) = setup().await;
    in_turn(|| {
        Mock::given(method("POST"))
            .and(path("/api/calls/create.json"))
            .and(body_json(
                json!({"agent_id": 493933, "callee_number": CALLER}),
            ))
    })
    .once(json_reply(200, json!({"responseData": {"status": 200}})))
    .once(envelope(403, 403, "Agent is not online."))
    .once(envelope(409, 409, "Agent is already calling."))
    // The other reading of the envelope: HTTP 200, the refusal only in `responseData.status`.
    .then_always(envelope(200, 403, "Agent is not online."))
    .mount(&server)
    .await;
    client.click_to_call(AGENT, "393513416607").await.unwrap();
    for expected in [
        (403, "Agent is not online."),
        (409, "Agent is already calling."),
        (403, "Agent is not online."),
    ] {
        match client.click_to_call(AGENT, CALLER).await {
            Err(CallError::Permanent { status, message }) => {
                assert_eq!((status, message.as_str()), expected)
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn agent_availability_is_read() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/agents/index.json"))
        .and(query_param("id", AGENT))
        .respond_with(json_reply(
            200,
            json!({"responseData": {
            "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1, "data": [
              {"Agent": {"id": AGENT, "firstname": "Sam", "lastname": "Legal",
                "email": "sam@example.com", "availability_status": "online",
                "extension": "1001", "default_number": "+40312296109"}}]}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/agents/index.json"))
        .and(query_param_is_missing("id"))
        .and(query_param("page", "2"))
        .and(query_param("limit", "1000"))
        .respond_with(json_reply(
            200,
            json!({"responseData": {
            "itemsCount": 1002, "pageCount": 2, "pageNumber": 2, "limit": 1000, "data": [
              {"Agent": {"id": 1, "availability_status": "calling"}},
              {"Agent": {"id": "2", "availability_status": "paused"}}]}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let agent = client.agent(AGENT).await.unwrap().unwrap();
    assert!(agent.is_online());
    assert_eq!(agent.extension.as_deref(), Some("1001"));
    let page = client.agents(2).await.unwrap();
    assert_eq!((page.page_number, page.page_count), (2, 2));
    assert_eq!(page.agents[0].status, Some(AgentStatus::Calling));
    assert!(!page.agents[0].is_online());
    assert_eq!(page.agents[1].status, Some(AgentStatus::Paused));
}

#[tokio::test]
async fn call_details_map_the_cdr_to_the_live_uuid() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/analytics/api/calls/1002226167"))
        .respond_with(json_reply(
            200,
            json!({
                "cdr_id": 1002226167, "uuid": UUID, "direction": "incoming",
                "type": "regular", "status": "answered",
                "call_tags": [{"id": 5, "label": "Legal"}], "notes": ["lawyer mentioned"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/analytics/api/calls/1"))
        .respond_with(json_reply(
            404,
            json!({
                "statusCode": 404, "message": "Call with id '1' doesn't exist on company '100123'",
                "error": "Not Found"}),
        ))
        .mount(&server)
        .await;
    let d = client.call_details("1002226167").await.unwrap();
    assert_eq!(d.uuid.as_deref(), Some(UUID));
    assert_eq!(d.tags, vec!["Legal"]);
    assert_eq!(d.notes, vec!["lawyer mentioned"]);
    let err = client.call_details("1").await.unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("doesn't exist"));
}
