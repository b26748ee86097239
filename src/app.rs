//! Wiring: `Application::build(config)` binds the listener and assembles the store,
//! pipeline, dispatcher and router; `run_until_stopped` serves until the shutdown token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Secrets, Severity};
use crate::dispatcher::Dispatcher;
use crate::executor::{self, AlertSink, Executors, LocalExecutor};
use crate::hold_watch::HoldWatcher;
use crate::http::{router, AppState};
use crate::ingest::Pipeline;
use crate::intake;
use crate::orchestrator::Orchestrator;
use crate::reconcile::Reconciler;
use crate::scheduler::{Dialer, Scheduler};
use crate::semantic::{self, Scorer, ScoringIntake, SemanticMode, SemanticWorkers};
use crate::store::{AuditKey, Store, StoreError, StoreOptions};
use crate::telemetry;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Start-up could not open the store: the error names which one.
    #[error("cannot open the store ({store}): {source}")]
    StoreOpen { store: String, source: StoreError },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Semantic(#[from] semantic::SemanticLoadError),
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    dispatcher: Option<Dispatcher>,
    scheduler: Option<Scheduler>,
    semantic: Option<SemanticWorkers>,
    holds: HoldWatcher,
    store: Store,
    shutdown: CancellationToken,
    grace: Duration,
}

impl Application {
    /// Builds the service with the scorer `[semantic] model` names (rules-only without it).
    pub async fn build(config: Config, secrets: Secrets) -> Result<Self, AppError> {
        let scorer = semantic::load_scorer(&config.semantic)?;
        Self::build_with_scorer(config, secrets, scorer).await
    }

    /// [`Application::build`] with a given scorer (`None`: rules-only).
    pub async fn build_with_scorer(
        config: Config,
        secrets: Secrets,
        scorer: Option<Arc<dyn Scorer>>,
    ) -> Result<Self, AppError> {
        let errors: Vec<String> = config
            .problems(&secrets)
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect();
        if !errors.is_empty() {
            return Err(AppError::Config(errors.join("; ")));
        }
        let playbook = config
            .playbook_handle()
            .map_err(|e| AppError::Config(e.to_string()))?;
        tracing::info!(playbook = %playbook.current().source, "playbook loaded");
        let audit_key = AuditKey::new(secrets.api(crate::config::ENV_AUDIT_KEY).cloned());
        let store = Store::open(
            &config.store.url,
            StoreOptions {
                audit: audit_key,
                max_connections: config.store.max_connections,
            },
        )
        .await
        .map_err(|source| AppError::StoreOpen {
            store: crate::store::Backend::describe_url(&config.store.url),
            source,
        })?;
        let wake = Arc::new(Notify::new());
        let orchestrator = Orchestrator::new(playbook.clone(), config.dispatcher.max_attempts)
            .with_review_sample(config.review.sample_percent)
            .with_callbacks(config.callbacks.clone());
        let g = &config.vendors.genesys;

        let auths = intake::inbound_auths(&config, &secrets);
        let enabled = intake::enabled_vendors(&config);
        let default_queue = Some(g.default_queue_id.clone()).filter(|q| !q.trim().is_empty());
        let semantic_wake = Arc::new(Notify::new());
        let semantic_mode = match &scorer {
            Some(_) => {
                tracing::info!(
                    model = %config.semantic.model.display(),
                    workers = config.semantic.workers,
                    "semantic layer on: model loaded; customer utterances are scored after the rules"
                );
                if playbook.current().semantic().is_none() {
                    tracing::warn!("the playbook has no [semantic] section: scores decide nothing, so nothing is scored");
                }
                SemanticMode::Scoring {
                    max_lag_ms: config.semantic.max_lag_ms,
                    queue_limit: config.semantic.queue_limit,
                }
            }
            None => {
                tracing::warn!(
                    model = %config.semantic.model.display(),
                    "semantic layer off (rules-only): no model file; the phrase rules alone decide"
                );
                SemanticMode::RulesOnly
            }
        };
        let pipeline = Pipeline::with_scoring(
            store.clone(),
            playbook.clone(),
            orchestrator.clone(),
            auths,
            enabled,
            default_queue,
            wake.clone(),
            scorer
                .as_ref()
                .map(|_| ScoringIntake::new(&config.semantic, semantic_wake.clone())),
        );
        let semantic = scorer.map(|scorer| {
            SemanticWorkers::new(
                store.clone(),
                scorer,
                playbook.clone(),
                orchestrator.clone(),
                config.semantic.clone(),
                semantic_wake,
                wake.clone(),
            )
        });

        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.dispatcher.request_timeout_ms))
            .user_agent(concat!("escalator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppError::Config(format!("HTTP client: {e}")))?;
        let platforms =
            executor::platform_executors(&config, &secrets, &http).map_err(AppError::Config)?;
        let cloudtalk = platforms.cloudtalk.clone();
        let platforms = platforms.executors;
        let reconciler = Reconciler::new(platforms.clone(), 20);
        for vendor in platforms.keys() {
            tracing::info!(%vendor, "actions are sent to the platform's API");
        }
        let alerts = AlertSink::new(
            http.clone(),
            secrets.api(crate::config::ENV_ALERT_WEBHOOK_URL).cloned(),
        );
        let local = LocalExecutor::new(
            store.clone(),
            alerts,
            Duration::from_secs(config.dispatcher.route_on_hook_seconds),
            config.callbacks.clone(),
        );
        let executors = Executors { platforms, local };
        let notice_key = secrets
            .api(crate::config::ENV_ALERT_WEBHOOK_SECRET)
            .map(escalator_adapters::standard::SigningKey::parse)
            .transpose()
            .map_err(|_| {
                AppError::Config(format!(
                    "{} must be whsec_ followed by base64 (a Standard Webhooks secret)",
                    crate::config::ENV_ALERT_WEBHOOK_SECRET
                ))
            })?;
        let scheduler = config.scheduler.enabled.then(|| {
            let supervisors = config
                .teams
                .iter()
                .filter_map(|(team, t)| Some((team.clone(), t.supervisor.clone()?)))
                .collect();
            Scheduler::new(
                store.clone(),
                AlertSink::new(
                    http.clone(),
                    secrets.api(crate::config::ENV_ALERT_WEBHOOK_URL).cloned(),
                )
                .with_signing_key(notice_key.clone()),
                config.scheduler.clone(),
                supervisors,
            )
            .with_dialer(
                cloudtalk
                    .map(|client| Dialer::new(client, config.vendors.cloudtalk.api.agents.clone())),
            )
            .with_reconciler(Some(reconciler))
        });

        // Every replica looks: a watch is taken once, under the call's lock.
        let holds = HoldWatcher::new(
            store.clone(),
            playbook.clone(),
            orchestrator.clone(),
            Duration::from_millis(config.dispatcher.poll_interval_ms),
            wake.clone(),
        );
        let dispatcher = config.dispatcher.enabled.then(|| {
            Dispatcher::new(
                store.clone(),
                executors,
                orchestrator,
                config.dispatcher.clone(),
                wake,
            )
        });
        let state = AppState {
            pipeline,
            body_limit: config.server.body_limit_bytes,
            metrics: telemetry::metrics_handle(),
            admin_token: secrets
                .api(crate::config::ENV_ADMIN_TOKEN)
                .cloned()
                .map(Arc::new),
            callbacks: Arc::new(config.callbacks.clone()),
            ingress_limit: crate::http::limits::IngressLimiter::new(
                config.server.ingress_rate_per_second,
                config.server.ingress_burst,
            ),
            semantic: semantic_mode,
        };
        // After the recorder is installed (metrics_handle above).
        semantic::export_initial_metrics(semantic_mode.is_scoring());
        telemetry::export_initial_metrics(&config);
        let listener = TcpListener::bind(&config.server.listen)
            .await
            .map_err(|source| AppError::Bind {
                addr: config.server.listen.clone(),
                source,
            })?;
        let shutdown = CancellationToken::new();
        crate::playbook::spawn_reloader(playbook, config.playbook.file.clone(), shutdown.clone());
        Ok(Self {
            listener,
            router: router(state),
            dispatcher,
            scheduler,
            semantic,
            holds,
            store,
            shutdown,
            grace: Duration::from_secs(config.server.shutdown_grace_seconds),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Cancel it to stop: the server stops accepting, in-flight requests finish, the
    /// dispatcher finishes its batch and hands back its leases.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        tracing::info!(addr = %self.local_addr(), "escalator listening");
        let dispatcher = self
            .dispatcher
            .map(|d| tokio::spawn(d.run(self.shutdown.clone())));
        let scheduler = self
            .scheduler
            .map(|s| tokio::spawn(s.run(self.shutdown.clone())));
        let semantic = self
            .semantic
            .map(|s| tokio::spawn(s.run(self.shutdown.clone())));
        let holds = tokio::spawn(self.holds.run(self.shutdown.clone()));
        // One budget for the whole shutdown, counted from the signal: the HTTP drain and
        // the workers stop together, so the process exits within shutdown_grace_seconds
        // (the deploy files' kill timeouts are set above it).
        let token = self.shutdown.clone();
        let signalled = tokio::spawn(async move {
            token.cancelled().await;
            tokio::time::Instant::now()
        });
        crate::http::serve::serve(
            self.listener,
            self.router,
            self.shutdown.clone(),
            self.grace,
        )
        .await;
        // Should the server stop on its own, the workers stop too (and `signalled` ends).
        self.shutdown.cancel();
        let deadline = signalled
            .await
            .unwrap_or_else(|_| tokio::time::Instant::now())
            + self.grace;
        if let Some(handle) = dispatcher {
            if tokio::time::timeout_at(deadline, handle).await.is_err() {
                tracing::warn!("dispatcher did not stop within the grace period; its leases expire on their own");
            }
        }
        if let Some(handle) = scheduler {
            // A notification cut off here keeps its lease until it expires, then is sent.
            let _ = tokio::time::timeout_at(deadline, handle).await;
        }
        // A watch cut off here rolls back and is taken on the next start.
        let _ = tokio::time::timeout_at(deadline, holds).await;
        if let Some(handle) = semantic {
            // It abandons a score in flight at once and hands its rows back.
            let _ = tokio::time::timeout_at(deadline, handle).await;
        }
        tracing::info!("escalator stopped");
        Ok(())
    }
}
