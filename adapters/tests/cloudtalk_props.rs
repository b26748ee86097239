//! Whatever reaches the CloudTalk endpoints, `normalize` and `parse_route_request` answer
//! with events or a named error, never a panic: arbitrary bytes, arbitrary JSON objects of
//! strings, numbers and nulls (with our template's keys mixed in, so the deep paths run),
//! and arbitrary form strings, each as a POST and as a GET.

use escalator_adapters::{cloudtalk, Delivery};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Keys the adapter reads, in the spellings it accepts, plus noise.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("event".to_string()),
        Just("action".to_string()),
        Just("call_uuid".to_string()),
        Just("Call UUID".to_string()),
        Just("call_id".to_string()),
        Just("external_number".to_string()),
        Just("internal_number".to_string()),
        Just("direction".to_string()),
        Just("agent_id".to_string()),
        Just("contact_id".to_string()),
        Just("contact_name".to_string()),
        Just("group_id".to_string()),
        Just("tags".to_string()),
        Just("reason".to_string()),
        Just("transcript".to_string()),
        Just("language".to_string()),
        Just("timestamp".to_string()),
        Just("text".to_string()),
        Just("escalator_secret".to_string()),
        "[a-zA-Z_# ]{0,12}",
    ]
}

/// Values that hit the interesting branches, and anything else.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("call_started"),
            Just("Ringing on Agent"),
            Just("answered"),
            Just("call_modified"),
            Just("raised_hand"),
            Just("call_ended"),
            Just("recording_uploaded"),
            Just("transcription_created"),
            Just("[object Object]"),
            Just("legal,VIP,[object Object]"),
            Just(r#"[{"id":1,"name":"Escalated - Legal"},3,null]"#),
            Just(r#"{"segments":[{"caller":"caller1","text":"hi"}],"callers":[1]}"#),
            Just(r#"{"data":[{"text":5}]}"#),
            Just("393513416607.0"),
            Just("99999999999999999999"),
            Just("2026-03-19 21:59:54"),
            Just("-9223372036854775808"),
        ]
        .prop_map(|s| Value::String(s.to_string())),
        ".{0,40}".prop_map(Value::String),
    ]
}

fn json_object() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::btree_map(key(), scalar(), 0..12).prop_map(|m| {
        let map: Map<String, Value> = m.into_iter().collect();
        serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
    })
}

fn form_string() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,200}",
        prop::collection::vec((key(), ".{0,30}"), 0..10).prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        }),
    ]
}

/// Runs both entry points on one request; only a panic fails.
fn exercise(method: Method, headers: &HeaderMap, query: Option<&str>, body: &[u8]) {
    let d = Delivery {
        method: &method,
        headers,
        query,
        path_secret: None,
        body,
    };
    let _ = cloudtalk::normalize(&d);
    let _ = cloudtalk::parse_route_request(&d);
}

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h
}

fn form_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    h
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(Method::POST, &json_headers(), None, &body);
        exercise(Method::POST, &form_headers(), None, &body);
        exercise(Method::POST, &HeaderMap::new(), None, &body);
        let lossy = String::from_utf8_lossy(&body);
        exercise(Method::GET, &HeaderMap::new(), Some(&lossy), b"");
    }

    #[test]
    fn arbitrary_json_objects_never_panic(body in json_object()) {
        exercise(Method::POST, &json_headers(), None, &body);
        // The same object's text as a GET query: nonsense, but it must not panic either.
        let text = String::from_utf8_lossy(&body);
        exercise(Method::GET, &HeaderMap::new(), Some(&text), b"");
    }

    #[test]
    fn arbitrary_forms_never_panic(form in form_string()) {
        exercise(Method::POST, &form_headers(), None, form.as_bytes());
        exercise(Method::GET, &HeaderMap::new(), Some(&form), b"");
        exercise(Method::POST, &json_headers(), Some(&form), b"{}");
    }

    /// A delivery that normalizes gives the same keys when delivered again.
    #[test]
    fn keys_are_deterministic(body in json_object()) {
        let h = json_headers();
        let d = Delivery::json(&body, &h);
        if let Ok(first) = cloudtalk::normalize(&d) {
            let again = cloudtalk::normalize(&d).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let ids = |v: &[escalator_adapters::CallEvent]| -> Vec<String> {
                v.iter().map(|e| e.event_id.clone()).collect()
            };
            prop_assert_eq!(ids(&first), ids(&again));
        }
    }
}
