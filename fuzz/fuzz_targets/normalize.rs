//! Every normalizer and routing-request parser, on arbitrary bodies and query strings,
//! as POST (JSON and form) and GET. None may panic.
#![no_main]

use escalator_adapters::{genesys, standard, Delivery, Vendor};
use http::{HeaderMap, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
    let json = HeaderMap::new();
    for (method, headers) in [(&Method::POST, &json), (&Method::POST, &form), (&Method::GET, &json)] {
        let d = Delivery {
            method,
            headers,
            query,
            path_secret: None,
            body,
        };
        let _ = d.flat_fields();
        for vendor in Vendor::ALL {
            let _ = escalator_adapters::normalize(vendor, &d);
            let _ = escalator_adapters::parse_route_request(vendor, &d);
        }
    }
});
