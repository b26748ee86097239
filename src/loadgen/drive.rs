//! Sends calls' deliveries at a target rate and measures how fast each is acknowledged.
//!
//! Open loop: delivery `i` is due at `start + i / rate` whatever happened before it, and its
//! latency counts from when it was due, so a stalled service shows up as latency rather than
//! as a politely lowered rate (no coordinated omission). Each worker sends one call's
//! deliveries in order, as a platform would.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::traffic::{self, Delivery};

/// What to send.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Deliveries per second; 0 sends as fast as the service answers.
    pub rate: u64,
    pub duration: Duration,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Share of calls that carry a hard-stop, in percent.
    pub escalate_percent: u64,
}

/// What came back.
#[derive(Debug)]
pub struct Outcome {
    pub sent: u64,
    /// Answered 2xx: the service committed them.
    pub acked: u64,
    /// Events in the acknowledged deliveries (some deliveries carry two).
    pub events_acked: u64,
    /// Answered, not 2xx.
    pub refused: u64,
    /// No answer (connection or timeout).
    pub failed: u64,
    pub elapsed: Duration,
    /// Acknowledge latency in microseconds, from when each delivery was due.
    pub latency: Histogram<u64>,
}

impl Outcome {
    pub fn per_second(&self, n: u64) -> f64 {
        n as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

struct Shared {
    base: String,
    plan: Plan,
    start: Instant,
    slot: AtomicU64,
    call: AtomicU64,
}

/// Runs `plan` against `base` (e.g. `http://127.0.0.1:8080`); `first_call` numbers the calls
/// so runs against one store never repeat an id.
pub async fn drive(base: &str, plan: &Plan, first_call: u64) -> Result<Outcome, String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.concurrency)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let shared = Arc::new(Shared {
        base: base.trim_end_matches('/').to_string(),
        plan: plan.clone(),
        start: Instant::now(),
        slot: AtomicU64::new(0),
        call: AtomicU64::new(first_call),
    });
    let workers: Vec<_> = (0..plan.concurrency.max(1))
        .map(|_| tokio::spawn(worker(shared.clone(), client.clone())))
        .collect();
    let mut total = Outcome {
        sent: 0,
        acked: 0,
        events_acked: 0,
        refused: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latency: histogram()?,
    };
    for w in workers {
        let part = w
            .await
            .map_err(|e| format!("a load worker stopped: {e}"))??;
        total.sent += part.sent;
        total.acked += part.acked;
        total.events_acked += part.events_acked;
        total.refused += part.refused;
        total.failed += part.failed;
        total
            .latency
            .add(&part.latency)
            .map_err(|e| format!("histogram: {e}"))?;
    }
    total.elapsed = shared.start.elapsed();
    Ok(total)
}

fn histogram() -> Result<Histogram<u64>, String> {
    // 1 µs to 60 s at 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| format!("histogram: {e}"))
}

async fn worker(shared: Arc<Shared>, client: reqwest::Client) -> Result<Outcome, String> {
    let plan = &shared.plan;
    let mut out = Outcome {
        sent: 0,
        acked: 0,
        events_acked: 0,
        refused: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latency: histogram()?,
    };
    while shared.start.elapsed() < plan.duration {
        let n = shared.call.fetch_add(1, Ordering::Relaxed);
        let escalate = (n.wrapping_mul(2_654_435_761) % 100) < plan.escalate_percent;
        for delivery in traffic::call(n, escalate) {
            let due = match plan.rate {
                0 => Instant::now(),
                rate => {
                    let i = shared.slot.fetch_add(1, Ordering::Relaxed);
                    let due = shared.start + Duration::from_nanos(i * 1_000_000_000 / rate);
                    tokio::time::sleep_until(due.into()).await;
                    due
                }
            };
            if shared.start.elapsed() >= plan.duration {
                break;
            }
            send(&client, &shared.base, &delivery, due, &mut out).await;
        }
    }
    Ok(out)
}

async fn send(client: &reqwest::Client, base: &str, d: &Delivery, due: Instant, out: &mut Outcome) {
    out.sent += 1;
    let request = client
        .post(format!("{base}{}", d.path))
        .header("content-type", d.content_type)
        .header(traffic::SECRET_HEADER, traffic::SECRET)
        .body(d.body.clone());
    match request.send().await {
        Ok(response) => {
            let ok = response.status().is_success();
            let body = response.bytes().await.unwrap_or_default();
            let micros = u64::try_from(due.elapsed().as_micros()).unwrap_or(u64::MAX);
            out.latency.saturating_record(micros.max(1));
            if ok {
                out.acked += 1;
                out.events_acked += count(&body, b"\"event_id\"");
            } else {
                out.refused += 1;
            }
        }
        Err(_) => out.failed += 1,
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> u64 {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count() as u64
}
