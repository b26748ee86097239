//! What a load run is aimed at: the Escalator service started as a child process on a fresh
//! SQLite store (its own binary, embedded defaults, every platform's intake secret set, no
//! platform API credentials so actions are recorded as dry runs), and a bare axum handler
//! that only answers 200 — the ceiling this machine and client reach over loopback.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use tokio::process::{Child, Command};

use super::traffic;

/// A bare handler on loopback; it stops when the returned handle is aborted.
pub async fn bare_handler() -> Result<(SocketAddr, tokio::task::JoinHandle<()>), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bare handler: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("bare handler: {e}"))?;
    let app = Router::new().fallback(post(|_body: axum::body::Bytes| async { "{}" }));
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, handle))
}

/// The service under load.
pub struct Service {
    pub base: String,
    pub store_url: String,
    child: Child,
}

impl Service {
    /// Starts `exe serve` on a free loopback port with its store in `dir`, logging at
    /// `log_level`, and waits until it is ready.
    pub async fn spawn(exe: &Path, dir: &Path, log_level: &str) -> Result<Self, String> {
        let port = free_port()?;
        let store_url = format!("sqlite://{}", dir.join("loadgen.db").display());
        let mut command = Command::new(exe);
        command
            .arg("serve")
            .env_remove("ESCALATOR_CONFIG")
            .env("ESCALATOR_LISTEN", format!("127.0.0.1:{port}"))
            .env("ESCALATOR_DATABASE_URL", &store_url)
            .env("RUST_LOG", log_level)
            .env("ESCALATOR_GENESYS_WEBHOOK_SECRET", traffic::SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        for vendor in traffic::vendors().filter(|v| *v != "genesys") {
            command.env(
                format!("ESCALATOR_{}_WEBHOOK_SECRET", vendor.to_uppercase()),
                traffic::SECRET,
            );
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let service = Self {
            base: format!("http://127.0.0.1:{port}"),
            store_url,
            child,
        };
        service.wait_ready().await?;
        Ok(service)
    }

    async fn wait_ready(&self) -> Result<(), String> {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!(
            "the service at {} did not become ready in 10 s",
            self.base
        ))
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Resident memory in bytes (Linux `/proc`), when readable.
    pub fn resident_bytes(&self) -> Option<u64> {
        resident_bytes(self.child.id()?)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// `VmRSS` of process `pid`.
pub fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU time (user + system, all threads) process `pid` has used so far. `/proc` counts it
/// in USER_HZ ticks, which Linux fixes at 100 per second for every program.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its ')' do not.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split_whitespace();
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_shows_its_cpu_time_and_memory() {
        let pid = std::process::id();
        let before = cpu_time(pid).expect("readable");
        // Spin until the process's CPU time shows 50 ms of work: on a loaded machine the
        // spinning thread gets less than its wall time, so the bound is on CPU, not wall.
        let mut x = 0u64;
        let started = std::time::Instant::now();
        let mut after = before;
        while after < before + Duration::from_millis(50) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "CPU time never advanced: {before:?} → {after:?}"
            );
            let spin = std::time::Instant::now();
            while spin.elapsed() < Duration::from_millis(10) {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            after = cpu_time(pid).expect("readable");
        }
        assert!(resident_bytes(pid).is_some_and(|b| b > 1_000_000));
        assert_eq!(cpu_time(u32::MAX), None);
    }
}
