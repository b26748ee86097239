//! Authentication: every one of the three hosts gets the key pair as Basic auth and asks
//! for JSON.

use escalator_adapters::cloudtalk::CueCard;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::Mock;

use crate::common::replies::json_reply;
use crate::kit::{basic, briefing, setup, AGENT, UUID};

#[tokio::test]
async fn every_host_gets_basic_auth_and_asks_for_json() {
    let (server, client) = setup().await;
    for (m, p) in [
        ("POST", "/platform/api/cuecards"),
        ("GET", "/api/agents/index.json"),
        ("GET", "/analytics/api/calls/1002226167"),
    ] {
        Mock::given(method(m))
            .and(path(p))
            .and(header("authorization", basic().as_str()))
            .and(header("accept", "application/json"))
            .respond_with(json_reply(
                200,
                json!({"success": true, "cdr_id": 1002226167, "responseData": {"data": []}}),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let card = CueCard::briefing(UUID, &briefing(), "Warm-transfer to group Legal");
    client.push_cue_card(&card).await.unwrap();
    assert_eq!(client.agent(AGENT).await.unwrap(), None);
    client.call_details("1002226167").await.unwrap();
}
