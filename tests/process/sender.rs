//! A sender that behaves like a platform delivering webhooks: each call's deliveries in
//! order, each one posted again (same id) until it is acknowledged with a 2xx.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;

/// One delivery: where it goes, what it carries, and the event ids it must leave.
pub struct Outgoing {
    pub path: &'static str,
    pub content_type: &'static str,
    /// The neutral feed's `webhook-id` (signed); `None` for a body that carries its own
    /// secret (a Five9 form).
    pub webhook_id: Option<String>,
    pub body: String,
    pub events: Vec<String>,
}

/// Tries per acknowledged delivery, by its first event id.
pub type Acks = BTreeMap<String, u32>;

/// Posts `out` until it is acknowledged (2xx) or `deadline`; returns the tries, or `None`
/// when it never was.
async fn deliver(
    http: &reqwest::Client,
    base: &str,
    out: &Outgoing,
    deadline: Instant,
) -> Option<u32> {
    let mut tries = 0;
    while Instant::now() < deadline {
        tries += 1;
        let status = match &out.webhook_id {
            Some(id) => {
                let body: Value = serde_json::from_str(&out.body).expect("JSON");
                super::send_signed(http, base, id, &body).await.ok()
            }
            None => http
                .post(format!("{base}{}", out.path))
                .header("content-type", out.content_type)
                .body(out.body.clone())
                .send()
                .await
                .ok()
                .map(|r| r.status()),
        };
        match status {
            Some(s) if s.is_success() => return Some(tries),
            // A 4xx is the test's mistake, not the crash's: retrying will not fix it.
            Some(s) if s.is_client_error() => panic!("{} refused with {s}", out.path),
            // Down (connection refused or reset) or not ready: try again, as platforms do.
            _ => tokio::time::sleep(Duration::from_millis(40)).await,
        }
    }
    None
}

/// Sends `calls` to `base`, each call's deliveries in order with gaps drawn from `rng`,
/// retrying each for up to `patience`. Returns what was acknowledged (with its tries) and
/// the first event ids of what never was.
pub async fn send_calls(
    base: String,
    calls: Vec<Vec<Outgoing>>,
    mut rng: StdRng,
    patience: Duration,
) -> (Acks, Vec<String>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let (mut acked, mut lost) = (Acks::new(), Vec::new());
    for call in calls {
        for out in call {
            match deliver(&http, &base, &out, Instant::now() + patience).await {
                Some(tries) => {
                    acked.insert(out.events[0].clone(), tries);
                }
                None => lost.push(out.events[0].clone()),
            }
            tokio::time::sleep(Duration::from_millis(rng.gen_range(40..160))).await;
        }
    }
    (acked, lost)
}
