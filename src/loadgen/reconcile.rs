//! After a load run: waits for the service's outbox to drain, then checks the store against
//! what was acknowledged (every acknowledged event stored: zero loss) and measures how long
//! each escalation's action took from the delivery's arrival to being applied.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Row;

use super::drive::Outcome;

pub async fn report(store_url: &str, out: &Outcome) -> Result<(), String> {
    if !store_url.starts_with("sqlite:") {
        println!("store: reconciliation reads SQLite stores only; {store_url} not checked");
        return Ok(());
    }
    let options = SqliteConnectOptions::from_str(store_url)
        .map_err(|e| format!("store URL: {e}"))?
        .read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| format!("store: {e}"))?;
    let q = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .map_err(|e| format!("store: {e}"))
        }
    };
    let waiting_since = Instant::now();
    while q("SELECT COUNT(*) FROM actions WHERE status IN ('pending', 'leased')").await? > 0 {
        if waiting_since.elapsed() > Duration::from_secs(120) {
            println!("store: actions still pending after 120 s");
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained = waiting_since.elapsed();
    let stored = q("SELECT COUNT(*) FROM inbound_events").await?;
    let escalations = q("SELECT COUNT(*) FROM escalations").await?;
    let actions = q("SELECT COUNT(*) FROM actions").await?;
    let applied =
        q("SELECT COUNT(*) FROM actions WHERE status IN ('succeeded', 'dry_run')").await?;
    let lost = i64::try_from(out.events_acked).unwrap_or(i64::MAX) - stored;
    println!(
        "store: {} events acknowledged, {stored} stored ({}); {escalations} escalations, \
         {actions} actions, {applied} applied (dry run: no platform credentials); outbox \
         drained {:.1} s after the load stopped",
        out.events_acked,
        match lost {
            0 => "nothing lost".to_string(),
            n if n > 0 => format!("{n} LOST"),
            n => format!("{} more than acknowledged: another writer?", -n),
        },
        drained.as_secs_f64()
    );
    let rows = sqlx::query(
        "SELECT a.updated_at AS applied_at, e.received_at AS received_at
         FROM actions a JOIN escalations s ON s.id = a.escalation_id
         JOIN inbound_events e ON e.vendor = s.vendor AND e.event_id = s.event_id
         WHERE a.status IN ('succeeded', 'dry_run')",
    )
    .fetch_all(&pool)
    .await
    .map_err(|e| format!("store: {e}"))?;
    let mut micros: Vec<i64> = rows
        .iter()
        .filter_map(|r| {
            let at = |c: &str| {
                r.try_get::<String, _>(c)
                    .ok()?
                    .parse::<jiff::Timestamp>()
                    .ok()
            };
            Some(
                at("applied_at")?
                    .duration_since(at("received_at")?)
                    .as_micros() as i64,
            )
        })
        .collect();
    micros.sort_unstable();
    if let Some(max) = micros.last() {
        let q = |p: f64| micros[((micros.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
        println!(
            "event to action (delivery received → action applied): p50 {:.1} ms, p99 {:.1} ms, \
             max {:.1} ms over {} actions",
            q(0.5),
            q(0.99),
            *max as f64 / 1000.0,
            micros.len()
        );
    }
    if lost > 0 {
        return Err(format!("{lost} acknowledged events are not in the store"));
    }
    Ok(())
}
