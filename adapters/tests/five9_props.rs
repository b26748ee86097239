//! Whatever reaches the Five9 endpoints, `normalize` and `parse_route_request` answer with
//! events or an error, never a panic: raw bytes, JSON objects, form strings, as POST bodies
//! and as GET query strings, and field sets built from the template's own names.

use escalator_adapters::{five9, Delivery};
use http::{HeaderMap, HeaderValue, Method};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn headers(content_type: Option<&'static str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(ct) = content_type {
        h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    h
}

/// Runs both entry points on a POST body (under each content type) and on a GET query.
fn exercise(body: &[u8]) {
    for ct in [
        None,
        Some("application/json"),
        Some("application/x-www-form-urlencoded"),
        Some("text/plain"),
    ] {
        let h = headers(ct);
        let post = Delivery {
            method: &Method::POST,
            headers: &h,
            query: None,
            path_secret: None,
            body,
        };
        let _ = five9::normalize(&post);
        let _ = five9::parse_route_request(&post);
    }
    let text = String::from_utf8_lossy(body);
    let h = HeaderMap::new();
    let get = Delivery {
        method: &Method::GET,
        headers: &h,
        query: Some(&text),
        path_secret: None,
        body: b"",
    };
    let _ = five9::normalize(&get);
    let _ = five9::parse_route_request(&get);
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::Null),
        interesting_value().prop_map(Value::String),
    ]
}

/// Values shaped like what Five9 sends, and their near misses.
fn interesting_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("@Call.ANI@".to_string()),
        Just("@".to_string()),
        Just("@@".to_string()),
        "[0-9]{1,20}",
        "[0-9]{4}(0[0-9]|1[0-9])[0-9]{11}",
        "[0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}",
        "\\+?[0-9 ()-]{0,20}",
        "[A-Za-z -]{0,30}",
        Just("OnCallAccepted".to_string()),
        Just("On Call Dispositioned".to_string()),
        Just("Escalated - Legal".to_string()),
        Just("ManuallyStarted".to_string()),
        Just("OnChatArrival".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("1e308".to_string()),
    ]
}

/// Keys the adapter reads, plus noise.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "escalator_secret",
            "escalator_trigger",
            "call_id",
            "session_id",
            "ANI",
            "ani",
            "DNIS",
            "type_name",
            "start_timestamp",
            "end_timestamp",
            "length",
            "handle_time",
            "disposition_id",
            "disposition_name",
            "agent_id",
            "agent_user_name",
            "first_name",
            "last_name",
            "escalator_reason",
            "caller_verified",
            "text",
            "intent",
            "language",
        ])
        .prop_map(str::to_string),
        any::<String>(),
    ]
}

fn json_object() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::btree_map(key(), scalar(), 0..24).prop_map(|m| {
        let obj: Map<String, Value> = m.into_iter().collect();
        serde_json::to_vec(&Value::Object(obj)).unwrap_or_default()
    })
}

fn form_string() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (key(), prop_oneof![interesting_value(), any::<String>()]),
        0..24,
    )
    .prop_map(|pairs| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&body);
    }

    #[test]
    fn arbitrary_json_objects_never_panic(body in json_object()) {
        exercise(&body);
    }

    #[test]
    fn arbitrary_form_strings_never_panic(body in form_string()) {
        exercise(&body);
    }

    #[test]
    fn raw_form_text_never_panics(text in "[a-zA-Z0-9_%&=+@. -]{0,200}") {
        exercise(text.as_bytes());
    }

    /// A delivery with the required fields always normalizes, whatever else it holds,
    /// and the same content always gives the same keys.
    #[test]
    fn complete_deliveries_normalize_deterministically(
        trigger in prop_oneof![
            prop::sample::select(vec![
                "OnCallAccepted", "OnCallDisconnected", "OnCallDispositioned",
                "OnWarmTransferInitiation", "ManuallyStarted",
                "ManuallyStartedAllowDuringPreviews", "OnPreview", "OnEmailClose",
                "on call accepted", "Escalated - Legal",
            ]).prop_map(str::to_string),
            "[A-Za-z][A-Za-z -]{0,20}",
        ],
        call_id in "[0-9]{15}",
        extra in prop::collection::vec((key(), interesting_value()), 0..16),
    ) {
        let mut pairs: Vec<(String, String)> = extra
            .into_iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("call_id") && !k.eq_ignore_ascii_case("escalator_trigger"))
            .collect();
        pairs.push(("escalator_trigger".into(), trigger));
        pairs.push(("call_id".into(), call_id));
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let h = headers(Some("application/x-www-form-urlencoded"));
        let d = Delivery { method: &Method::POST, headers: &h, query: None, path_secret: None, body: body.as_bytes() };
        let a = five9::normalize(&d);
        prop_assert!(a.is_ok(), "{a:?}");
        let b = five9::normalize(&d);
        let ids = |r: &Result<Vec<escalator_adapters::CallEvent>, _>| -> Vec<String> {
            r.as_ref().map(|v| v.iter().map(|e| e.event_id.clone()).collect()).unwrap_or_default()
        };
        prop_assert_eq!(ids(&a), ids(&b));
    }
}
