//! Verify + normalize of one delivery per platform (the ingress hot path before the
//! store). Run: `cargo bench -p escalator-adapters --bench ingest`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use escalator_adapters::auth::InboundAuth;
use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::{normalize, Delivery, Secret, Vendor};
use http::{HeaderMap, HeaderValue, Method};

const SECRET: &str = "a-long-shared-secret-of-realistic-length-0123456789";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).expect("header value"));
    }
    h
}

fn bench(
    c: &mut Criterion,
    name: &str,
    vendor: Vendor,
    auth: &InboundAuth,
    delivery: Delivery<'_>,
) {
    auth.verify(&delivery).expect("fixture authenticates");
    normalize(vendor, &delivery).expect("fixture normalizes");
    c.bench_function(&format!("verify+normalize/{name}"), |b| {
        b.iter(|| {
            let d = black_box(delivery);
            auth.verify(&d).expect("valid");
            black_box(normalize(vendor, &d).expect("normalizes"))
        })
    });
}

fn ingest(c: &mut Criterion) {
    let header_auth = InboundAuth::SharedSecretHeader {
        header: "x-escalator-token".into(),
        secret: Secret::new(SECRET),
    };
    let token = headers(&[
        ("x-escalator-token", SECRET),
        ("content-type", "application/json"),
    ]);

    let body = fixture("genesys/transcription-final-customer.eventbridge.json");
    bench(
        c,
        "genesys transcription",
        Vendor::Genesys,
        &header_auth,
        Delivery::json(&body, &token),
    );

    let body = fixture("talkdesk/inbound-call-ends.json");
    let json = headers(&[("content-type", "application/json")]);
    let url_auth = InboundAuth::UrlSecret {
        secret: Secret::new(SECRET),
    };
    let d = Delivery {
        path_secret: Some(SECRET),
        ..Delivery::json(&body, &json)
    };
    bench(c, "talkdesk call ended", Vendor::Talkdesk, &url_auth, d);

    let form = String::from_utf8(fixture("five9/dispositioned-legal.form"))
        .expect("utf-8")
        .replace("f9-test-secret", SECRET);
    let form_headers = headers(&[("content-type", "application/x-www-form-urlencoded")]);
    let field_auth = InboundAuth::FieldSecret {
        field: "escalator_secret".into(),
        secret: Secret::new(SECRET),
    };
    let d = Delivery {
        method: &Method::POST,
        headers: &form_headers,
        query: None,
        path_secret: None,
        body: form.as_bytes(),
    };
    bench(c, "five9 disposition", Vendor::Five9, &field_auth, d);

    let body = fixture("nextiva/disposition.legal-threat.json");
    bench(
        c,
        "nextiva disposition",
        Vendor::Nextiva,
        &header_auth,
        Delivery::json(&body, &token),
    );

    let body = fixture("cloudtalk/call-modified-legal-tag.json");
    bench(
        c,
        "cloudtalk tag",
        Vendor::Cloudtalk,
        &header_auth,
        Delivery::json(&body, &token),
    );

    let body = br#"{"platform":"five9","type":"utterance","call_id":"300000000001","occurred_at":"2026-03-19T22:04:48Z","utterance_id":"sa-1","speaker":"customer","text":"I'm going to sue you","is_final":true}"#;
    let key =
        SigningKey::parse(&Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).expect("key");
    let now = jiff::Timestamp::now().as_second();
    let signed = headers(&[
        ("webhook-id", "msg_bench"),
        ("webhook-timestamp", &now.to_string()),
        ("webhook-signature", &sign(&key, "msg_bench", now, body)),
    ]);
    let standard_auth = InboundAuth::StandardWebhooks { keys: vec![key] };
    bench(
        c,
        "standard utterance",
        Vendor::Standard,
        &standard_auth,
        Delivery::json(body, &signed),
    );
}

criterion_group!(benches, ingest);
criterion_main!(benches);
