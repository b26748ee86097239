//! A routing-hook request carrying a hard-stop, end to end over loopback HTTP: verify,
//! parse, decide, record in SQLite, answer with the specialist target.
//! Run: `cargo bench --bench route`.

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use escalator::app::Application;
use escalator::config::{Config, GenesysTarget, Secrets, TeamConfig};
use escalator_adapters::Secret;

const SECRET: &str = "bench-secret";

fn route(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let base = rt.block_on(async {
        let mut config = Config::default();
        config.server.listen = "127.0.0.1:0".into();
        config.store.url = format!("sqlite://{}", dir.path().join("bench.db").display());
        config.dispatcher.enabled = false;
        config.teams.insert(
            "legal".into(),
            TeamConfig {
                genesys: Some(GenesysTarget {
                    queue_id: "q-legal".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        let secrets = Secrets {
            genesys_webhook_secret: Some(Secret::new(SECRET)),
            ..Secrets::default()
        };
        let app = Application::build(config, secrets)
            .await
            .expect("app builds");
        let base = format!("http://{}", app.local_addr());
        tokio::spawn(app.run_until_stopped());
        base
    });
    let client = reqwest::Client::new();
    let n = AtomicU64::new(0);
    c.bench_function("route/genesys hard-stop over HTTP", |b| {
        b.to_async(&rt).iter(|| async {
            let id = n.fetch_add(1, Ordering::Relaxed);
            let response = client
                .post(format!("{base}/route/genesys"))
                .header("X-Escalator-Token", SECRET)
                .json(&serde_json::json!({
                    "conversationId": format!("bench-{id}"),
                    "ani": "tel:+13175551234",
                    "text": "if this is not fixed today I'm taking you to court",
                }))
                .send()
                .await
                .expect("request");
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["queueId"], "q-legal");
        })
    });
}

criterion_group!(benches, route);
criterion_main!(benches);
