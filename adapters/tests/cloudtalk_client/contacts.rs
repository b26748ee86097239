//! Contacts and what hangs on them: lookup by exact number, creation, notes, tags, and the
//! named callback as a task activity.

use escalator_adapters::cloudtalk::{Activity, ActivityType, CallbackCommitment, NewContact};
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path, query_param};
use wiremock::Mock;

use crate::common::assertions::assert_transport;
use crate::common::replies::json_reply;
use crate::kit::{briefing, created, setup, AGENT, CALLER, CONTACT};

#[tokio::test]
async fn contact_lookup_keeps_only_the_exact_number() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/contacts/index.json"))
        .and(query_param("keyword", CALLER))
        .and(query_param("limit", "50"))
        .respond_with(json_reply(
            200,
            json!({"responseData": {
            "itemsCount": 2, "pageCount": 1, "pageNumber": 1, "limit": 50, "data": [
              {"Contact": {"id": "1451000001", "name": "Partial match"},
               "ContactNumber": {"public_number": 3935134166070u64}},
              {"Contact": {"id": CONTACT, "name": "Jane Doe", "company": "ACME"},
               "ContactNumber": {"public_number": 393513416607u64},
               "ContactEmail": {"email": "jane@example.com"}}
            ]}}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let found = client
        .find_contact_by_number(CALLER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, CONTACT);
    assert_eq!(found.name.as_deref(), Some("Jane Doe"));
    assert_eq!(found.numbers, vec![CALLER.to_string()]);
    // Any form of the number searches the E.164 form.
    let again = client
        .find_contact_by_number("0039 351 341 6607")
        .await
        .unwrap();
    assert_eq!(again.map(|c| c.id).as_deref(), Some(CONTACT));

    Mock::given(method("GET"))
        .and(path("/api/contacts/index.json"))
        .and(query_param("keyword", "15555550100"))
        .respond_with(json_reply(
            200,
            json!({"responseData": {
            "itemsCount": 0, "pageCount": 0, "pageNumber": 1, "limit": 50, "data": []}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert!(client
        .find_contacts("15555550100")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn contact_is_created_with_its_number_and_tags() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/contacts/add.json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Jane Doe",
            "ContactNumber": [{"public_number": CALLER}],
            "ContactsTag": [{"name": "escalated"}],
            "ExternalUrl": [{"name": "Escalator", "url": "https://esc.example/e/ESC-1042"}]
        })))
        .respond_with(created("12345"))
        .expect(1)
        .mount(&server)
        .await;
    let contact = NewContact {
        name: "Jane Doe".into(),
        number: "393513416607".into(),
        tags: vec!["escalated".into()],
        external_url: Some(("Escalator".into(), "https://esc.example/e/ESC-1042".into())),
    };
    assert_eq!(client.create_contact(&contact).await.unwrap(), "12345");
}

#[tokio::test]
async fn a_create_without_an_id_must_be_re_read() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/contacts/add.json"))
        .respond_with(json_reply(201, json!({"responseData": {"status": 201}})))
        .mount(&server)
        .await;
    let contact = NewContact {
        name: "Jane Doe".into(),
        number: CALLER.into(),
        tags: vec![],
        external_url: None,
    };
    assert_transport(&client.create_contact(&contact).await.unwrap_err());
}

#[tokio::test]
async fn notes_are_added_and_read_back_by_reference() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/notes/add/{CONTACT}.json")))
        .and(body_json(
            json!({"note": "ESC-1042: escalated to legal (lawyer mentioned)", "user_id": 493933}),
        ))
        .respond_with(created("2088635"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/notes/index.json"))
        .and(query_param("contact_id", CONTACT))
        .and(query_param("keyword", "ESC-1042"))
        .respond_with(json_reply(
            200,
            json!({"responseData": {
            "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1000, "data": [
              {"ContactNote": {"id": "2088635", "contact_id": CONTACT, "user_id": "493933",
                "note": "ESC-1042: escalated to legal (lawyer mentioned)",
                "created": "2026-03-02T13:00:00.000Z"}}]}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let id = client
        .add_note(
            CONTACT,
            "ESC-1042: escalated to legal (lawyer mentioned)",
            Some(AGENT),
        )
        .await
        .unwrap();
    assert_eq!(id, "2088635");
    let notes = client.notes(CONTACT, Some("ESC-1042")).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].user_id.as_deref(), Some(AGENT));
}

#[tokio::test]
async fn tags_are_added_and_removed() {
    let (server, client) = setup().await;
    let answer = |message: &str| {
        json_reply(
            200,
            json!({"responseData": {
            "status": 200, "message": message,
            "data": {"tags": [{"id": "123", "name": "Legal"}, {"id": "456", "name": "callback-legal"}],
                     "contact_id": CONTACT}}}),
        )
    };
    Mock::given(method("PUT"))
        .and(path(format!("/api/contacts/addTags/{CONTACT}.json")))
        .and(body_json(json!({"tags": ["Legal", "callback-legal"]})))
        .respond_with(answer("Tags were sucessfully added."))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/api/contacts/removeTags/{CONTACT}.json")))
        .and(body_json(json!({"tags": ["callback-legal"]})))
        .respond_with(answer("Tags were successfully removed."))
        .expect(1)
        .mount(&server)
        .await;
    let tags = client
        .add_tags(CONTACT, &["Legal".into(), " callback-legal ".into()])
        .await
        .unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].id.as_deref(), Some("123"));
    assert_eq!(tags[0].name, "Legal");
    client
        .remove_tags(CONTACT, &["callback-legal".into()])
        .await
        .unwrap();
}

#[tokio::test]
async fn the_named_callback_is_a_task_activity() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/activity/add/{CONTACT}.json")))
        .and(body_partial_json(json!({
            "type": "task",
            "name": "Callback ESC-1042: legal (Sam Legal)",
            "activity_date": "2026-03-02T14:00:00.000Z",
            "activity_author": "Escalator",
            "external_url": "https://esc.example/callbacks/ESC-1042"
        })))
        .respond_with(created("777"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/activity/index.json"))
        .and(query_param("contact_id", CONTACT))
        .and(query_param("type", "task"))
        .respond_with(json_reply(
            200,
            json!({"responseData": {
            "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1000, "data": [
              {"ContactActivity": {"id": "777", "contact_id": CONTACT, "type": "task",
                "name": "Callback ESC-1042: legal (Sam Legal)",
                "activity_date": "2026-03-02T14:00:00.000Z"}}]}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let commitment = CallbackCommitment {
        briefing: briefing(),
        owner: "Sam Legal".into(),
        team: "legal".into(),
        number: CALLER.into(),
        window_start: "2026-03-02T14:00:00Z".parse().unwrap(),
        window_end: "2026-03-02T15:00:00Z".parse().unwrap(),
        time_zone: Some("Europe/Rome".into()),
        link: Some("https://esc.example/callbacks/ESC-1042".into()),
    };
    let activity = Activity::callback_task(&commitment);
    assert_eq!(
        client.add_activity(CONTACT, &activity).await.unwrap(),
        "777"
    );
    let found = client
        .activities(CONTACT, Some(ActivityType::Task))
        .await
        .unwrap();
    assert!(found[0].name.contains("ESC-1042"));
}
