//! Verify + normalize of one Genesys transcription delivery (the hot path of ingress before
//! the store). Run: `cargo bench -p escalator-adapters --bench genesys_ingest`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use escalator_adapters::auth::InboundAuth;
use escalator_adapters::{genesys, Delivery, Secret};
use http::{HeaderMap, HeaderValue};

const PAYLOAD: &[u8] =
    include_bytes!("../../fixtures/genesys/transcription-final-customer.eventbridge.json");

fn verify_and_normalize(c: &mut Criterion) {
    let auth = InboundAuth::SharedSecretHeader {
        header: "x-escalator-token".into(),
        secret: Secret::new("a-long-shared-secret-of-realistic-length-0123456789"),
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-escalator-token",
        HeaderValue::from_static("a-long-shared-secret-of-realistic-length-0123456789"),
    );
    let mut group = c.benchmark_group("genesys");
    group.throughput(Throughput::Bytes(PAYLOAD.len() as u64));
    group.bench_function("verify+normalize transcription", |b| {
        b.iter(|| {
            let delivery = Delivery::json(black_box(PAYLOAD), &headers);
            auth.verify(&delivery).expect("valid secret");
            let events = genesys::normalize(delivery.body).expect("fixture normalizes");
            black_box(events)
        })
    });
    group.finish();
}

criterion_group!(benches, verify_and_normalize);
criterion_main!(benches);
