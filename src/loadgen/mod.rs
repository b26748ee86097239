//! `escalator loadgen`: signed, realistic, mixed-platform deliveries at a target rate against
//! the service (started here on a fresh SQLite store, or one already running), reporting
//! throughput, acknowledge latency, event-to-action latency and memory, and reconciling
//! with the store to show that nothing acknowledged was lost. The same run measures a bare
//! axum handler that only answers 200, as the ceiling.

mod drive;
mod reconcile;
mod target;
mod traffic;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use drive::{Outcome, Plan};

/// `escalator loadgen` options.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadgenArgs {
    /// Deliveries per second to send (0: as fast as the service answers).
    #[arg(long, default_value_t = 2000)]
    pub rate: u64,
    /// How long to send, in seconds.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Share of calls carrying a hard-stop, in percent.
    #[arg(long, default_value_t = 5)]
    pub escalate_percent: u64,
    /// Aim at a service already running at this base URL (its intake secrets must be
    /// `loadgen-secret`) instead of starting one; memory is then not measured.
    #[arg(long)]
    pub url: Option<String>,
    /// With --url: the store URL to reconcile with (e.g. sqlite:///var/lib/escalator.db).
    #[arg(long, requires = "url")]
    pub store: Option<String>,
    /// Skip the bare-handler ceiling run.
    #[arg(long)]
    pub no_baseline: bool,
    /// Log level of the service started here.
    #[arg(long, default_value = "warn")]
    pub service_log: String,
}

/// Runs the load and prints the report; the error says what stopped it.
pub async fn run(args: LoadgenArgs) -> Result<(), String> {
    let plan = Plan {
        rate: args.rate,
        duration: Duration::from_secs(args.duration.max(1)),
        concurrency: args.concurrency.max(1),
        escalate_percent: args.escalate_percent.min(100),
    };
    println!(
        "load: {} deliveries/s for {} s, {} calls in flight, {}% of calls escalate",
        if plan.rate == 0 {
            "max".to_string()
        } else {
            plan.rate.to_string()
        },
        plan.duration.as_secs(),
        plan.concurrency,
        plan.escalate_percent
    );
    let ceiling = match args.no_baseline {
        true => None,
        false => {
            let (addr, handle) = target::bare_handler().await?;
            let out = drive::drive(&format!("http://{addr}"), &plan, 0).await?;
            handle.abort();
            print_outcome("bare axum handler (200)", &out);
            Some(out)
        }
    };
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let (service, base, store_url) = match &args.url {
        Some(url) => (None, url.clone(), args.store.clone()),
        None => {
            let exe = std::env::current_exe().map_err(|e| format!("own binary: {e}"))?;
            let s = target::Service::spawn(&exe, dir.path(), &args.service_log).await?;
            let (base, store) = (s.base.clone(), s.store_url.clone());
            (Some(s), base, Some(store))
        }
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = service.as_ref().and_then(target::Service::resident_bytes);
    let peak = Arc::new(AtomicU64::new(idle.unwrap_or(0)));
    let sampling = service.as_ref().and_then(target::Service::pid).map(|pid| {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                if let Some(rss) = target::resident_bytes(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    });
    // Call numbers from the clock: a second run against the same store repeats no id.
    let first_call = jiff::Timestamp::now().as_millisecond().unsigned_abs() * 1000;
    let pid = service.as_ref().and_then(target::Service::pid);
    let cpu_before = pid.and_then(target::cpu_time);
    let out = drive::drive(&base, &plan, first_call).await?;
    let cpu_used = pid
        .and_then(target::cpu_time)
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    if let Some(t) = sampling {
        t.abort();
    }
    print_outcome("escalator", &out);
    if let Some(c) = &ceiling {
        println!(
            "throughput vs bare handler: {:.0}%",
            100.0 * out.per_second(out.acked) / c.per_second(c.acked).max(f64::EPSILON)
        );
    }
    if let Some(cpu) = cpu_used {
        // Per delivery, this is what the service costs whatever else shares the machine.
        println!(
            "service CPU: {:.1} s over {:.0} s ({:.0}% of one core), {:.0} µs per acknowledged delivery",
            cpu.as_secs_f64(),
            out.elapsed.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / out.elapsed.as_secs_f64().max(f64::EPSILON),
            1e6 * cpu.as_secs_f64() / (out.acked.max(1) as f64)
        );
    }
    if let Some(idle) = idle {
        let peak = peak.load(Ordering::Relaxed);
        println!(
            "memory (RSS): idle {:.1} MB, peak under load {:.1} MB",
            mb(idle),
            mb(peak)
        );
    }
    match store_url {
        Some(url) => reconcile::report(&url, &out).await?,
        None => println!("store: not reconciled (give --store with --url)"),
    }
    if let Some(s) = service {
        s.stop().await;
    }
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn print_outcome(name: &str, out: &Outcome) {
    let ms = |q: f64| out.latency.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{name}: sent {} in {:.1} s = {:.0} deliveries/s acknowledged ({:.0} events/s); \
         refused {}, unanswered {}; acknowledge latency p50 {:.2} ms, p99 {:.2} ms, \
         p99.9 {:.2} ms, max {:.2} ms",
        out.sent,
        out.elapsed.as_secs_f64(),
        out.per_second(out.acked),
        out.per_second(out.events_acked),
        out.refused,
        out.failed,
        ms(0.5),
        ms(0.99),
        ms(0.999),
        out.latency.max() as f64 / 1000.0,
    );
}
