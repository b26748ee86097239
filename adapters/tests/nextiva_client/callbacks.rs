//! Callbacks: a lead upserted into an outbound list and reset, or a callback campaign
//! started through the webform.

use std::collections::BTreeMap;

use escalator_adapters::nextiva::{CallbackLead, Lead, LeadFields, WebformRequest};
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::assertions::assert_unactionable;
use crate::common::replies::json_reply;
use crate::kit::{briefing, setup, QUEUE};

#[tokio::test]
async fn callback_by_lead_upsert_and_reset() {
    let (_login, api, client) = setup().await;
    let fields = LeadFields {
        reference: Some("contactId".into()),
        ..LeadFields::default()
    };
    let lead = fields
        .render(&CallbackLead::from_briefing(
            "+12399999999",
            &briefing(),
            None,
        ))
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/data/api/types/outboundlist/ol1/leadsupsert/"))
        .and(header("authorization", "tok"))
        .and(body_json(
            json!([{"phone": "+12399999999", "first_name": "Dana",
                               "last_name": "Reyes", "contactId": "ESC-Z6N9-70V9"}]),
        ))
        .respond_with(json_reply(
            200,
            json!([{"_id": "lead-1", "phone": "+12399999999"}]),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/data/api/types/outboundlist/ol1/resetlead/lead-1"))
        .and(header("authorization", "tok"))
        .respond_with(json_reply(200, json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let result = client.upsert_leads("ol1", &[lead]).await.unwrap();
    assert_eq!(result.lead_ids, ["lead-1"]);
    client.reset_lead("ol1", &result.lead_ids[0]).await.unwrap();
    assert_unactionable(client.upsert_leads("ol1", &[]).await);
    // A list with its own fields.
    assert_eq!(
        serde_json::to_value(Lead::new().field("pipeline_status", "New")).unwrap(),
        json!({"pipeline_status": "New"})
    );
}

#[tokio::test]
async fn callback_through_the_callback_campaigns_webform() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/workflows/api/webform"))
        .and(header("authorization", "tok"))
        .and(body_partial_json(json!({
            "from": "+12399999999", "campaignId": "68bedc382387185fa296dd3d", "type": "call",
            "consumerData": {"callbackNumber": "+12399999999", "callbackQueueId": QUEUE,
                             "escalationReference": "ESC-Z6N9-70V9",
                             "scheduledAt": "2026-06-01T15:30:00Z"}})))
        .respond_with(json_reply(200, json!({"workitemId": "w-new"})))
        .expect(1)
        .mount(&api)
        .await;
    let at = "2026-06-01T15:30:00Z".parse().unwrap();
    let request = WebformRequest::callback(
        "68bedc382387185fa296dd3d",
        "call",
        "+12399999999",
        Some(QUEUE),
        &briefing(),
        Some(at),
    );
    let result = client.start_webform(&request).await.unwrap();
    assert_eq!(result.workitem_id.as_deref(), Some("w-new"));
    // The SMS shape of the only real example.
    let sms = WebformRequest {
        campaign_id: "c1".into(),
        kind: "sms".into(),
        from: Some("+12094425035".into()),
        to_address: Some("+12392700111".into()),
        consumer_data: BTreeMap::from([("message".to_string(), json!("hi"))]),
    };
    Mock::given(method("POST"))
        .and(path("/workflows/api/webform"))
        .and(body_json(
            json!({"from": "+12094425035", "campaignId": "c1", "type": "sms",
                              "properties": {"toAddress": "+12392700111"},
                              "consumerData": {"message": "hi"}}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    assert_eq!(client.start_webform(&sms).await.unwrap().workitem_id, None);
}
