//! A routing-hook request carrying a hard-stop, per platform, end to end over loopback HTTP: verify,
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
        let legal = GenesysTarget {
            queue_id: "q-legal".into(),
            ..Default::default()
        };
        config.teams.insert(
            "legal".into(),
            TeamConfig {
                genesys: Some(legal.clone()),
                talkdesk: Some(legal.clone()),
                five9: Some(legal.clone()),
                nextiva: Some(legal.clone()),
                cloudtalk: Some(legal),
                ..Default::default()
            },
        );
        let secrets = Secrets {
            genesys_webhook_secret: Some(Secret::new(SECRET)),
            webhook_secrets: escalator::config::INTAKE_VENDORS
                .iter()
                .map(|v| (*v, Secret::new(SECRET)))
                .collect(),
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
    let text = "if this is not fixed today I'm taking you to court";
    // (vendor, header name or "" for a body field, body builder, answer field with the target)
    type Body = fn(u64, &str) -> RequestBody;
    let cases: [(&str, Body, &str, &str); 5] = [
        (
            "genesys",
            |id, t| {
                RequestBody::Json(
                    serde_json::json!({"conversationId": format!("g-{id}"), "ani": "tel:+13175551234", "text": t}),
                )
            },
            "queueId",
            "q-legal",
        ),
        (
            "talkdesk",
            |id, t| {
                RequestBody::Json(
                    serde_json::json!({"interaction_id": format!("t-{id}"), "contact_phone_number": "+13175551234", "text": t}),
                )
            },
            "",
            "legal",
        ),
        (
            "five9",
            |id, t| {
                RequestBody::Form(format!(
                    "escalator_secret={SECRET}&call_id=9{id}&ANI=3175551234&text={}",
                    t.replace(' ', "+").replace('\'', "%27")
                ))
            },
            "team",
            "legal",
        ),
        (
            "nextiva",
            |id, t| {
                RequestBody::Json(
                    serde_json::json!({"workitemId": format!("n-{id}"), "from": "+13175551234", "text": t}),
                )
            },
            "queueId",
            "q-legal",
        ),
        (
            "cloudtalk",
            |id, t| {
                RequestBody::Json(
                    serde_json::json!({"call_uuid": format!("c-{id}"), "external_number": 13175551234_i64, "text": t}),
                )
            },
            "team",
            "legal",
        ),
    ];
    for (vendor, body, field, expected) in cases {
        c.bench_function(&format!("route/{vendor} hard-stop over HTTP"), |b| {
            b.to_async(&rt).iter(|| async {
                let id = n.fetch_add(1, Ordering::Relaxed);
                let request = client
                    .post(format!("{base}/route/{vendor}"))
                    .header("X-Escalator-Token", SECRET)
                    .header("X-API-Key", SECRET);
                let request = match body(id, text) {
                    RequestBody::Json(v) => request.json(&v),
                    RequestBody::Form(f) => request
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(f),
                };
                let answer: serde_json::Value = request
                    .send()
                    .await
                    .expect("request")
                    .json()
                    .await
                    .expect("json");
                let field = if field.is_empty() { "team" } else { field };
                assert_eq!(answer[field], expected, "{vendor}: {answer}");
            })
        });
    }
}

enum RequestBody {
    Json(serde_json::Value),
    Form(String),
}

criterion_group!(benches, route);
criterion_main!(benches);
