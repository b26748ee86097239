//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "escalator",
    version,
    about = "Escalation adapter for contact-center platforms"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (embedded defaults when no config file is given).
    Serve {
        /// TOML configuration file.
        #[arg(long, short, env = "ESCALATOR_CONFIG")]
        config: Option<PathBuf>,
        /// Log lines as JSON objects (for collectors) or text (for a terminal).
        #[arg(long, value_enum, env = "ESCALATOR_LOG_FORMAT", default_value_t = LogFormat::Json)]
        log_format: LogFormat,
    },
    /// Ask a running service whether it is up: exit 0 when it answers 200, 1 otherwise.
    /// For container health checks in images without curl (the distroless image).
    Healthcheck {
        /// The service's base URL (default: from `server.listen`, 0.0.0.0 read as
        /// 127.0.0.1).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Check /readyz (the database answers) instead of /healthz (the process answers).
        #[arg(long)]
        ready: bool,
        /// TOML configuration file whose `server.listen` to ask.
        #[arg(long, short, env = "ESCALATOR_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Send signed, realistic, mixed-platform deliveries at a target rate to the service
    /// (started here on a fresh store, or --url) and report throughput, latency, memory and
    /// loss, beside a bare HTTP handler as the ceiling.
    Loadgen(crate::loadgen::LoadgenArgs),
    /// Check a configuration file and the environment; report every problem by key.
    CheckConfig {
        /// TOML configuration file (defaults to $ESCALATOR_CONFIG, else the built-in defaults).
        #[arg(env = "ESCALATOR_CONFIG")]
        file: Option<PathBuf>,
    },
    /// Classify utterances: JSON lines `{"text", "speaker"?, "language"?}` on stdin, one
    /// JSON line out per line in, with the categories that fired, the tier and the evidence
    /// (and the semantic layer's scores when its model is installed).
    Classify(ClassifyArgs),
    /// What a platform needs in order to send events here: print it, or create, list and
    /// remove it through the platform's API.
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Check the escalation records' hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The Supervisor Callback Log: list, show and change commitments (local store or a
    /// running service's admin API).
    Callbacks {
        #[command(subcommand)]
        command: CallbacksCommand,
    },
    /// Escalations with their evidence, actions, callback and reviews.
    Escalations {
        #[command(subcommand)]
        command: EscalationsCommand,
    },
    /// The QA review queue, and recording a review.
    Reviews {
        #[command(subcommand)]
        command: ReviewsCommand,
    },
    /// Feed payload files through verify, normalize and decide; print the normalized
    /// events, decisions and planned actions as JSON lines. Nothing is sent anywhere.
    Replay {
        /// Vendor of the payloads (default: the name of each file's directory).
        #[arg(long)]
        vendor: Option<String>,
        /// Configuration whose team mapping to show in planned actions.
        #[arg(long, short, env = "ESCALATOR_CONFIG")]
        config: Option<PathBuf>,
        /// Payload files, replayed in order as one stream (a call's state carries over).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk every escalation record and name the first one altered, removed or
    /// reordered. Exit 0 when the chain holds, 1 when it does not.
    Verify {
        /// TOML configuration file (its `store.url`; defaults to $ESCALATOR_CONFIG).
        #[arg(long, env = "ESCALATOR_CONFIG")]
        config: Option<std::path::PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Print exactly what an admin pastes into the platform, with the URL and secret
    /// filled in (placeholders when not given).
    Template {
        /// genesys, talkdesk, five9, nextiva, cloudtalk or standard.
        vendor: String,
        /// Escalator's public base URL.
        #[arg(long, default_value = "https://escalator.example.com")]
        url: String,
        /// The shared secret (default: a placeholder; never logged).
        #[arg(long, default_value = "<YOUR-SECRET>")]
        secret: String,
    },
    /// Create on the platform what it needs to send events here, with the credentials
    /// `serve` uses (safe to repeat where the platform can be read back).
    Register {
        /// genesys, talkdesk, five9, nextiva or cloudtalk.
        vendor: String,
        /// Escalator's public base URL, e.g. https://escalator.example.com.
        #[arg(long)]
        url: String,
        #[command(flatten)]
        common: AdminArgs,
        /// Genesys: the Architect workflow the triggers start: `ID` for every topic, or
        /// `TOPIC=ID` (e.g. `attributes=…`); repeatable. Without it no trigger is made.
        #[arg(long, value_name = "[TOPIC=]ID")]
        workflow: Vec<String>,
        /// Nextiva: a disposition that notifies Escalator: `NAME` or `NAME=DISPOSITION_ID`
        /// (attached when the id is given); repeatable.
        #[arg(long, value_name = "NAME[=ID]")]
        disposition: Vec<String>,
    },
    /// List what Escalator has registered on the platform.
    List {
        vendor: String,
        #[command(flatten)]
        common: AdminArgs,
    },
    /// Remove what Escalator has registered on the platform (all of it, or the `--id`s).
    Remove {
        vendor: String,
        #[command(flatten)]
        common: AdminArgs,
        /// Only this object (id; Five9: connector name; Talkdesk: TRIGGER/TRIGGER_ID,
        /// required); repeatable.
        #[arg(long = "id", value_name = "ID")]
        ids: Vec<String>,
    },
}

/// Flags every platform-admin subcommand takes.
#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    /// TOML configuration file (API hosts and intake settings).
    #[arg(long, short, env = "ESCALATOR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print the requests instead of sending them (secrets shown as `$ESCALATOR_…` or
    /// `<redacted>`).
    #[arg(long)]
    pub dry_run: bool,
}

/// Where the admin commands act, and how they print.
#[derive(Debug, Clone, clap::Args)]
pub struct AdminTarget {
    /// TOML configuration file whose `store.url` is opened (defaults to $ESCALATOR_CONFIG,
    /// else the built-in defaults).
    #[arg(long, short, env = "ESCALATOR_CONFIG")]
    pub config: Option<PathBuf>,
    /// A running service's base URL, e.g. http://127.0.0.1:8080, instead of the local store;
    /// the token is read from $ESCALATOR_ADMIN_TOKEN.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Who makes the change, kept in the history (default: $USER).
    #[arg(long, env = "USER")]
    pub actor: Option<String>,
    /// Print the admin API's JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CallbacksCommand {
    /// Commitments matching the filters, soonest window first.
    List {
        /// pending, attempted, completed, missed, rescheduled or cancelled.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        team: Option<String>,
        /// Only open commitments whose window has ended.
        #[arg(long)]
        overdue: bool,
        /// Only those whose window ends before this RFC 3339 time.
        #[arg(long, value_name = "RFC3339")]
        due_before: Option<String>,
        /// At most this many (1 to 1000, default 100).
        #[arg(long)]
        limit: Option<u32>,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// One commitment and its history.
    Show {
        reference: String,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// Record a call made to the caller.
    Attempt {
        reference: String,
        /// What happened: no_answer, voicemail, busy, reached…
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        notes: Option<String>,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// The caller was reached: close the commitment.
    Complete {
        reference: String,
        #[arg(long)]
        notes: Option<String>,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// Close the commitment without a call.
    Cancel {
        reference: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// Move the callback window.
    Reschedule {
        reference: String,
        #[arg(long, value_name = "RFC3339")]
        start: String,
        #[arg(long, value_name = "RFC3339")]
        end: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// Give the callback to someone else.
    Reassign {
        reference: String,
        #[arg(long, value_name = "NAME")]
        owner: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        target: AdminTarget,
    },
}

#[derive(Debug, Subcommand)]
pub enum EscalationsCommand {
    /// Escalations matching the filters, newest first.
    List {
        /// genesys, talkdesk, five9, nextiva, cloudtalk or standard.
        #[arg(long)]
        vendor: Option<String>,
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        status: Option<String>,
        /// Decided at or after this RFC 3339 time.
        #[arg(long, value_name = "RFC3339")]
        since: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// One escalation (id or reference) with its evidence, steps, actions, callback and
    /// reviews.
    Show {
        id: String,
        #[command(flatten)]
        target: AdminTarget,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewsCommand {
    /// The flagged escalations awaiting review, oldest first (the next one by default).
    Next {
        #[arg(long, default_value_t = 1)]
        limit: u32,
        #[command(flatten)]
        target: AdminTarget,
    },
    /// Append a review (the reviewer is --actor) to an escalation's record.
    Record {
        /// Escalation id or reference.
        id: String,
        /// compliant, coaching_needed, policy_breach or false_positive.
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        notes: Option<String>,
        #[command(flatten)]
        target: AdminTarget,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    All,
    Train,
    Validation,
}

#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// Playbook file (default: the configured one, else the built-in playbook).
    #[arg(long)]
    pub playbook: Option<PathBuf>,
    /// The embedding model file (scripts/install-model.sh puts it at the default).
    #[arg(
        long,
        env = "ESCALATOR_SEMANTIC_MODEL",
        default_value = "models/multilingual-e5-small-q4.bin"
    )]
    pub model: PathBuf,
    /// Semantic heads file (default: the heads built into the binary).
    #[arg(long)]
    pub heads: Option<PathBuf>,
    /// Use the phrase rules only, even when the model is installed.
    #[arg(long)]
    pub rules_only: bool,
    /// Instead of classifying stdin, measure precision and recall on labelled lines
    /// (`{"text", "speaker", "labels", "language"?, "family"?}`): a file, or a directory
    /// of `.jsonl` files. Prints the rules, the model and both combined.
    #[arg(long, value_name = "PATH", conflicts_with = "train")]
    pub eval: Option<PathBuf>,
    /// With --eval: only the lines of this side of the family split.
    #[arg(long, value_enum, default_value = "all", requires = "eval")]
    pub split: SplitArg,
    /// With --eval: counts only, no line printed (for a blind set).
    #[arg(long, requires = "eval")]
    pub summary: bool,
    /// With --eval: fail when any category's precision is below this.
    #[arg(long, requires = "eval")]
    pub min_precision: Option<f64>,
    /// With --eval: fail when any category's recall is below this.
    #[arg(long, requires = "eval")]
    pub min_recall: Option<f64>,
    /// With --eval: a per-category recall floor, e.g. `self_harm=1.0` (repeatable).
    #[arg(
        long = "min-recall-for",
        value_name = "CATEGORY=RECALL",
        requires = "eval"
    )]
    pub min_recall_for: Vec<String>,
    /// Train the semantic heads on the training split of this corpus (a file or a
    /// directory of `.jsonl`) with the model, and write them to --out.
    #[arg(long, value_name = "PATH", requires = "out")]
    pub train: Option<PathBuf>,
    /// With --train: where to write the heads (e.g. playbook/semantic-heads.json).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
