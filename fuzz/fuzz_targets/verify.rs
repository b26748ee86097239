//! The verifiers on arbitrary headers and bodies. None may panic.
#![no_main]

use escalator_adapters::auth::InboundAuth;
use escalator_adapters::standard::{self, SigningKey};
use escalator_adapters::{Delivery, Secret};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Split into up to four header values and a body.
    let mut parts = data.splitn(5, |b| *b == b'\n');
    let mut headers = HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature", "authorization"] {
        if let Some(v) = parts.next().and_then(|p| HeaderValue::from_bytes(p).ok()) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    let body = parts.next().unwrap_or_default();
    let Ok(key) = SigningKey::parse(&Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")) else {
        return;
    };
    let _ = standard::verify(&[key.clone()], &headers, body);
    let delivery = Delivery {
        method: &Method::POST,
        headers: &headers,
        query: std::str::from_utf8(body).ok(),
        path_secret: None,
        body,
    };
    let auths = [
        InboundAuth::StandardWebhooks { keys: vec![key] },
        InboundAuth::Basic { user: "u".into(), password: Secret::new("p") },
        InboundAuth::SharedSecretHeader { header: "authorization".into(), secret: Secret::new("s") },
        InboundAuth::UrlSecret { secret: Secret::new("s") },
        InboundAuth::FieldSecret { field: "escalator_secret".into(), secret: Secret::new("s") },
    ];
    let _ = InboundAuth::AnyOf(auths.to_vec()).verify(&delivery);
});
