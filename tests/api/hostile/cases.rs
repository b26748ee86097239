//! The bad-input matrix: every case is a request the service must refuse.

use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::Secret;
use reqwest::Method;
use serde_json::{json, Value};

use super::Case;
use crate::helpers::*;

const OTHER_STANDARD_KEY: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A Standard Webhooks utterance that would escalate if it were accepted.
fn standard_body() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "platform": "five9", "type": "utterance", "call_id": "300000000001",
        "occurred_at": "2026-03-19T22:04:48Z", "utterance_id": "sa-1",
        "speaker": "customer", "text": "I will sue you", "is_final": true
    }))
    .expect("JSON")
}

/// A Standard Webhooks request: `body` signed with `key` as message `id` at `ts`.
fn standard(name: &str, id: &str, ts: i64, key: &str, body: Vec<u8>) -> Case {
    let signature = sign(
        &SigningKey::parse(&Secret::new(key)).expect("key"),
        id,
        ts,
        &body,
    );
    Case::post(name, "/webhooks/standard")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .json(body)
}

/// One vendor's endpoint with its credential in the place the vendor puts it (never in
/// the body, so the body can be anything) and a valid delivery to start from.
struct Endpoint {
    vendor: &'static str,
    valid: Vec<u8>,
    content_type: &'static str,
    /// A JSON delivery, cut in half for the truncation case (a cut form is still a form).
    json: Vec<u8>,
    /// What an empty delivery is refused for.
    empty: &'static str,
}

impl Endpoint {
    fn all() -> Vec<Endpoint> {
        let five9 = String::from_utf8(fixture("five9/dispositioned-legal.form"))
            .expect("UTF-8")
            .replace("f9-test-secret", SECRET);
        vec![
            Endpoint {
                vendor: "genesys",
                valid: serde_json::to_vec(&transcription("u-1", "I will sue", "EXTERNAL", true))
                    .expect("JSON"),
                content_type: "application/json",
                json: Vec::new(),
                empty: "body",
            }
            .json_is_valid(),
            Endpoint {
                vendor: "talkdesk",
                valid: fixture("talkdesk/disposition-escalated-legal.json"),
                content_type: "application/json",
                json: Vec::new(),
                empty: "body",
            }
            .json_is_valid(),
            Endpoint {
                vendor: "five9",
                valid: five9.into_bytes(),
                content_type: "application/x-www-form-urlencoded",
                json: serde_json::to_vec(&json!({
                    "escalator_trigger": "OnCallDispositioned", "call_id": "300000000123456",
                    "ANI": "4155550123", "disposition_name": "Escalated - Legal"
                }))
                .expect("JSON"),
                // The secret rides in the query, so the delivery is not empty of fields.
                empty: "escalator_trigger",
            },
            Endpoint {
                vendor: "nextiva",
                valid: fixture("nextiva/disposition.legal-threat.json"),
                content_type: "application/json",
                json: Vec::new(),
                empty: "body",
            }
            .json_is_valid(),
            Endpoint {
                vendor: "cloudtalk",
                valid: fixture("cloudtalk/call-modified-legal-tag.json"),
                content_type: "application/json",
                json: Vec::new(),
                empty: "body",
            }
            .json_is_valid(),
            Endpoint {
                vendor: "standard",
                valid: standard_body(),
                content_type: "application/json",
                json: Vec::new(),
                empty: "body",
            }
            .json_is_valid(),
        ]
    }

    fn json_is_valid(self) -> Self {
        Endpoint {
            json: self.valid.clone(),
            ..self
        }
    }

    /// An authenticated request carrying `body`.
    fn request(&self, what: &str, content_type: &str, body: Vec<u8>) -> Case {
        let name = format!("{}: {what}", self.vendor);
        let case = match self.vendor {
            "talkdesk" => Case::post(name, format!("/webhooks/talkdesk/{SECRET}")),
            "five9" => Case::post(name, format!("/webhooks/five9?escalator_secret={SECRET}")),
            "standard" => Case {
                headers: standard_headers(&body),
                ..Case::post(name, "/webhooks/standard")
            },
            _ => Case::post(name, format!("/webhooks/{}", self.vendor))
                .header("X-Escalator-Token", SECRET),
        };
        case.header("content-type", content_type).body(body)
    }
}

fn standard_headers(body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let ts = now();
    let id = format!("msg_{}", body.len());
    let key = SigningKey::parse(&Secret::new(STANDARD_KEY)).expect("key");
    vec![
        ("webhook-id".into(), id.clone().into_bytes()),
        ("webhook-timestamp".into(), ts.to_string().into_bytes()),
        (
            "webhook-signature".into(),
            sign(&key, &id, ts, body).into_bytes(),
        ),
    ]
}

/// Bodies no vendor can take, sent with valid credentials.
fn bad_bodies(e: &Endpoint) -> Vec<Case> {
    let json = "application/json";
    let truncated = e.json[..e.json.len() / 2].to_vec();
    let mut invalid_utf8 = b"{\"call_id\": \"".to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    invalid_utf8.extend_from_slice(b"\"}");
    vec![
        e.request("empty body", e.content_type, Vec::new())
            .field(e.empty),
        e.request("truncated delivery", json, truncated)
            .field("body"),
        e.request("invalid JSON", json, b"{not json".to_vec())
            .field("body"),
        e.request("invalid UTF-8", json, invalid_utf8).field("body"),
        e.request("10k nested arrays", json, "[".repeat(10_000).into_bytes())
            .field("body"),
        e.request(
            "10k nested objects",
            json,
            "{\"a\":".repeat(10_000).into_bytes(),
        )
        .field("body"),
        e.request("a JSON string, not an object", json, b"\"hello\"".to_vec())
            .field("body"),
        e.request(
            "XML",
            "application/xml",
            b"<call><id>1</id></call>".to_vec(),
        )
        .expect(415, "unsupported_media_type")
        .field("content-type"),
        e.request(
            "multipart",
            "multipart/form-data; boundary=x",
            b"--x--".to_vec(),
        )
        .expect(415, "unsupported_media_type")
        .field("content-type"),
    ]
}

/// Missing, wrong and malformed credentials on each vendor's usual place for them.
fn bad_credentials() -> Vec<Case> {
    let genesys = serde_json::to_vec(&customer_start()).expect("JSON");
    let talkdesk = fixture("talkdesk/disposition-escalated-legal.json");
    let nextiva = fixture("nextiva/disposition.legal-threat.json");
    let five9 = String::from_utf8(fixture("five9/dispositioned-legal.form")).expect("UTF-8");
    let mut cloudtalk: Value =
        serde_json::from_slice(&fixture("cloudtalk/call-modified-legal-tag.json")).expect("JSON");
    cloudtalk["escalator_secret"] = json!("guess");
    let form = "application/x-www-form-urlencoded";
    vec![
        Case::post("genesys: no token", "/webhooks/genesys")
            .json(genesys.clone())
            .unauthorized("missing_credentials"),
        Case::post("genesys: wrong token", "/webhooks/genesys")
            .header("X-Escalator-Token", "guess")
            .json(genesys.clone())
            .unauthorized("invalid_credentials"),
        Case::post("genesys: empty token", "/webhooks/genesys")
            .header("X-Escalator-Token", "")
            .json(genesys.clone())
            .unauthorized("invalid_credentials"),
        Case::post("genesys: token with a trailing byte", "/webhooks/genesys")
            .header("X-Escalator-Token", format!("{SECRET}x"))
            .json(genesys.clone())
            .unauthorized("invalid_credentials"),
        Case::post("genesys: non-UTF-8 token", "/webhooks/genesys")
            .header("X-Escalator-Token", [0xff, 0xfe, 0x80])
            .json(genesys.clone())
            .unauthorized("invalid_credentials"),
        Case::post("genesys route: wrong token", "/route/genesys")
            .header("X-Escalator-Token", "guess")
            .json(genesys)
            .unauthorized("invalid_credentials"),
        Case::post(
            "talkdesk: wrong secret in the path",
            "/webhooks/talkdesk/guess",
        )
        .json(talkdesk.clone())
        .unauthorized("invalid_credentials"),
        Case::post("talkdesk: no secret", "/webhooks/talkdesk")
            .json(talkdesk.clone())
            .unauthorized("missing_credentials"),
        Case::post(
            "talkdesk: wrong secret in the query",
            "/webhooks/talkdesk?secret=guess",
        )
        .json(talkdesk.clone())
        .unauthorized("invalid_credentials"),
        Case::post("talkdesk route: wrong X-API-Key", "/route/talkdesk")
            .header("X-API-Key", "guess")
            .json(talkdesk)
            .unauthorized("invalid_credentials"),
        Case::post("five9: wrong connector secret", "/webhooks/five9")
            .header("content-type", form)
            .body(five9.replace("f9-test-secret", "guess"))
            .unauthorized("invalid_credentials"),
        Case::post("five9: no connector secret", "/webhooks/five9")
            .header("content-type", form)
            .body(five9.replace("escalator_secret=f9-test-secret&", ""))
            .unauthorized("missing_credentials"),
        Case::new(
            "five9: GET with a wrong secret",
            Method::GET,
            "/webhooks/five9?escalator_secret=guess&call_id=1",
        )
        .unauthorized("invalid_credentials"),
        Case::post("five9 route: no secret", "/route/five9")
            .header("content-type", form)
            .body("call_id=300000000999&text=court")
            .unauthorized("missing_credentials"),
        Case::post("nextiva: wrong token", "/webhooks/nextiva")
            .header("X-Escalator-Token", "guess")
            .json(nextiva.clone())
            .unauthorized("invalid_credentials"),
        Case::post("nextiva: wrong Basic password", "/webhooks/nextiva")
            // base64("escalator:guess")
            .header("Authorization", "Basic ZXNjYWxhdG9yOmd1ZXNz")
            .json(nextiva.clone())
            .unauthorized("invalid_credentials"),
        Case::post("nextiva: Basic that is not base64", "/webhooks/nextiva")
            .header("Authorization", "Basic %%%not-base64")
            .json(nextiva.clone())
            .unauthorized("malformed_credentials")
            .naming("field", "authorization"),
        Case::post("nextiva: Bearer instead of Basic", "/webhooks/nextiva")
            .header("Authorization", format!("Bearer {SECRET}"))
            .json(nextiva)
            .unauthorized("malformed_credentials"),
        Case::post("cloudtalk: wrong secret in the body", "/webhooks/cloudtalk")
            .json(serde_json::to_vec(&cloudtalk).expect("JSON"))
            .unauthorized("invalid_credentials"),
        Case::post("cloudtalk: wrong token header", "/webhooks/cloudtalk")
            .header("X-Escalator-Token", "guess")
            .json(serde_json::to_vec(&cloudtalk).expect("JSON"))
            .unauthorized("invalid_credentials"),
    ]
}

/// Standard Webhooks: missing, wrong, stale, replayed and malformed signatures.
fn bad_signatures() -> Vec<Case> {
    let body = standard_body();
    let ts = now();
    let valid = standard(
        "standard: valid",
        "msg_valid",
        ts,
        STANDARD_KEY,
        body.clone(),
    );
    let signature = valid.headers[2].1.clone();
    let without = |name: &str, header: &str| {
        let mut c = standard(name, "msg_x", ts, STANDARD_KEY, body.clone());
        c.headers.retain(|(h, _)| h != header);
        c.unauthorized("missing_credentials")
    };
    let with = |name: &str, header: &str, value: &[u8]| {
        let mut c = standard(name, "msg_x", ts, STANDARD_KEY, body.clone());
        for (h, v) in &mut c.headers {
            if h == header {
                *v = value.to_vec();
            }
        }
        c
    };
    let mut other_body: Value = serde_json::from_slice(&body).expect("JSON");
    other_body["text"] = json!("I will sue you twice");
    vec![
        Case::post("standard: unsigned", "/webhooks/standard")
            .json(body.clone())
            .unauthorized("missing_credentials"),
        without("standard: no webhook-id", "webhook-id"),
        without("standard: no webhook-timestamp", "webhook-timestamp"),
        without("standard: no webhook-signature", "webhook-signature"),
        standard(
            "standard: wrong key",
            "msg_1",
            ts,
            OTHER_STANDARD_KEY,
            body.clone(),
        )
        .unauthorized("invalid_credentials"),
        standard(
            "standard: 6 minutes old",
            "msg_2",
            ts - 360,
            STANDARD_KEY,
            body.clone(),
        )
        .unauthorized("stale_timestamp"),
        standard(
            "standard: 6 minutes ahead",
            "msg_3",
            ts + 360,
            STANDARD_KEY,
            body.clone(),
        )
        .unauthorized("stale_timestamp"),
        standard(
            "standard: a day-old replay",
            "msg_4",
            ts - 86_400,
            STANDARD_KEY,
            body.clone(),
        )
        .unauthorized("stale_timestamp"),
        with(
            "standard: timestamp not a number",
            "webhook-timestamp",
            b"yesterday",
        )
        .unauthorized("malformed_credentials")
        .naming("field", "webhook-timestamp"),
        with(
            "standard: timestamp in milliseconds",
            "webhook-timestamp",
            (ts * 1000).to_string().as_bytes(),
        )
        .unauthorized("stale_timestamp"),
        with(
            "standard: signature without a version",
            "webhook-signature",
            b"v1",
        )
        .unauthorized("malformed_credentials")
        .naming("field", "webhook-signature"),
        with(
            "standard: signature not base64",
            "webhook-signature",
            b"v1,%%%%",
        )
        .unauthorized("malformed_credentials"),
        with(
            "standard: only an unknown scheme",
            "webhook-signature",
            b"v2,c2lnbmF0dXJl",
        )
        .unauthorized("malformed_credentials"),
        with(
            "standard: a valid signature replayed on another body",
            "webhook-signature",
            &signature,
        )
        .json(serde_json::to_vec(&other_body).expect("JSON"))
        .unauthorized("invalid_credentials"),
        with(
            "standard: a valid signature replayed under another id",
            "webhook-signature",
            &signature,
        )
        .unauthorized("invalid_credentials"),
        {
            let mut c = with(
                "standard: a valid signature replayed at another time",
                "webhook-signature",
                &signature,
            );
            for (h, v) in &mut c.headers {
                if h == "webhook-timestamp" {
                    *v = (ts - 1).to_string().into_bytes();
                }
            }
            c.unauthorized("invalid_credentials")
        },
    ]
}

/// Wrong paths, methods and sizes.
fn bad_requests() -> Vec<Case> {
    let genesys = serde_json::to_vec(&customer_start()).expect("JSON");
    let ten_mb = {
        let mut event = customer_start();
        event["padding"] = json!("x".repeat(10 * 1024 * 1024));
        serde_json::to_vec(&event).expect("JSON")
    };
    let authed = |name: &str, method: Method, path: &str| {
        Case::new(name, method, path)
            .header("X-Escalator-Token", SECRET)
            .json(genesys.clone())
    };
    vec![
        authed("unknown vendor", Method::POST, "/webhooks/avaya")
            .expect(404, "not_found")
            .field("vendor"),
        authed(
            "unknown vendor's routing hook",
            Method::POST,
            "/route/avaya",
        )
        .expect(404, "not_found")
        .field("vendor"),
        authed(
            "the neutral feed has no routing hook",
            Method::POST,
            "/route/standard",
        )
        .expect(404, "not_found")
        .field("vendor"),
        authed("no vendor", Method::POST, "/webhooks/").expect(404, "not_found"),
        authed("extra path segments", Method::POST, "/webhooks/genesys/a/b")
            .expect(404, "not_found"),
        authed("a NUL in the vendor", Method::POST, "/webhooks/gene%00sys")
            .expect(404, "not_found")
            .field("vendor"),
        authed("PUT", Method::PUT, "/webhooks/genesys").expect(405, "method_not_allowed"),
        authed("DELETE", Method::DELETE, "/webhooks/standard").expect(405, "method_not_allowed"),
        authed("PATCH on a routing hook", Method::PATCH, "/route/nextiva")
            .expect(405, "method_not_allowed"),
        authed("POST on health", Method::POST, "/healthz").expect(405, "method_not_allowed"),
        Case::post("a 10 MB body", "/webhooks/genesys")
            .header("X-Escalator-Token", SECRET)
            .json(ten_mb.clone())
            .expect(413, "payload_too_large"),
        Case::post("a 10 MB body, unauthenticated", "/webhooks/standard")
            .json(ten_mb)
            .expect(413, "payload_too_large"),
        authed("a 100 KB header", Method::POST, "/webhooks/genesys")
            .header("x-padding", "x".repeat(100 * 1024))
            .expect(431, "request_header_fields_too_large"),
        {
            let mut c = authed("150 headers", Method::POST, "/webhooks/genesys");
            for i in 0..150 {
                c = c.header(&format!("x-h{i}"), "v");
            }
            c.expect(431, "request_header_fields_too_large")
        },
    ]
}

pub fn all() -> Vec<Case> {
    let mut cases: Vec<Case> = Endpoint::all().iter().flat_map(bad_bodies).collect();
    cases.extend(bad_credentials());
    cases.extend(bad_signatures());
    cases.extend(bad_requests());
    cases
}
