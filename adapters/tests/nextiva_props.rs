//! Whatever reaches the Nextiva endpoints, `normalize` and `parse_route_request` answer
//! with events or an error, never a panic: arbitrary bytes, flat JSON objects of strings,
//! numbers and nulls (with our field names and NCC's template syntax mixed in), and form
//! strings, each as a POST body and as a GET query string.

use escalator_adapters::{nextiva, Delivery};
use http::{HeaderMap, HeaderValue, Method};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Field names our templates use, so generated objects reach the interesting paths.
const KEYS: [&str; 16] = [
    "event",
    "workitemId",
    "type",
    "from",
    "to",
    "queueId",
    "agentUsername",
    "agentId",
    "disposition",
    "escalate",
    "transcript",
    "text",
    "verified",
    "eventTime",
    "createdAt",
    "callerName",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(KEYS.to_vec()).prop_map(str::to_string),
        "[a-zA-Z_]{1,12}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::sample::select(vec![
            "call_started",
            "queued",
            "agent_connected",
            "caller_verified",
            "disposition",
            "call_ended",
            "transcript",
            "message",
            "escalation_requested",
            "InboundCall",
            "OutboundCall",
            "Chat",
            "+16025550123",
            "1773957621482",
            "true",
            "auto",
            "Legal threat",
            "undefined",
            "${workitem.",
            "${a}${",
            "$V.",
            "$V.workitem.from.",
            "$surveyResult{_${x}",
            "{{",
            "{{x}}}",
            "CLIENT: a USER: b\nAGENT:",
            "[{\"type\":1}]",
            "[{\"textMsg\":\"\u{e9}\"}]",
            "Thu Mar 19 2026 22:00:21 GMT+9999",
        ])
        .prop_map(str::to_string),
        "[ -~\u{e9}\u{20ac}\n\r\t]{0,40}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::String),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::Null),
    ]
}

fn object() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((key(), scalar()), 0..12).prop_map(|pairs| {
        let map: Map<String, Value> = pairs.into_iter().collect();
        serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
    })
}

fn form() -> impl Strategy<Value = String> {
    proptest::collection::vec((key(), text()), 0..12).prop_map(|pairs| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    })
}

/// Runs both entry points on `body` as a POST with `content_type`, and on `query` as a GET.
fn exercise(body: &[u8], content_type: Option<&'static str>, query: Option<&str>) {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    let post = Delivery {
        method: &Method::POST,
        headers: &headers,
        query: None,
        path_secret: None,
        body,
    };
    let _ = nextiva::normalize(&post);
    let _ = nextiva::parse_route_request(&post);
    let get = Delivery {
        method: &Method::GET,
        headers: &headers,
        query,
        path_secret: None,
        body: b"",
    };
    let _ = nextiva::normalize(&get);
    let _ = nextiva::parse_route_request(&get);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let query = String::from_utf8_lossy(&body).into_owned();
        exercise(&body, None, Some(&query));
        exercise(&body, Some("application/json"), None);
        exercise(&body, Some("application/x-www-form-urlencoded"), None);
    }

    #[test]
    fn arbitrary_json_objects_never_panic(body in object()) {
        exercise(&body, Some("application/json"), None);
        // The same object with raw control characters, as NCC might paste them.
        let raw: Vec<u8> = body.iter().map(|b| if *b == b'n' { b'\n' } else { *b }).collect();
        exercise(&raw, Some("application/json"), None);
    }

    #[test]
    fn arbitrary_forms_never_panic(body in form()) {
        exercise(body.as_bytes(), Some("application/x-www-form-urlencoded"), Some(&body));
        exercise(body.as_bytes(), None, Some(&body));
    }
}
