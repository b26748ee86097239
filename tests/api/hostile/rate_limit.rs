//! Ingress rate limiting per source address.

use escalator_adapters::Vendor;
use serde_json::Value;

use crate::helpers::*;

fn limited(per_second: u32, burst: u32) -> Options {
    Options {
        configure: Some(Box::new(move |c| {
            c.server.ingress_rate_per_second = per_second;
            c.server.ingress_burst = burst;
        })),
        ..Options::default()
    }
}

#[tokio::test]
async fn a_source_over_its_limit_gets_429_json_with_retry_after_and_nothing_is_stored() {
    let app = spawn_app_with(limited(1, 3)).await;
    for i in 0..3 {
        let r = app.post_genesys(&customer_start()).await;
        assert_eq!(r.status(), 200, "delivery {i} is within the burst");
    }
    let stored = app.store.count_events(Vendor::Genesys).await.unwrap();
    let r = app
        .post_genesys(&transcription("u-9", "I will sue", "EXTERNAL", true))
        .await;
    assert_eq!(r.status(), 429);
    let retry_after: u64 = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in whole seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert!(body["message"].as_str().unwrap().contains("retry after"));
    // Routing hooks share the source's budget.
    let r = app.post("/route/genesys", &serde_json::json!({})).await;
    assert_eq!(r.status(), 429);
    assert_eq!(
        app.store.count_events(Vendor::Genesys).await.unwrap(),
        stored
    );
}

#[tokio::test]
async fn the_limit_is_per_source_address() {
    let app = spawn_app_with(limited(1, 2)).await;
    let from = |ip: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(ip))
            .build()
            .expect("client")
    };
    let send = |client: reqwest::Client| {
        let url = format!("{}/webhooks/genesys", app.address);
        async move {
            client
                .post(url)
                .header("X-Escalator-Token", SECRET)
                .json(&customer_start())
                .send()
                .await
                .expect("answered")
                .status()
                .as_u16()
        }
    };
    let (a, b) = (from([127, 0, 0, 1]), from([127, 0, 0, 2]));
    assert_eq!(send(a.clone()).await, 200);
    assert_eq!(send(a.clone()).await, 200);
    assert_eq!(send(a.clone()).await, 429);
    // Another source on the same host has its own budget.
    assert_eq!(send(b.clone()).await, 200);
    assert_eq!(send(b).await, 200);
    assert_eq!(send(a).await, 429);
}

#[tokio::test]
async fn health_metrics_and_the_admin_api_are_never_limited() {
    let app = spawn_app_with(limited(1, 1)).await;
    assert_eq!(app.post_genesys(&customer_start()).await.status(), 200);
    assert_eq!(app.post_genesys(&customer_start()).await.status(), 429);
    for _ in 0..20 {
        for path in ["/healthz", "/readyz", "/metrics", "/api/v1/callbacks"] {
            let r = app
                .http
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
            assert_ne!(r.status(), 429, "{path}");
        }
    }
    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("escalator_ingress_throttled_total"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_default_limit_does_not_throttle_a_busy_source() {
    let defaults = escalator::config::Config::default().server;
    assert!(defaults.ingress_rate_per_second >= 5_000);
    let app = spawn_app().await;
    // 300 deliveries at once from one source: far more than a second's worth of any
    // platform's traffic for one adapter, and nothing is refused.
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..300 {
        let http = app.http.clone();
        let url = format!("{}/webhooks/genesys", app.address);
        let event = transcription(&format!("u-{i}"), "hello", "EXTERNAL", true);
        sends.spawn(async move {
            let r = http
                .post(url)
                .header("X-Escalator-Token", SECRET)
                .json(&event)
                .send()
                .await;
            r.map(|r| r.status().as_u16()).unwrap_or(0)
        });
    }
    let statuses = sends.join_all().await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}
