//! A scheduled callback whose outcome is unknown (a 503 or a timeout after Talkdesk may
//! have created it, a 2xx without its id) is looked for in Talkdesk's list before it is
//! created again; a list that cannot be read, or cannot decide, parks it as uncertain. It is
//! never taken as "not created". Also: the body's second reading after a refusal.

use super::*;

/// Our callback in the list, as Talkdesk lists it.
fn listed(reference: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "total": 1, "page": 1, "total_pages": 1,
        "_embedded": {"callbacks": [
            {"callback_id": "cb-ours", "status": "QUEUED", "phone_number": CALLER,
             "record_extra_data": {"escalation_reference": reference}}
        ]}
    }))
}

async fn mount_create(api: &MockServer, answer: ResponseTemplate) {
    // Every create lands here: a second one would break `expect(1)`.
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .respond_with(answer)
        .expect(1)
        .mount(api)
        .await;
}

fn list() -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks"))
        .and(header("authorization", BEARER))
        .and(query_param("phone_number", CALLER))
}

/// Plans the callback and waits until its action is `status`.
async fn settle(
    td: &Td,
    status: &str,
    list_answer: impl Fn(&str) -> ResponseTemplate,
) -> ActionRow {
    let reference = plan_scheduled_callback(&td.app, at()).await;
    list()
        .respond_with(list_answer(&reference))
        .mount(&td.api)
        .await;
    let rows = td
        .app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "schedule_callback", status)
        })
        .await;
    action(&rows, "schedule_callback").clone()
}

#[tokio::test]
async fn created_then_answered_503_is_found_in_the_list_and_created_once() {
    let td = start(None).await;
    mount_create(&td.api, ResponseTemplate::new(503)).await;
    mount_custom_fields(&td.api, ResponseTemplate::new(200), 1).await;
    let a = settle(&td, "succeeded", listed).await;
    let s = steps(&td.app, &a).await;
    assert_eq!(
        s[0],
        ("scheduled_callback".into(), "unknown".into(), Some(503))
    );
    assert_eq!(s[1].0, "reconcile");
    td.api.verify().await;
}

#[tokio::test]
async fn created_then_timed_out_is_found_in_the_list_and_created_once() {
    let td = start(None).await;
    // Slower than the client's 2 s timeout.
    mount_create(
        &td.api,
        ResponseTemplate::new(201)
            .set_body_json(json!({"callback_id": "cb-ours"}))
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    mount_custom_fields(&td.api, ResponseTemplate::new(200), 1).await;
    let a = settle(&td, "succeeded", listed).await;
    let s = steps(&td.app, &a).await;
    assert_eq!(s[0], ("scheduled_callback".into(), "unknown".into(), None));
    assert_eq!(s[1].0, "reconcile");
    td.api.verify().await;
}

/// The reported case: a 2xx without an id, then a list that cannot be read, was taken as
/// "not created" and created again on every attempt.
#[tokio::test]
async fn created_without_an_id_and_an_unreadable_list_is_parked_uncertain_not_created_again() {
    let td = start(None).await;
    mount_create(&td.api, ResponseTemplate::new(201).set_body_json(json!({}))).await;
    let a = settle(&td, "uncertain", |_| {
        ResponseTemplate::new(200).set_body_json(json!({"message": "maintenance"}))
    })
    .await;
    assert!(
        a.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("not sent again"),
        "{a:#?}"
    );
    let s = steps(&td.app, &a).await;
    assert_eq!(s[0], ("scheduled_callback".into(), "unknown".into(), None));
    assert_eq!(s.last().map(|l| l.1.as_str()), Some("uncertain"), "{s:?}");
    // The chain moved on to Escalator's own callback.
    let rows = td
        .app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            r.iter().any(|a| a.kind == "named_callback")
        })
        .await;
    assert!(rows.iter().any(|a| a.kind == "named_callback"));
    td.api.verify().await;
}

#[tokio::test]
async fn created_without_an_id_and_a_list_that_keeps_failing_is_parked_uncertain() {
    let td = start(None).await;
    mount_create(&td.api, ResponseTemplate::new(201).set_body_json(json!({}))).await;
    let a = settle(&td, "uncertain", |_| ResponseTemplate::new(500)).await;
    let s = steps(&td.app, &a).await;
    // Read again on every attempt, never created again.
    assert!(
        s.iter().skip(1).all(|(step, ..)| step == "reconcile"),
        "{s:?}"
    );
    assert!(a.attempts > 1, "{a:#?}");
    td.api.verify().await;
}

/// Refused in the OpenAPI's reading (a 400 is refused unapplied), the callback is sent at
/// once in the API reference's reading: `SPECIFIC_RING_GROUP`, `ring_groups`.
#[tokio::test]
async fn a_body_refused_in_one_reading_is_sent_in_the_other_once() {
    let Td { app, api } = start(None).await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .and(body_partial_json(json!({"assign_type": "SPECIFIC_QUEUE"})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "1234", "message": "Invalid assign_type"})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .and(body_partial_json(json!({
            "assign_type": "SPECIFIC_RING_GROUP", "from_call_type": "INBOUND",
            "ring_groups": [{"ring_group": "td-legal"}], "dialing_model": "PREVIEW"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"callback_id": "cb-1"})))
        .expect(1)
        .mount(&api)
        .await;
    mount_custom_fields(&api, ResponseTemplate::new(200), 1).await;
    plan_scheduled_callback(&app, at()).await;
    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "schedule_callback", "succeeded")
        })
        .await;
    let sent = bodies(
        &api.received_requests().await.unwrap(),
        "/schedule-callbacks",
    );
    assert_eq!(sent.len(), 2);
    assert!(sent[1].get("queues").is_none(), "{}", sent[1]);
    // One request's story: the refusal and the second reading are a single step.
    let s = steps(&app, action(&rows, "schedule_callback")).await;
    let scheduled: Vec<_> = s
        .iter()
        .filter(|(step, ..)| step == "scheduled_callback")
        .collect();
    assert_eq!(
        scheduled,
        [&("scheduled_callback".to_string(), "ok".to_string(), None)],
        "{s:?}"
    );
    api.verify().await;
}
