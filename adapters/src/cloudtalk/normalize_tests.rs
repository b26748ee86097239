//! The CloudTalk normalizer's cases, one per trigger and field shape.
use super::*;
use http::HeaderMap;
use serde_json::json;

fn run(v: Value) -> Result<Vec<CallEvent>, NormalizeError> {
    let body = serde_json::to_vec(&v).unwrap();
    let headers = HeaderMap::new();
    normalize(&Delivery::json(&body, &headers))
}

fn started() -> Value {
    json!({"event": "call_started", "call_uuid": "u1", "direction": "incoming",
        "internal_number": 40312296109_i64, "external_number": 421900123456_i64,
        "contact_id": 1451646073, "agent_id": null})
}

#[test]
fn the_contacts_state_goes_into_the_calls_refs() {
    let mut v = started();
    v["contact_state"] = json!("FL");
    assert_eq!(run(v).unwrap()[0].refs[crate::REF_CALLER_SUBDIVISION], "FL");
    assert!(!run(started()).unwrap()[0]
        .refs
        .contains_key(crate::REF_CALLER_SUBDIVISION));
}

#[test]
fn bare_digits_get_a_plus() {
    let e = &run(started()).unwrap()[0];
    assert_eq!(e.caller.number.as_deref(), Some("+421900123456"));
    assert_eq!(e.event_id, "call_started:u1");
    assert_eq!(
        e.kind,
        EventKind::CallStarted {
            direction: Some(Direction::Inbound),
            line: Some("+40312296109".into())
        }
    );
    assert_eq!(e.refs["contact_id"], "1451646073");
    assert!(!e.refs.contains_key("agent_id"));
}

#[test]
fn trigger_names_in_every_spelling() {
    for (raw, want) in [
        ("Ringing on Agent", Trigger::RingingOnAgent),
        ("call_ringing_on_agent", Trigger::RingingOnAgent),
        ("ended", Trigger::Ended),
        ("Call - Raised Hand", Trigger::RaisedHand),
        ("CALL_MODIFIED", Trigger::Modified),
        (
            "agent_status_changed",
            Trigger::Unknown("agent_status_changed".into()),
        ),
    ] {
        assert_eq!(Trigger::parse(raw), Some(want), "{raw}");
    }
    assert_eq!(Trigger::parse("--"), None);
}

#[test]
fn legal_tag_is_an_escalation_with_the_tag_verbatim() {
    let events = run(json!({"event": "call_modified", "call_uuid": "u1",
        "tags": ["VIP", "legal"], "notes": "customer upset"}))
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_id, "tag:u1:legal");
    assert_eq!(
        events[0].kind,
        EventKind::EscalationRequested {
            reason: Some("legal".into())
        }
    );
}

#[test]
fn tags_in_every_form() {
    assert_eq!(split_tags("legal, VIP"), ["legal", "VIP"]);
    assert_eq!(
        split_tags(r#"[{"id":1,"name":"Escalated - Legal"},{"id":2,"label":"VIP"}]"#),
        ["Escalated - Legal", "VIP"]
    );
    assert_eq!(split_tags(r#"{"id":1,"label":"Fraud"}"#), ["Fraud"]);
    assert_eq!(
        split_tags("[object Object],[object Object]"),
        Vec::<String>::new()
    );
    assert_eq!(split_tags("[not json"), ["[not json"]);
}

#[test]
fn only_escalation_words_make_a_tag_a_trigger() {
    for tag in [
        "legal",
        "Escalated - Legal",
        "escalate",
        "Self-harm",
        "self harm",
        "Fraud suspected",
        "Supervisor",
    ] {
        assert!(is_escalation_tag(tag), "{tag}");
    }
    for tag in ["VIP", "Sales", "paralegal", "multimedia", "callback"] {
        assert!(!is_escalation_tag(tag), "{tag}");
    }
}

#[test]
fn modified_without_escalation_tag_is_kept_with_a_content_key() {
    let a = run(json!({"event": "call_modified", "call_uuid": "u1", "tags": "VIP"})).unwrap();
    let b = run(json!({"event": "call_modified", "call_uuid": "u1", "tags": "Sales"})).unwrap();
    assert!(matches!(a[0].kind, EventKind::Other { ref name } if name == "call_modified"));
    assert_ne!(a[0].event_id, b[0].event_id);
}

#[test]
fn the_same_tag_on_ended_dedupes_against_modified() {
    let modified =
        run(json!({"event": "call_modified", "call_uuid": "u1", "tags": "legal"})).unwrap();
    let ended =
        run(json!({"event": "call_ended", "call_uuid": "u1", "tags": "legal,VIP"})).unwrap();
    assert_eq!(ended.len(), 2);
    assert_eq!(ended[1].event_id, modified[0].event_id);
}

#[test]
fn raised_hand_asks_for_a_supervisor() {
    let e =
        &run(json!({"event": "raised_hand", "call_uuid": "u1", "agent_id": 493933})).unwrap()[0];
    assert_eq!(e.event_id, "raised_hand:u1:493933");
    assert_eq!(
        e.kind,
        EventKind::EscalationRequested {
            reason: Some("Raised Hand".into())
        }
    );
}

#[test]
fn each_agent_rung_is_its_own_event_and_not_the_call_agent() {
    let a = run(json!({"event": "ringing_on_agent", "call_uuid": "u1", "agent_id": 1})).unwrap();
    let b = run(json!({"event": "ringing_on_agent", "call_uuid": "u1", "agent_id": 2})).unwrap();
    assert_ne!(a[0].event_id, b[0].event_id);
    assert!(!a[0].refs.contains_key("agent_id"));
}

#[test]
fn a_sent_timestamp_sets_the_time_and_separates_firings() {
    let e = &run(
        json!({"event": "answered", "call_uuid": "u1", "agent_id": 7,
        "timestamp": "2026-03-19T21:59:54Z"}),
    )
    .unwrap()[0];
    assert_eq!(e.occurred_at.to_string(), "2026-03-19T21:59:54Z");
    assert_eq!(e.event_id, "answered:u1:7:1773957594000");
}

#[test]
fn object_object_transcript_is_absent() {
    let e = &run(
        json!({"transcript": "[object Object]", "call_id": 1002409191,
        "event": "transcription_created"}),
    )
    .unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].event_id, "transcription_created:1002409191");
    assert!(matches!(e[0].kind, EventKind::Other { .. }));
}

#[test]
fn transcript_segments_keep_their_speakers() {
    let t = json!({"segments": [
            {"caller": "caller1", "text": "I will sue you"},
            {"caller": "caller2", "text": "I understand"}],
        "callers": [{"type": "contact", "localIdentifier": "caller1"},
                    {"type": "agent", "localIdentifier": "caller2"}],
        "language": "en"});
    let events =
        run(json!({"event": "transcription_created", "call_id": 5, "transcript": t})).unwrap();
    let speakers: Vec<Speaker> = events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Utterance(u) => u.speaker,
            k => panic!("{k:?}"),
        })
        .collect();
    assert_eq!(speakers, [Speaker::Customer, Speaker::Agent]);
}

#[test]
fn errors_name_the_field() {
    assert_eq!(run(json!({"call_uuid": "u1"})).unwrap_err().field, "event");
    assert_eq!(
        run(json!({"event": "call_started"})).unwrap_err().field,
        "call_uuid"
    );
    assert_eq!(
        run(json!({"event": "recording_uploaded"}))
            .unwrap_err()
            .field,
        "call_id"
    );
    assert_eq!(
        run(json!({"action": {"x": 1}, "call_uuid": "u1"}))
            .unwrap_err()
            .field,
        "action"
    );
    assert_eq!(
        run(json!({"event": "answered", "Call UUID": ["u1"]}))
            .unwrap_err()
            .field,
        "Call UUID"
    );
}

#[test]
fn unknown_triggers_are_kept_without_a_call() {
    let a =
        run(json!({"event": "agent_status_changed", "agent_id": 1, "status": "online"})).unwrap();
    let b =
        run(json!({"event": "agent_status_changed", "agent_id": 1, "status": "paused"})).unwrap();
    assert_eq!(a[0].call_id, "-");
    assert_ne!(a[0].event_id, b[0].event_id);
}
