//! Agent REST calls on a live call: warm and blind transfer to a skill, completing and
//! cancelling it, the briefing written as call variables, and finding the call.

use std::collections::BTreeMap;

use escalator_adapters::five9::{resolve_call_id, Five9Client, TransferMode};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::assert_unactionable;
use crate::common::replies::json_reply;
use crate::kit::{briefing, call_path, client, config, mount_login, AGENT, AGENT_ID, CALL, REST};

#[tokio::test]
async fn login_then_warm_transfer_to_a_skill_complete_and_cancel() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    Mock::given(method("PUT"))
        .and(path(call_path("transfer_to_skill")))
        .and(header("authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .and(header("cookie", "JSESSIONID=j1; route=r1"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"skillId": "300000000000045", "transferType": "WARM"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    for action in ["complete_transfer", "cancel_transfer"] {
        Mock::given(method("PUT"))
            .and(path(call_path(action)))
            .and(header("authorization", "Bearer-tok-1"))
            .and(header("farmId", "149"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    assert_eq!(client.agent_id(AGENT).await.unwrap(), AGENT_ID);
    client
        .transfer_to_skill(AGENT, CALL, "300000000000045", TransferMode::Warm)
        .await
        .unwrap();
    client.complete_transfer(AGENT, CALL).await.unwrap();
    // Agent user names are matched case-insensitively; the cached session is reused.
    client
        .cancel_transfer(&AGENT.to_uppercase(), CALL)
        .await
        .unwrap();
}

#[tokio::test]
async fn transfer_body_follows_the_configured_reading() {
    let server = MockServer::start().await;
    let mut c = config(&server);
    let client = Five9Client::new(reqwest::Client::new(), c.clone());
    assert_eq!(
        client.transfer_body("77", TransferMode::Blind).unwrap(),
        json!({"skillId": "77", "transferType": "COLD"})
    );
    c.transfer_mode_field = None;
    let client = Five9Client::new(reqwest::Client::new(), c);
    assert_eq!(
        client.transfer_body(" 77 ", TransferMode::Warm).unwrap(),
        json!({"skillId": "77"})
    );
    assert_unactionable(client.transfer_body("", TransferMode::Warm));
}

#[tokio::test]
async fn briefing_is_written_as_call_variables() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    Mock::given(method("PUT"))
        .and(path(call_path("variables_2")))
        .and(header("authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .and(body_json(json!({
            "Escalator.Reference": "ESC-2026-0042",
            "Escalator.Reason": "legal threat",
            "Escalator.CallerVerified": "true",
            "Escalator.Briefing": "ESC-2026-0042 | hard_stop | legal threat | caller verified | caller: Dana | said: \"I'm calling my attorney about this\""
        })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .write_briefing(AGENT, CALL, &briefing())
        .await
        .unwrap();
    let bad = BTreeMap::from([("NoGroup".to_string(), "x".to_string())]);
    assert_unactionable(client.set_call_variables(AGENT, CALL, &bad).await);
}

#[tokio::test]
async fn calls_are_listed_and_the_call_id_resolved() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{REST}/agents/{AGENT_ID}/interactions/calls")))
        .and(header("authorization", "Bearer-tok-1"))
        .respond_with(json_reply(
            200,
            json!([
                {"id": CALL, "state": "TALKING", "ani": "4155550123"}
            ]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}"
        )))
        .respond_with(json_reply(200, json!({"id": CALL, "state": "TALKING"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let calls = client.calls(AGENT).await.unwrap();
    assert_eq!(calls[0].state.as_deref(), Some("TALKING"));
    // The connector's call id is another number: the agent's only call is taken.
    assert_eq!(resolve_call_id(&calls, Some("999")).as_deref(), Some(CALL));
    assert_eq!(client.call(AGENT, CALL).await.unwrap()["state"], "TALKING");
    assert_unactionable(client.call(AGENT, "../orgs/1").await);
}
