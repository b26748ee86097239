//! `escalator webhooks register|list|remove <vendor>`: creates, lists and removes on each
//! platform what it needs to send events here, with the configuration and credentials
//! `serve` uses. `--dry-run` prints the requests instead of sending them.
//!
//! Builds the platform client from config and secrets, calls it, and returns a printable
//! [`Report`]; the CLI only prints it. Every byte of the report is scrubbed of the secrets
//! in the environment, and dry-run plans are built with `$ESCALATOR_…` in place of the
//! webhook secret, so no secret reaches the terminal.

use std::path::PathBuf;

use escalator_adapters::outbound::CallError;
use escalator_adapters::Vendor;

use crate::config::{Config, Secrets};

mod cloudtalk;
mod common;
mod five9;
mod genesys;
mod nextiva;
mod talkdesk;

pub use common::redact;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Register,
    List,
    Remove,
}

/// One command, as parsed.
#[derive(Debug, Clone)]
pub struct Request {
    pub vendor: String,
    pub op: Op,
    pub config: Option<PathBuf>,
    /// Escalator's public base URL (register).
    pub url: Option<String>,
    pub dry_run: bool,
    /// Genesys: `ID` or `TOPIC=ID`, the workflow triggers start.
    pub workflows: Vec<String>,
    /// Nextiva: `NAME` or `NAME=DISPOSITION_ID`.
    pub dispositions: Vec<String>,
    /// Remove only these (ids, or names where the platform has no ids).
    pub ids: Vec<String>,
}

/// What to print, and how the command ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub stdout: String,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 2: usage or configuration (fix the command or the setup); 1: the platform failed.
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// A platform's refusal or an unreachable platform; `step` names what was attempted.
    pub(crate) fn platform(vendor: Vendor, step: &str, e: &CallError) -> Self {
        let hint = match e.status() {
            Some(401) => " (check the API credentials in the environment)",
            Some(403) => " (the API user or OAuth client lacks a permission; see docs/vendors)",
            _ => "",
        };
        // Unactionable: the request could not even be built from what was given.
        let code = if matches!(e, CallError::Unactionable(_)) {
            2
        } else {
            1
        };
        Self {
            code,
            message: format!("{vendor}: {step} failed: {e}{hint}"),
        }
    }
}

/// Everything a vendor module needs.
pub(crate) struct Ctx<'a> {
    pub request: &'a Request,
    pub config: &'a Config,
    pub secrets: &'a Secrets,
    pub http: reqwest::Client,
}

/// Runs `request` with the secrets in the environment.
pub async fn run(request: &Request) -> Report {
    run_with(request, &Secrets::from_env()).await
}

pub async fn run_with(request: &Request, secrets: &Secrets) -> Report {
    let mut out = String::new();
    let result = dispatch(request, secrets, &mut out).await;
    Report {
        stdout: redact(&out, secrets),
        failure: result.err().map(|f| Failure {
            message: redact(&f.message, secrets),
            ..f
        }),
    }
}

async fn dispatch(request: &Request, secrets: &Secrets, out: &mut String) -> Result<(), Failure> {
    let vendor: Vendor = request.vendor.parse().map_err(|_| {
        Failure::usage(format!(
            "unknown vendor {:?}; use genesys, talkdesk, five9, nextiva or cloudtalk",
            request.vendor
        ))
    })?;
    common::check_flags(vendor, request)?;
    let config = Config::load(request.config.as_deref()).map_err(|e| {
        Failure::usage(format!(
            "{e} (pass --config <file> or set ESCALATOR_CONFIG)"
        ))
    })?;
    let ctx = Ctx {
        request,
        config: &config,
        secrets,
        http: common::http_client()?,
    };
    match vendor {
        Vendor::Genesys => genesys::run(&ctx, out).await,
        Vendor::Talkdesk => talkdesk::run(&ctx, out).await,
        Vendor::Five9 => five9::run(&ctx, out).await,
        Vendor::Nextiva => nextiva::run(&ctx, out).await,
        Vendor::Cloudtalk => cloudtalk::run(&ctx, out),
        Vendor::Standard => Err(Failure::usage(
            "the standard feed has nothing to register: your own sender signs its events and \
             POSTs them to <url>/webhooks/standard (docs/standard-feed.md)",
        )),
    }
}
