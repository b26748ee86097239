//! Crash safety at the process level. One `escalator serve` on a SQLite file takes a burst
//! of deliveries for calls on Genesys, on Five9 and on no platform (the neutral feed
//! alone), some of which escalate. Meanwhile it is killed with SIGKILL at random points,
//! several times, and restarted on the same file and port; the sender retries every
//! delivery that was not acknowledged, as a platform does. Once the last process has
//! finished the work:
//! - every acknowledged delivery's events are recorded exactly once, and each escalating
//!   call escalated exactly once (a second threat on it opens nothing);
//! - the mocked platforms' request logs show exactly one consult (Genesys) or transfer
//!   (Five9) per escalating call, none for the others: a request the killed process had
//!   sent is found by reading the call, not sent again;
//! - each escalation on no platform holds exactly one named callback in the callback log;
//! - its supervisor alert reached the alert webhook at least once. Only at least once: a
//!   Slack-compatible webhook takes no idempotency key and cannot be read back, so an
//!   alert posted just before a kill is posted again (docs/operations.md, Crash safety).
//!
//! The kill points come from a seeded RNG; the seed is printed, and `CRASH_SEED=<seed>`
//! replays its schedule (the process timing around it still varies).

#[path = "process/mod.rs"]
mod process;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use escalator::store::Store;
use escalator_adapters::{Delivery, Vendor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sqlx::Row;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use process::genesys::{self, Consults, CALLER};
use process::sender::{self, Outgoing};
use process::{five9, Service, THREAT};

const KILLS: usize = 4;
/// Calls per platform: (escalating, quiet).
const GENESYS_CALLS: (usize, usize) = (12, 6);
const FIVE9_CALLS: (usize, usize) = (8, 4);
const FEED_CALLS: (usize, usize) = (6, 4);
const SENDERS: usize = 4;
/// How long the sender keeps retrying one delivery, and the test waits for the work.
const PATIENCE: Duration = Duration::from_secs(30);
const QUIET: [&str; 3] = [
    "Hi, I'm calling about the parcel I ordered last week",
    "It was meant to arrive on Tuesday",
    "Could you tell me where it is now?",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Platform {
    Genesys,
    Five9,
    /// The neutral feed with no platform: nothing to act on but Escalator's own callback.
    Feed,
}

impl Platform {
    fn vendor(self) -> Vendor {
        match self {
            Platform::Genesys => Vendor::Genesys,
            Platform::Five9 => Vendor::Five9,
            Platform::Feed => Vendor::Standard,
        }
    }
}

#[derive(Debug)]
struct Call {
    id: String,
    platform: Platform,
    escalates: bool,
}

fn calls() -> Vec<Call> {
    let mut calls = Vec::new();
    for (platform, (escalating, quiet)) in [
        (Platform::Genesys, GENESYS_CALLS),
        (Platform::Five9, FIVE9_CALLS),
        (Platform::Feed, FEED_CALLS),
    ] {
        for i in 0..escalating + quiet {
            let id = match platform {
                // Five9 call ids are numbers.
                Platform::Five9 => format!("3000009{:08}", calls.len()),
                _ => uuid::Uuid::new_v4().to_string(),
            };
            calls.push(Call {
                id,
                platform,
                escalates: i < escalating,
            });
        }
    }
    calls
}

/// The call's deliveries in order: Five9's Call Accepted first, then what the caller says
/// (for an escalating call, the threat twice among quiet words).
fn deliveries(call: &Call) -> Vec<Outgoing> {
    let mut out = Vec::new();
    if call.platform == Platform::Five9 {
        // A number of its own: calls from one number would be repeat contacts.
        let ani = format!("415555{}", &call.id[call.id.len() - 4..]);
        let form = five9::call_accepted(&call.id, &ani);
        let headers = http::HeaderMap::from_iter([(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        )]);
        let events = escalator_adapters::normalize(
            Vendor::Five9,
            &Delivery::json(form.as_bytes(), &headers),
        )
        .expect("the fixture normalizes");
        out.push(Outgoing {
            path: "/webhooks/five9",
            content_type: "application/x-www-form-urlencoded",
            webhook_id: None,
            events: events.into_iter().map(|e| e.event_id).collect(),
            body: form,
        });
    }
    let said: Vec<&str> = if call.escalates {
        vec![QUIET[0], THREAT, QUIET[2], THREAT]
    } else {
        QUIET.to_vec()
    };
    for (n, text) in said.into_iter().enumerate() {
        let id = format!("msg_{}_{n}", call.id);
        let mut body = json!({
            "platform": call.platform.vendor().as_str(), "type": "utterance",
            "call_id": call.id, "occurred_at": jiff::Timestamp::now().to_string(),
            "caller": {"number": CALLER}, "utterance_id": format!("u-{n}"),
            "speaker": "customer", "text": text, "is_final": true
        });
        if call.platform == Platform::Feed {
            body.as_object_mut().map(|o| o.remove("platform"));
        }
        out.push(Outgoing {
            path: "/webhooks/standard",
            content_type: "application/json",
            events: vec![format!("std:{id}")],
            webhook_id: Some(id),
            body: body.to_string(),
        });
    }
    out
}

/// Actions still to be carried out, read straight from the file.
async fn open_work(db: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM actions WHERE status IN ('pending', 'leased')")
        .fetch_one(db)
        .await
        .unwrap_or(i64::MAX)
}

/// Leased actions whose platform request may be on its way (`*_uncertain` in progress).
async fn in_flight(db: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM actions WHERE status = 'leased' AND progress LIKE '%uncertain%'",
    )
    .fetch_one(db)
    .await
    .unwrap_or(0)
}

async fn start(config: &Path, port: u16, log: &Path, env: &[(&str, String)]) -> Service {
    Service::start(config, port, env, Some(log)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_and_restarted_nothing_acknowledged_is_lost_or_done_twice() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen::<u64>());
    eprintln!("crash schedule seed: {seed} (rerun with CRASH_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);

    let calls = calls();
    let five9_calls: Vec<String> = calls
        .iter()
        .filter(|c| c.platform == Platform::Five9)
        .map(|c| c.id.clone())
        .collect();
    // Answers slow enough that kills land with requests in flight.
    let consults = Consults::new(Duration::from_millis(150));
    let genesys = genesys::start(&consults).await;
    let transfers = five9::Transfers::new(Duration::from_millis(150));
    let five9 = five9::start(&transfers, &five9_calls).await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&alerts)
        .await;

    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("escalator.db").display());
    let port = process::free_port();
    // Kills before an action's work is recorded cost it an attempt: room for all of them.
    let toml = process::config(
        port,
        &db,
        &genesys.uri(),
        "max_attempts = 12",
        &five9::config(&five9),
    );
    let config = process::write(dir.path(), "escalator.toml", &toml);
    let log = dir.path().join("escalator.log");
    let mut env = process::base_env();
    env.extend([
        (
            "ESCALATOR_FIVE9_WEBHOOK_SECRET",
            five9::WEBHOOK_SECRET.to_string(),
        ),
        (
            "ESCALATOR_FIVE9_AGENT_CREDENTIALS",
            five9::AGENT_CREDENTIALS.to_string(),
        ),
        (
            escalator::config::ENV_ALERT_WEBHOOK_URL,
            format!("{}/alerts", alerts.uri()),
        ),
    ]);
    let mut service = start(&config, port, &log, &env).await;

    // The burst: calls dealt to lanes in a seeded order, each lane sending at its pace.
    let mut order: Vec<usize> = (0..calls.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.gen_range(0..=i));
    }
    let mut lanes: Vec<Vec<Vec<Outgoing>>> = (0..SENDERS).map(|_| Vec::new()).collect();
    let mut expected: HashMap<String, &Call> = HashMap::new();
    for (n, &i) in order.iter().enumerate() {
        let sends = deliveries(&calls[i]);
        for s in &sends {
            for e in &s.events {
                expected.insert(e.clone(), &calls[i]);
            }
        }
        lanes[n % SENDERS].push(sends);
    }
    let senders: Vec<_> = lanes
        .into_iter()
        .map(|lane| {
            tokio::spawn(sender::send_calls(
                service.base.clone(),
                lane,
                StdRng::seed_from_u64(rng.gen()),
                PATIENCE,
            ))
        })
        .collect();

    sqlx::any::install_default_drivers();
    let reader = sqlx::AnyPool::connect(&format!("{db}?mode=ro"))
        .await
        .expect("read-only store");
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(300..1200))).await;
        if kill == 0 {
            // At least once with a platform request (maybe) in flight: marked as possibly
            // sent, not yet answered. So every run takes over a dead process's work and
            // reconciles it with what the platform shows.
            let waiting = Instant::now();
            while waiting.elapsed() < Duration::from_secs(10) && in_flight(&reader).await == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        service.kill();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
        service = start(&config, port, &log, &env).await;
    }

    let (mut acked, mut lost) = (sender::Acks::new(), Vec::new());
    for sender in senders {
        let (a, l) = sender.await.expect("sender");
        acked.extend(a);
        lost.extend(l);
    }
    let waiting = Instant::now();
    while open_work(&reader).await > 0 && waiting.elapsed() < PATIENCE {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    reader.close().await;
    let log_tail = || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    service.kill();
    let store = Store::connect(&db).await.expect("store");

    // Every delivery was acknowledged in the end (the service always came back).
    assert!(
        lost.is_empty(),
        "never acknowledged: {lost:?}\n{}",
        log_tail()
    );
    let retried = acked.values().filter(|t| **t > 1).count();

    // Each acknowledged delivery's events: recorded, once; nothing else recorded.
    let rows = sqlx::query("SELECT event_id, call_id, outcome FROM inbound_events")
        .fetch_all(&any_pool(&db).await)
        .await
        .expect("events");
    let mut recorded: HashMap<String, (String, String)> = HashMap::new();
    for r in &rows {
        let id: String = r.get("event_id");
        let again = recorded.insert(id.clone(), (r.get("call_id"), r.get("outcome")));
        assert!(again.is_none(), "event {id} recorded twice");
    }
    for (id, call) in &expected {
        let (call_id, _) = recorded
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged event {id} of {} missing", call.id));
        assert_eq!(call_id, &call.id);
    }
    assert_eq!(recorded.len(), expected.len(), "events nobody sent");

    let consulted = genesys::consults_per_call(&genesys).await;
    let transferred = five9::transfers_per_call(&five9).await;
    let supervisor_alerts = alerts_by_reference(&alerts).await;
    let callbacks = callbacks_per_call(&db).await;
    let (mut taken_over, mut reconciled, mut repeated_alerts) = (0, 0, 0);
    for call in &calls {
        let vendor = call.platform.vendor();
        let events: BTreeMap<&String, &String> = recorded
            .iter()
            .filter(|(_, (c, _))| c == &call.id)
            .map(|(id, (_, outcome))| (id, outcome))
            .collect();
        let escalated = events.values().filter(|o| **o == "escalated").count();
        let escalations = store.escalations(vendor, &call.id).await.unwrap();
        let actions = store.actions(vendor, &call.id).await.unwrap();
        let want = usize::from(call.escalates);
        assert_eq!(escalated, want, "{call:?}: {events:?}");
        assert_eq!(escalations.len(), want, "{call:?}: {escalations:#?}");
        // Every action succeeded; a consult's answer check waits for its deadline.
        assert!(
            actions
                .iter()
                .filter(|a| !(a.kind == "confirm_transfer" && a.status == "pending"))
                .all(|a| a.status == "succeeded"),
            "{call:?}: {actions:#?}\n{}",
            log_tail()
        );
        for a in &actions {
            if a.attempts > 1 {
                taken_over += 1;
                let steps = store.attempts(a.id).await.unwrap();
                reconciled += usize::from(steps.iter().any(|s| s.step == "reconcile"));
            }
        }
        let kinds: Vec<&str> = actions.iter().map(|a| a.kind.as_str()).collect();
        let (requests, status) = match call.platform {
            // A consult is watched until someone answers (the check is not due yet).
            Platform::Genesys => (consulted.get(&call.id), "consulting"),
            Platform::Five9 => (transferred.get(&call.id), "consulting"),
            Platform::Feed => (callbacks.get(&call.id), "callback_promised"),
        };
        if !call.escalates {
            assert!(
                actions.is_empty() && requests.is_none(),
                "{call:?}: {kinds:?}"
            );
            continue;
        }
        assert_eq!(escalations[0].status, status, "{call:?}: {kinds:?}");
        // The effect, exactly once: consults and transfers from the platform's request
        // log, named callbacks from the callback log.
        assert_eq!(requests, Some(&1), "{call:?}: {kinds:?}");
        if call.platform == Platform::Feed {
            let sent = supervisor_alerts.get(&escalations[0].reference).copied();
            // At least once, never missing (the module comment says why not exactly).
            assert!(sent >= Some(1), "{call:?}: no supervisor alert");
            repeated_alerts += sent.unwrap_or(0) - 1;
        } else {
            assert_eq!(
                kinds
                    .iter()
                    .filter(|k| k.contains("transfer") && **k != "confirm_transfer")
                    .count(),
                1
            );
        }
    }
    // Alerts only for the escalations on no platform.
    assert_eq!(
        supervisor_alerts.len(),
        FEED_CALLS.0,
        "{supervisor_alerts:?}"
    );
    assert_eq!(store.verify_audit().await.unwrap().first_broken, None);
    assert!(
        reconciled > 0,
        "no action was taken over with a request in flight"
    );
    eprintln!(
        "seed {seed}: {KILLS} kills; {} deliveries, {retried} retried after a kill; \
         {taken_over} actions taken over after a kill, {reconciled} of them reconciled by \
         reading the platform; {repeated_alerts} supervisor alerts posted again",
        acked.len()
    );
}

async fn any_pool(db: &str) -> sqlx::AnyPool {
    sqlx::AnyPool::connect(db).await.expect("store")
}

/// Supervisor alerts the webhook received, by escalation reference.
async fn alerts_by_reference(server: &MockServer) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for r in server.received_requests().await.unwrap_or_default() {
        let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
        // Callback reminders go to the same webhook; alerts carry a reason.
        if let (Some(_), Some(reference)) = (
            body["escalator"]["reason"].as_str(),
            body["escalator"]["reference"].as_str(),
        ) {
            *out.entry(reference.to_string()).or_default() += 1;
        }
    }
    out
}

/// Named callbacks in the callback log, by call.
async fn callbacks_per_call(db: &str) -> HashMap<String, u32> {
    let rows = sqlx::query("SELECT call_id, COUNT(*) AS n FROM callbacks GROUP BY call_id")
        .fetch_all(&any_pool(db).await)
        .await
        .expect("callbacks");
    rows.iter()
        .map(|r| {
            (
                r.get("call_id"),
                u32::try_from(r.get::<i64, _>("n")).unwrap_or(0),
            )
        })
        .collect()
}
