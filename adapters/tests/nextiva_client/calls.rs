//! Acting on a live call: transfers to a queue or a user, reading and searching workitems,
//! and changing a workitem's priority.

use escalator_adapters::nextiva::{QueueTransfer, Recording, UserTransfer, WorkitemState};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::assertions::assert_unactionable;
use crate::common::replies::json_reply;
use crate::kit::{setup, QUEUE, USER, WID};

#[tokio::test]
async fn queue_transfer_logs_in_once_and_calls_the_location_with_the_raw_token() {
    let (login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/users/api/calls/{WID}/queuetransfer/{QUEUE}"
        )))
        .and(header("authorization", "tok"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"inboxId": QUEUE, "workitemId": WID,
                              "eventName": "escalation-legal", "ringAll": false,
                              "recording": "keepCurrent"})))
        .respond_with(json_reply(200, json!({})))
        .expect(2)
        .mount(&api)
        .await;
    let options = QueueTransfer {
        event_name: Some("escalation-legal".into()),
        ..QueueTransfer::default()
    };
    client.queue_transfer(WID, QUEUE, &options).await.unwrap();
    client.queue_transfer(WID, QUEUE, &options).await.unwrap();
    // One login for both calls; nothing but the login went to the login host.
    let logins = login.received_requests().await.unwrap();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].method.as_str(), "GET");
}

#[tokio::test]
async fn user_transfer_carries_the_documented_payload() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .and(header("authorization", "tok"))
        .and(body_json(json!({"userId": USER, "workitemId": WID,
                              "eventName": "escalation-supervisor",
                              "recording": "startRecording", "survey": {}})))
        .respond_with(json_reply(200, json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let options = UserTransfer {
        event_name: Some("escalation-supervisor".into()),
        recording: Recording::StartRecording,
    };
    client.user_transfer(WID, USER, &options).await.unwrap();
}

#[tokio::test]
async fn reading_a_workitem_before_a_retry() {
    let (_login, api, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .and(header("authorization", "tok"))
        .respond_with(json_reply(
            200,
            json!({"_id": "m1", "workitemId": WID, "state": "inqueue",
                                "channelType": "voice", "type": "InboundCall", "priority": 5,
                                "agentUsername": "jsmith", "createdAt": 1773957600000_i64,
                                "modifiedAt": 1773957621482_i64, "data": {"queueId": QUEUE}}),
        ))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/api/workitems/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&api)
        .await;
    let w = client.workitem(WID).await.unwrap().unwrap();
    assert_eq!(w.state, WorkitemState::InQueue);
    assert_eq!(w.workitem_id.as_deref(), Some(WID));
    assert_eq!(w.agent_username.as_deref(), Some("jsmith"));
    assert_eq!(w.priority, Some(5));
    assert_eq!(w.modified_since(1773957600000), Some(true));
    assert_eq!(w.raw["data"]["queueId"], QUEUE);
    assert_eq!(client.workitem("gone").await.unwrap(), None);
}

#[tokio::test]
async fn searching_workitems_through_the_data_api() {
    let (_login, api, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/workitem"))
        .and(query_param("q", "+16025550123 inqueue"))
        .and(query_param("start", "0"))
        .and(query_param("rows", "100"))
        .respond_with(json_reply(
            200,
            json!({"count": 1, "total": 1,
                                "objects": [{"workitemId": WID, "state": "active"}]}),
        ))
        .expect(1)
        .mount(&api)
        .await;
    let page = client
        .search_workitems("+16025550123 inqueue", 0, 100)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.objects[0].state, WorkitemState::Active);
}

#[tokio::test]
async fn changing_priority() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .and(body_json(json!({"priority": 5})))
        .respond_with(json_reply(200, json!({})))
        .expect(1)
        .mount(&api)
        .await;
    client.change_priority(WID, 5).await.unwrap();
    assert_unactionable(client.change_priority(WID, 9).await);
}
