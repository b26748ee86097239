//! Configuration: one TOML file (optional), environment overrides, secrets from the
//! environment only. `Config::default()` is what `escalator serve` runs with when there is
//! no file at all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use escalator_adapters::genesys;
use escalator_adapters::Vendor;
use serde::Deserialize;

mod checks;
mod platform_api;
mod secrets;
mod semantic;
mod vendors;

pub use checks::plain_words;
pub use platform_api::*;
pub use secrets::*;
pub use semantic::*;
pub use vendors::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub dispatcher: DispatcherConfig,
    pub vendors: VendorsConfig,
    pub playbook: PlaybookConfig,
    pub review: ReviewConfig,
    pub scheduler: crate::scheduler::SchedulerConfig,
    pub callbacks: crate::callbacks::CallbacksConfig,
    /// Team name → where that team is on each platform.
    pub teams: BTreeMap<String, TeamConfig>,
    pub logging: LoggingConfig,
    /// The semantic recall layer beside the phrase rules.
    pub semantic: SemanticConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// Mask phone numbers and people's names in every log line (`+1******4567`,
    /// `[name]`). `ESCALATOR_REDACT_PERSONAL_DATA=true` turns it on too.
    pub redact_personal_data: bool,
}

impl Config {
    /// The people the configuration names (callback owners, supervisors, rosters), whose
    /// names redaction masks wherever they appear.
    pub fn people(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .teams
            .values()
            .flat_map(|t| {
                t.callback_owner
                    .iter()
                    .chain(&t.supervisor)
                    .chain(&t.roster)
                    .cloned()
            })
            .collect();
        out.extend(self.callbacks.agent_supervisors.values().cloned());
        out
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: String,
    pub body_limit_bytes: usize,
    pub shutdown_grace_seconds: u64,
    /// Requests per second one source address may send to the webhook and routing
    /// endpoints; 0: no limit.
    pub ingress_rate_per_second: u32,
    /// Requests a source may send at once above its rate; 0: one second's worth.
    pub ingress_burst: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaybookConfig {
    /// The playbook file; the built-in playbook when unset. Reloaded on SIGHUP and on change.
    pub file: Option<PathBuf>,
}

impl PlaybookConfig {
    /// Loads the configured playbook (or the built-in one).
    pub fn load(&self) -> Result<crate::playbook::Engine, crate::playbook::PlaybookError> {
        match &self.file {
            Some(path) => crate::playbook::Engine::load(path),
            None => crate::playbook::Engine::builtin(),
        }
    }
}

impl Config {
    /// The playbook in force: the configured file (or the built-in one) with this
    /// config's teams beneath its own, ready to be reloaded.
    pub fn playbook_handle(
        &self,
    ) -> Result<crate::playbook::PlaybookHandle, crate::playbook::PlaybookError> {
        Ok(crate::playbook::PlaybookHandle::new(
            self.playbook.load()?,
            self.teams.clone(),
        ))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://<file>` (one instance) or `postgres://user@host:5432/db` (one or more).
    pub url: String,
    /// Connections each instance opens to PostgreSQL at most (SQLite writes through one).
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DispatcherConfig {
    pub enabled: bool,
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    pub lease_seconds: u64,
    pub poll_interval_ms: u64,
    pub concurrency: usize,
    pub request_timeout_ms: u64,
    /// How long an answer for the next routing-hook request stays armed for a call still
    /// in a flow before the chain moves on.
    pub route_on_hook_seconds: u64,
}

/// QA and management review.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewConfig {
    /// Share (0–100) of non-hard-stop escalations flagged for review; every hard-stop is.
    pub sample_percent: u8,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        Self { sample_percent: 10 }
    }
}

/// Teams the built-in playbook routes to.
pub const PLAYBOOK_TEAMS: [&str; 6] = [
    "supervisor",
    "legal",
    "compliance",
    "communications",
    "welfare",
    "fraud",
];

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            body_limit_bytes: 256 * 1024,
            shutdown_grace_seconds: 20,
            // Far above one platform's real traffic and the 5,000 events/s load target,
            // so only a flood is throttled unless an operator sets it lower.
            ingress_rate_per_second: 20_000,
            ingress_burst: 20_000,
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://escalator.db".into(),
            max_connections: crate::store::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_attempts: 6,
            backoff_base_ms: 500,
            backoff_max_ms: 60_000,
            lease_seconds: 60,
            poll_interval_ms: 1_000,
            concurrency: 8,
            request_timeout_ms: 10_000,
            route_on_hook_seconds: 120,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            store: StoreConfig::default(),
            dispatcher: DispatcherConfig::default(),
            vendors: VendorsConfig::default(),
            playbook: PlaybookConfig::default(),
            review: ReviewConfig::default(),
            scheduler: crate::scheduler::SchedulerConfig::default(),
            callbacks: crate::callbacks::CallbacksConfig::default(),
            teams: PLAYBOOK_TEAMS
                .iter()
                .map(|t| (t.to_string(), TeamConfig::default()))
                .collect(),
            logging: LoggingConfig::default(),
            semantic: SemanticConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// One thing wrong with a configuration, named by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The service refuses to start.
    Error,
    /// The service runs, but something will not work as the operator may expect.
    Warning,
}

impl Config {
    /// Reads `path` (or the defaults when `None`) and applies `ESCALATOR_LISTEN`,
    /// `ESCALATOR_DATABASE_URL` and `ESCALATOR_SEMANTIC_MODEL` from the environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(listen) = set("ESCALATOR_LISTEN") {
            config.server.listen = listen;
        }
        // The URL may hold the PostgreSQL password: ESCALATOR_DATABASE_URL_FILE too.
        if let Some(url) = secrets::read_env_or_file("ESCALATOR_DATABASE_URL")
            .map_err(|message| ConfigError::Parse {
                path: PathBuf::from("ESCALATOR_DATABASE_URL"),
                message,
            })?
            .filter(|v| !v.trim().is_empty())
        {
            config.store.url = url;
        }
        if let Some(model) = set(ENV_SEMANTIC_MODEL) {
            config.semantic.model = PathBuf::from(model);
        }
        if let Some(redact) = set("ESCALATOR_REDACT_PERSONAL_DATA") {
            config.logging.redact_personal_data = matches!(
                redact.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            );
        }
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML; the error names the line, column and key (toml's own message, in
    /// plain words), then the other sections' errors, so one run shows them all.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            let first = checks::plain_words(e.to_string().trim_end());
            let mut lines = vec![first.clone()];
            for other in checks::section_errors(text) {
                let said = other.split_once("]: ").map_or(other.as_str(), |(_, m)| m);
                if !first.contains(said) {
                    lines.push(format!("also {other}"));
                }
            }
            lines.join("\n")
        })
    }

    /// Every problem, each with its key; `Severity::Error` ones stop `serve`.
    pub fn problems(&self, secrets: &Secrets) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut error = |key: &str, message: String| {
            out.push(Problem {
                key: key.into(),
                message,
                severity: Severity::Error,
            })
        };
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            error(
                "server.listen",
                format!(
                    "{:?} is not an address:port such as \"127.0.0.1:8080\"",
                    self.server.listen
                ),
            );
        }
        if self.server.body_limit_bytes < 1024 {
            error(
                "server.body_limit_bytes",
                "must be at least 1024 bytes".into(),
            );
        }
        if let Err(message) = crate::store::Backend::of_url(&self.store.url) {
            error("store.url", message);
        }
        let d = &self.dispatcher;
        if d.backoff_base_ms == 0 || d.backoff_base_ms > d.backoff_max_ms {
            error(
                "dispatcher.backoff_base_ms",
                "must be above 0 and not above dispatcher.backoff_max_ms".into(),
            );
        }
        if d.lease_seconds == 0 {
            error("dispatcher.lease_seconds", "must be at least 1".into());
        }
        if d.concurrency == 0 {
            error("dispatcher.concurrency", "must be at least 1".into());
        }
        if d.poll_interval_ms == 0 {
            error("dispatcher.poll_interval_ms", "must be at least 1".into());
        }
        if d.request_timeout_ms == 0 {
            error("dispatcher.request_timeout_ms", "must be at least 1".into());
        }
        if d.route_on_hook_seconds == 0 {
            error(
                "dispatcher.route_on_hook_seconds",
                "must be at least 1".into(),
            );
        }
        for (key, message) in self.semantic.errors() {
            error(key, message);
        }

        let g = &self.vendors.genesys;
        if g.enabled {
            if g.api_base.is_none() && genesys::region_api_base(&g.region).is_none() {
                let known: Vec<&str> = genesys::REGIONS.iter().map(|(r, _)| *r).collect();
                error(
                    "vendors.genesys.region",
                    format!(
                        "unknown region {:?}; use one of {} or set vendors.genesys.api_base",
                        g.region,
                        known.join(", ")
                    ),
                );
            }
            for (key, url) in [
                ("vendors.genesys.api_base", &g.api_base),
                ("vendors.genesys.login_base", &g.login_base),
            ] {
                if let Some(url) = url {
                    if reqwest::Url::parse(url).is_err() {
                        error(key, format!("{url:?} is not a URL"));
                    }
                }
            }
            if g.auth == InboundAuthMode::Header
                && http::HeaderName::from_bytes(g.auth_header.as_bytes()).is_err()
            {
                error(
                    "vendors.genesys.auth_header",
                    format!("{:?} is not a valid header name", g.auth_header),
                );
            }
        }
        for vendor in INTAKE_VENDORS {
            let intake = self.vendors.intake(vendor);
            if intake.enabled && intake.auth.is_empty() {
                error(
                    &format!("vendors.{vendor}.auth"),
                    "lists no way to authenticate; use any of \"url\", \"header\", \"basic\", \"field\"".into(),
                );
            }
            if intake.auth.contains(&IntakeAuth::Header)
                && http::HeaderName::from_bytes(intake.header.as_bytes()).is_err()
            {
                error(
                    &format!("vendors.{vendor}.header"),
                    format!("{:?} is not a valid header name", intake.header),
                );
            }
        }
        for (key, message) in checks::range_problems(self) {
            error(&key, message);
        }
        // A misspelt team is one error naming the team meant, not a missing team too.
        let misspelt = checks::misspelt_teams(self);
        for (name, meant) in &misspelt {
            error(
                &format!("teams.{name}"),
                format!("no playbook team is called {name:?}; did you mean {meant}?"),
            );
        }
        for team in PLAYBOOK_TEAMS {
            if !self.teams.contains_key(team) && !misspelt.iter().any(|(_, m)| *m == team) {
                error(
                    &format!("teams.{team}"),
                    format!("the playbook routes to this team; add a [teams.{team}] table"),
                );
            }
        }
        for (name, team) in &self.teams {
            for vendor in Vendor::ALL {
                if let Some(t) = team.target(vendor) {
                    let filled =
                        |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
                    let elsewhere = filled(&t.agent_id) || filled(&t.address);
                    if vendor != Vendor::Genesys && elsewhere {
                        error(
                            &format!("teams.{name}.{vendor}"),
                            "agent_id and address are Genesys-only; give queue_id".into(),
                        );
                    } else if t.queue_id.trim().is_empty() && !elsewhere {
                        error(
                            &format!("teams.{name}.{vendor}.queue_id"),
                            format!("is empty; give where this team is on {vendor}"),
                        );
                    }
                }
            }
        }

        if let Err(e) = self.playbook.load() {
            error("playbook.file", e.to_string());
        }
        if let Err(e) = self.callbacks.validate() {
            error("callbacks", e.to_string());
        }
        if d.lease_seconds.saturating_mul(1000) <= d.request_timeout_ms.saturating_mul(4) {
            error(
                "dispatcher.lease_seconds",
                format!(
                    "must be longer than an action can run (4 × dispatcher.request_timeout_ms = {} ms), or another worker may repeat it",
                    d.request_timeout_ms.saturating_mul(4)
                ),
            );
        }

        for (i, s) in secrets.standard_webhook_secrets.iter().enumerate() {
            if escalator_adapters::standard::SigningKey::parse(s).is_err() {
                error(
                    "vendors.standard",
                    format!("secret #{} in {ENV_STANDARD_WEBHOOK_SECRETS} is not whsec_ followed by base64", i + 1),
                );
            }
        }

        let mut warn = |key: &str, message: String| {
            out.push(Problem {
                key: key.into(),
                message,
                severity: Severity::Warning,
            })
        };
        if g.enabled {
            match g.auth {
                InboundAuthMode::Header if secrets.genesys_webhook_secret.is_none() => warn(
                    "vendors.genesys.auth",
                    format!("{ENV_GENESYS_WEBHOOK_SECRET} is not set: every Genesys delivery will be refused with 401"),
                ),
                InboundAuthMode::Basic if secrets.genesys_webhook_password.is_none() => warn(
                    "vendors.genesys.auth",
                    format!("{ENV_GENESYS_WEBHOOK_PASSWORD} is not set: every Genesys delivery will be refused with 401"),
                ),
                _ => {}
            }
        }
        for vendor in ACTION_VENDORS {
            let enabled = match vendor {
                Vendor::Genesys => g.enabled,
                v => self.vendors.intake(v).enabled,
            };
            if !enabled {
                continue;
            }
            if !secrets.acts_on(vendor) {
                warn(
                    &format!("vendors.{vendor}"),
                    format!(
                        "{} not set: actions are recorded as dry-run, nothing is sent to {vendor}",
                        credential_env(vendor)
                    ),
                );
                continue;
            }
            for team in PLAYBOOK_TEAMS {
                if self
                    .teams
                    .get(team)
                    .and_then(|t| t.target(vendor))
                    .is_none()
                {
                    warn(
                        &format!("teams.{team}.{vendor}"),
                        format!("no {vendor} target: escalations to this team skip every transfer and callback on {vendor} and end in a named callback"),
                    );
                }
            }
        }
        for team in PLAYBOOK_TEAMS {
            let owner = self
                .teams
                .get(team)
                .and_then(|t| t.callback_owner.as_deref());
            if owner.is_none_or(|o| o.trim().is_empty()) {
                warn(
                    &format!("teams.{team}.callback_owner"),
                    "not set: named callbacks for this team have no owner until someone takes them"
                        .into(),
                );
            }
        }
        if !self.semantic.model.exists() {
            warn(
                "semantic.model",
                format!(
                    "{} not found: the service runs on rules alone (no semantic recall)",
                    self.semantic.model.display()
                ),
            );
        }
        if secrets.api(ENV_ALERT_WEBHOOK_URL).is_none() {
            warn(
                "alerts",
                format!("{ENV_ALERT_WEBHOOK_URL} is not set: supervisor alerts go to the log and metrics only"),
            );
        }
        for vendor in INTAKE_VENDORS {
            let intake = self.vendors.intake(vendor);
            if intake.enabled && !secrets.webhook_secrets.contains_key(&vendor) {
                warn(
                    &format!("vendors.{vendor}"),
                    format!(
                        "{} is not set: every {vendor} delivery will be refused with 401",
                        webhook_secret_env(vendor)
                    ),
                );
            }
        }
        if self.vendors.standard.enabled && secrets.standard_webhook_secrets.is_empty() {
            warn(
                "vendors.standard",
                format!("{ENV_STANDARD_WEBHOOK_SECRETS} is not set: every delivery to /webhooks/standard will be refused with 401"),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_warn_about_missing_secrets() {
        let problems = Config::default().problems(&Secrets::default());
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));
        assert!(problems.iter().any(|p| p.key == "vendors.genesys.auth"));
    }

    #[test]
    fn unknown_keys_and_bad_types_name_the_key_and_line() {
        let err = Config::from_toml("[server]\nlisten = \"x\"\nbody_limt_bytes = 5\n").unwrap_err();
        assert!(err.contains("body_limt_bytes"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        let err = Config::from_toml("[dispatcher]\nmax_attempts = \"six\"\n").unwrap_err();
        assert!(err.contains("max_attempts"), "{err}");
    }

    #[test]
    fn semantic_problems_name_their_key() {
        let cfg = Config::from_toml(
            r#"
            [server]
            listen = "nowhere"
            [vendors.genesys]
            region = "mars-1"
            [teams.legal.genesys]
            queue_id = ""
            "#,
        )
        .unwrap();
        let keys: Vec<String> = cfg
            .problems(&Secrets::default())
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| p.key)
            .collect();
        assert!(keys.contains(&"server.listen".to_string()));
        assert!(keys.contains(&"vendors.genesys.region".to_string()));
        assert!(keys.contains(&"teams.legal.genesys.queue_id".to_string()));
    }

    #[test]
    fn store_urls_name_sqlite_or_postgres_and_the_pool_size_is_checked() {
        let store_errors = |toml: &str| -> Vec<(String, String)> {
            Config::from_toml(toml)
                .unwrap()
                .problems(&Secrets::default())
                .into_iter()
                .filter(|p| p.severity == Severity::Error && p.key.starts_with("store."))
                .map(|p| (p.key, p.message))
                .collect()
        };
        assert!(store_errors("[store]\nurl = \"sqlite://escalator.db\"\n").is_empty());
        let pg = "[store]\nurl = \"postgres://esc@db:5432/escalator\"\nmax_connections = 20\n";
        assert!(store_errors(pg).is_empty());
        assert_eq!(Config::from_toml(pg).unwrap().store.max_connections, 20);
        let errors = store_errors("[store]\nurl = \"mysql://db/escalator\"\nmax_connections = 0\n");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, "store.url");
        assert!(errors[0].1.contains("postgres://"), "{errors:?}");
        assert_eq!(errors[1].0, "store.max_connections");
    }

    #[test]
    fn blank_secrets_count_as_unset() {
        let s =
            Secrets::from_lookup(|k| (k == ENV_GENESYS_WEBHOOK_SECRET).then(|| " ".to_string()));
        assert!(s.genesys_webhook_secret.is_none());
    }

    #[test]
    fn a_partial_vendor_table_keeps_that_platforms_defaults() {
        let cfg = Config::from_toml("[vendors.talkdesk]\nenabled = true\n").unwrap();
        let talkdesk = cfg.vendors.intake(Vendor::Talkdesk);
        assert_eq!(talkdesk.auth, vec![IntakeAuth::Url, IntakeAuth::Header]);
        assert_eq!(talkdesk.header, "X-API-Key");
        let cfg = Config::from_toml("[vendors.five9]\nauth = [\"field\", \"header\"]\n").unwrap();
        let five9 = cfg.vendors.intake(Vendor::Five9);
        assert_eq!(five9.auth, vec![IntakeAuth::Field, IntakeAuth::Header]);
        assert_eq!(five9.field, "escalator_secret");
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    /// The file deploy/ ships is what admins copy: it must load with no error.
    #[test]
    fn the_shipped_example_configuration_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/escalator.example.toml");
        let config = Config::from_file(&path).expect("example parses");
        let errors: Vec<Problem> = config
            .problems(&Secrets::default())
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(config.callbacks.policies.supervisor, 120);
        assert_eq!(
            config.teams["legal"].roster,
            ["Dana Reyes".to_string(), "Sam Ortiz".to_string()]
        );
    }
}
