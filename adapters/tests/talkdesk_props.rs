//! Whatever reaches `/webhooks/talkdesk` or `/route/talkdesk`, the adapter answers with
//! events or an error naming a field, and never panics.

use escalator_adapters::{talkdesk, Delivery, RouteAnswer};
use http::{HeaderMap, HeaderValue, Method};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Field names the adapter reads, so generated objects reach its mappings, not only the
/// "missing field" paths.
const KEYS: [&str; 16] = [
    "event",
    "trigger",
    "interaction_id",
    "call_id",
    "agent_id",
    "contact_id",
    "contact_phone_number",
    "contact_name",
    "contact_first_name",
    "talkdesk_phone_number",
    "timestamp",
    "is_transfer",
    "hangup",
    "disposition",
    "caller",
    "utterance",
];

const EVENTS: [&str; 10] = [
    "inbound_call_reaches_contact_center",
    "inboundCallStarts",
    "Inbound call ends",
    "outbound_call_ends",
    "agentLogIn",
    "agent_log_out",
    "contact_created",
    "noteCreated",
    "disposition_code_set",
    "voicemail_left",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::String),
        prop::sample::select(EVENTS.to_vec()).prop_map(|s| Value::String(s.to_string())),
        prop::sample::select(vec![
            "true",
            "{{timestamp}}",
            "%{x}",
            "1774352826",
            "1774352826000",
            "99999999999999999",
            "2026-03-24 11:47:06",
            "+14155550123",
            "Escalated - Legal",
            "",
        ])
        .prop_map(|s| Value::String(s.to_string())),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(Value::Null),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(KEYS.to_vec()).prop_map(str::to_string),
        "[a-z_]{0,12}",
    ]
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), scalar()), 0..12)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
}

fn form_string() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), any::<String>()), 0..10).prop_map(|pairs| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(&k, &v);
        }
        s.finish()
    })
}

/// Runs both entry points on a delivery; only a panic fails.
fn exercise(method: &Method, content_type: Option<&'static str>, query: Option<&str>, body: &[u8]) {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    let d = Delivery {
        method,
        headers: &headers,
        query,
        path_secret: Some("s"),
        body,
    };
    if let Ok(events) = talkdesk::normalize(&d) {
        for e in events {
            assert!(!e.event_id.is_empty());
            assert!(!e.call_id.is_empty());
        }
    }
    let _ = talkdesk::parse_route_request(&d);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&Method::POST, Some("application/json"), None, &body);
        exercise(&Method::POST, Some("application/x-www-form-urlencoded"), None, &body);
        exercise(&Method::POST, None, None, &body);
    }

    #[test]
    fn arbitrary_json_objects_never_panic(obj in object(), query in form_string()) {
        let body = serde_json::to_vec(&obj).unwrap_or_default();
        exercise(&Method::POST, Some("application/json"), None, &body);
        exercise(&Method::POST, Some("application/json"), Some(&query), &body);
    }

    #[test]
    fn arbitrary_forms_never_panic(form in form_string()) {
        exercise(&Method::POST, Some("application/x-www-form-urlencoded"), None, form.as_bytes());
        exercise(&Method::GET, None, Some(&form), b"");
    }

    #[test]
    fn arbitrary_query_text_never_panics(query in any::<String>()) {
        exercise(&Method::GET, None, Some(&query), b"");
    }

    #[test]
    fn a_redelivery_keeps_its_keys(obj in object()) {
        let body = serde_json::to_vec(&obj).unwrap_or_default();
        let headers = HeaderMap::new();
        let keys = || {
            talkdesk::normalize(&Delivery::json(&body, &headers))
                .map(|events| events.into_iter().map(|e| e.event_id).collect::<Vec<_>>())
                .ok()
        };
        prop_assert_eq!(keys(), keys());
    }

    #[test]
    fn the_template_never_panics(url in any::<String>(), secret in any::<String>(), priority in any::<u32>()) {
        let _ = talkdesk::template(&url, &secret);
        let answer = talkdesk::route_response(&RouteAnswer {
            escalate: true,
            team: Some(secret),
            destination: None,
            priority,
            briefing: None,
        });
        prop_assert!(answer.as_object().is_some_and(|o| o.values().all(|v| !v.is_null())));
    }
}
