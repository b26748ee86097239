//! The active playbook, swapped whole on reload (SIGHUP or a change of the file) so every
//! delivery is decided by exactly one version. An invalid new file is rejected with its
//! location and the old playbook stays.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::Engine;
use crate::config::TeamConfig;

#[derive(Clone)]
pub struct PlaybookHandle {
    current: Arc<RwLock<Arc<Engine>>>,
    /// The service config's teams, under every version of the playbook.
    base_teams: Arc<BTreeMap<String, TeamConfig>>,
}

impl PlaybookHandle {
    pub fn new(engine: Engine, base_teams: BTreeMap<String, TeamConfig>) -> Self {
        Self {
            current: Arc::new(RwLock::new(Arc::new(engine.with_base_teams(&base_teams)))),
            base_teams: Arc::new(base_teams),
        }
    }

    /// The playbook in force now; hold it for the whole delivery.
    pub fn current(&self) -> Arc<Engine> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            // A panic while swapping cannot leave a half-written Arc behind.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, engine: Engine) {
        let engine = Arc::new(engine);
        match self.current.write() {
            Ok(mut guard) => *guard = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }

    /// Loads `path` and swaps it in when valid.
    pub fn reload(&self, path: &std::path::Path) -> Result<(), super::PlaybookError> {
        let engine = Engine::load(path)?.with_base_teams(&self.base_teams);
        self.replace(engine);
        Ok(())
    }
}

/// Reloads `path` on SIGHUP and when its modification time changes, until `shutdown`.
/// Without a file, SIGHUP is still taken (and logged), so it never stops the process.
pub fn spawn_reloader(handle: PlaybookHandle, path: Option<PathBuf>, shutdown: CancellationToken) {
    let Some(path) = path else {
        #[cfg(unix)]
        tokio::spawn(async move {
            let Ok(mut hup) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            else {
                return;
            };
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = hup.recv() => tracing::info!("SIGHUP: the built-in playbook is in use; nothing to reload"),
                }
            }
        });
        return;
    };
    tokio::spawn(async move {
        let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let mut seen: Option<SystemTime> = modified(&path);
        #[cfg(unix)]
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let hangup = async {
                match hup.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let hangup = std::future::pending::<()>();
            let forced = tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = hangup => true,
                _ = tokio::time::sleep(Duration::from_secs(2)) => false,
            };
            let now = modified(&path);
            if !forced && now == seen {
                continue;
            }
            seen = now;
            match handle.reload(&path) {
                Ok(()) => {
                    tracing::info!(file = %path.display(), "playbook reloaded");
                    metrics::counter!("escalator_playbook_reloads_total", "outcome" => "ok")
                        .increment(1);
                }
                Err(e) => {
                    tracing::error!(error = %e, "playbook rejected; the previous one stays in force");
                    metrics::counter!("escalator_playbook_reloads_total", "outcome" => "rejected")
                        .increment(1);
                }
            }
        }
    });
}
