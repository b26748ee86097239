//! Scheduled callbacks: creating one for a queue or an agent, what cannot take one, and
//! reading them back one at a time or a page at a time.

use escalator_adapters::outbound::CallError;
use escalator_adapters::talkdesk::{
    AssignType, Assignment, CallbackQuery, CallbackStatus, ScheduledCallbackRequest,
};
use escalator_adapters::Destination;
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::assertions::assert_transport;
use crate::common::replies::json_reply;
use crate::kit::{
    at, bearer, briefing, queue, scheduled_request, setup, target, CALLBACK, CALLER, INTERACTION,
    OUR_NUMBER, TOKEN,
};

#[tokio::test]
async fn scheduling_to_a_queue_sends_the_openapi_shape() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "interaction_id": INTERACTION,
            "caller_id": OUR_NUMBER,
            "time_to_call": "2026-03-25T15:30:00Z",
            "timezone": "UTC",
            "assign_type": "SPECIFIC_QUEUE",
            "from_call_type": "API",
            "dialing_model": "PREVIEW",
            "queues": [{"queue": "legal_specialists"}],
            "phone_number": CALLER,
            "record_extra_data": {
                "escalation_reference": "ESC-XWP5-HYWS",
                "escalation_reason": "legal threat",
                "caller_quote": "I'm going to call my lawyer about this",
                "caller_verified": "yes",
                "escalation_rule": "hard-stop.legal",
                "escalation_team": "legal"
            },
            "description": "ESC-XWP5-HYWS: legal threat. Caller said: \"I'm going to call my lawyer about this\". Caller verified: yes"
        })))
        .respond_with(json_reply(201, json!({
            "callback_id": CALLBACK, "interaction_id": INTERACTION, "caller_id": OUR_NUMBER,
            "time_to_call": "2026-03-25T15:30:00Z", "timezone": "UTC",
            "assign_type_v2": "SPECIFIC_QUEUE", "from_call_type": "API",
            "dialing_model": "PREVIEW", "queues": [{"queue": "legal_specialists"}],
            "agents": [], "phone_number": CALLER,
            "_links": {"self": {"href": format!("https://api.talkdeskapp.com/schedule-callbacks/{CALLBACK}")}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request = scheduled_request(Some(INTERACTION), queue("legal_specialists"));
    let created = c.schedule_callback(&request).await.unwrap();
    assert_eq!(created.callback_id, CALLBACK);
    assert_eq!(created.assign_type, Some(AssignType::SpecificQueue));
    assert_eq!(created.queues, vec!["legal_specialists".to_string()]);
    assert_eq!(created.time_to_call, Some(at()));
    assert!(created.self_href.unwrap().ends_with(CALLBACK));
}

#[tokio::test]
async fn scheduling_to_an_agent_with_no_interaction() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .and(body_partial_json(json!({
            "interaction_id": "",
            "assign_type": "SPECIFIC_AGENT",
            "agents": [{"agent_id": "5252g4504147e334756017d"}],
        })))
        .respond_with(json_reply(201, json!({"callback_id": CALLBACK})))
        .expect(1)
        .mount(&server)
        .await;
    let request = scheduled_request(
        None,
        Destination::Agent {
            id: "5252g4504147e334756017d".into(),
        },
    );
    assert_eq!(request.assignment.assign_type(), AssignType::SpecificAgent);
    let body = request.body().unwrap();
    assert!(body.get("queues").is_none(), "{body}");
    c.schedule_callback(&request).await.unwrap();
}

#[tokio::test]
async fn a_create_answer_without_an_id_is_transport_so_the_caller_re_reads() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let request = scheduled_request(None, queue("q"));
    assert_transport(&c.schedule_callback(&request).await.unwrap_err());
}

#[test]
fn unmapped_and_address_destinations_cannot_take_a_scheduled_callback() {
    for d in [
        Destination::Unmapped,
        Destination::Address {
            address: "+15555550100".into(),
        },
    ] {
        let err = ScheduledCallbackRequest::for_target(
            None,
            OUR_NUMBER,
            CALLER,
            at(),
            &target(d),
            &briefing(),
        )
        .unwrap_err();
        assert!(matches!(err, CallError::Unactionable(_)), "{err:?}");
        assert!(err.is_permanent());
    }
    assert_eq!(
        Assignment::from_destination(&Destination::Queue {
            id: "legal".into(),
            name: None
        })
        .unwrap(),
        Assignment::Queue("legal".into())
    );
}

#[tokio::test]
async fn reading_one_callback_tolerates_the_older_ring_group_shape() {
    let (server, c) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(json_reply(
            200,
            json!({
                "callback_id": CALLBACK, "status": "QUEUED", "assign_type": "SPECIFIC_RING_GROUP",
                "ring_groups": [{"ring_group": "supervisors"}],
                "time_to_call": "2026-03-25T15:30:00", "phone_number": CALLER,
                "record_extra_data": {"escalation_reference": "ESC-XWP5-HYWS"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks/gone"))
        .respond_with(json_reply(
            404,
            json!({"code": "0440004", "message": "Callback not found"}),
        ))
        .mount(&server)
        .await;
    let cb = c.scheduled_callback(CALLBACK).await.unwrap().unwrap();
    assert_eq!(cb.status, Some(CallbackStatus::Queued));
    assert!(cb.status.as_ref().unwrap().is_pending());
    assert_eq!(cb.assign_type, Some(AssignType::SpecificRingGroup));
    assert_eq!(cb.queues, vec!["supervisors".to_string()]);
    assert_eq!(cb.time_to_call, Some(at()));
    assert_eq!(cb.reference(), Some("ESC-XWP5-HYWS"));
    assert_eq!(c.scheduled_callback("gone").await.unwrap(), None);
}

#[tokio::test]
async fn listing_sends_the_filters_and_reads_the_hal_page() {
    let (server, c) = setup().await;
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks"))
        .and(query_param("phone_number", CALLER))
        .and(query_param("status", "QUEUED"))
        .and(query_param("from_call_type", "API"))
        .and(query_param("page", "1"))
        .and(query_param("per_page", "50"))
        .respond_with(json_reply(
            200,
            json!({
                "total": 2, "page": 1, "per_page": 50, "total_pages": 1,
                "_embedded": {"callbacks": [
                    {"callback_id": "cb-1", "status": "QUEUED", "phone_number": CALLER,
                     "record_extra_data": {"escalation_reference": "ESC-OTHER"}},
                    {"callback_id": "cb-2", "status": "CANCELED", "phone_number": CALLER,
                     "record_extra_data": {"escalation_reference": "ESC-XWP5-HYWS"}}
                ]},
                "_links": {"self": {"href": "…"}}
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let page = c
        .list_scheduled_callbacks(&CallbackQuery {
            phone_number: Some(CALLER.into()),
            status: Some("QUEUED".into()),
            from_call_type: Some("API".into()),
            page: Some(1),
            per_page: Some(50),
            ..CallbackQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    assert!(!page.has_next);
    assert_eq!(page.callbacks.len(), 2);
    assert_eq!(page.callbacks[1].status, Some(CallbackStatus::Canceled));
    let ours = page
        .callbacks
        .iter()
        .find(|cb| cb.reference() == Some("ESC-XWP5-HYWS"))
        .unwrap();
    assert_eq!(ours.callback_id, "cb-2");
}
