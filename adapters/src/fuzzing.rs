//! The bodies of the fuzz targets in `fuzz/`, here so the stable test suite replays the
//! fuzz corpus through exactly the same calls (`adapters/tests/fuzz_corpus.rs`): an input
//! that crashed once stays fixed. Nothing here may panic on any input.

use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::auth::InboundAuth;
use crate::standard::{self, SigningKey};
use crate::{genesys, Delivery, Secret, Vendor};

/// Every normalizer and routing-request parser on `data`, as POST (JSON and form) and
/// GET. Before the first NUL byte: the query string; after it: the body.
pub fn normalize(data: &[u8]) {
    let (query, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (std::str::from_utf8(&data[..i]).ok(), &data[i + 1..]),
        None => (None, data),
    };
    let _ = genesys::normalize(body);
    let _ = genesys::parse_route_request(body);
    let _ = standard::normalize("msg_fuzz", body);
    let mut form = HeaderMap::new();
    form.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let mut json = HeaderMap::new();
    json.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let none = HeaderMap::new();
    for (method, headers) in [
        (&Method::POST, &json),
        (&Method::POST, &form),
        (&Method::POST, &none),
        (&Method::GET, &none),
    ] {
        let d = Delivery {
            method,
            headers,
            query,
            path_secret: None,
            body,
        };
        let _ = d.flat_fields();
        for vendor in Vendor::ALL {
            let _ = crate::normalize(vendor, &d);
            let _ = crate::parse_route_request(vendor, &d);
        }
    }
}

/// Every verifier on `data`: up to four newline-separated header values (Standard
/// Webhooks id, timestamp, signature; `Authorization`), then the body, which is also the
/// query string.
pub fn verify(data: &[u8]) {
    let mut parts = data.splitn(5, |b| *b == b'\n');
    let mut headers = HeaderMap::new();
    for name in [
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "authorization",
    ] {
        if let Some(v) = parts.next().and_then(|p| HeaderValue::from_bytes(p).ok()) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    let body = parts.next().unwrap_or_default();
    let Ok(key) = SigningKey::parse(&Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")) else {
        return;
    };
    let _ = standard::verify(std::slice::from_ref(&key), &headers, body);
    let query = std::str::from_utf8(body).ok();
    let delivery = Delivery {
        method: &Method::POST,
        headers: &headers,
        query,
        path_secret: query,
        body,
    };
    let auths = [
        InboundAuth::StandardWebhooks { keys: vec![key] },
        InboundAuth::Basic {
            user: "u".into(),
            password: Secret::new("p"),
        },
        InboundAuth::SharedSecretHeader {
            header: "authorization".into(),
            secret: Secret::new("s"),
        },
        InboundAuth::UrlSecret {
            secret: Secret::new("s"),
        },
        InboundAuth::FieldSecret {
            field: "escalator_secret".into(),
            secret: Secret::new("s"),
        },
    ];
    for auth in &auths {
        let _ = auth.verify(&delivery);
    }
    let _ = InboundAuth::AnyOf(auths.to_vec()).verify(&delivery);
}
