use std::process::ExitCode;

use clap::Parser;
use escalator::app::Application;
use escalator::cli::{AdminArgs, AuditCommand, Cli, Command, WebhooksCommand};
use escalator::config::{Config, Secrets, Severity};
use escalator::registration::{self, Op};
use escalator::{admin_cli, classify, replay, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Serve { config, log_format } => serve(config, log_format).await,
            Command::Healthcheck { url, ready, config } => healthcheck(url, ready, config).await,
            Command::CheckConfig { file } => check_config(file),
            Command::Loadgen(args) => match escalator::loadgen::run(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
            Command::Webhooks {
                command:
                    WebhooksCommand::Template {
                        vendor,
                        url,
                        secret,
                    },
            } => template(&vendor, &url, &secret),
            Command::Webhooks { command } => platform_admin(command).await,
            Command::Classify(args) => classify::run(args),
            Command::Audit {
                command: AuditCommand::Verify { config, json },
            } => audit_verify(config, json).await,
            Command::Callbacks { command } => admin_cli::callbacks(command).await,
            Command::Escalations { command } => admin_cli::escalations(command).await,
            Command::Reviews { command } => admin_cli::reviews(command).await,
            Command::Replay {
                vendor,
                config,
                files,
            } => run_replay(vendor, config, files).await,
        }
    })
}

async fn serve(path: Option<std::path::PathBuf>, log_format: telemetry::LogFormat) -> ExitCode {
    telemetry::init_logging(log_format);
    let config = match Config::load(path.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot load configuration");
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if config.logging.redact_personal_data {
        escalator::redact::enable(config.people());
        tracing::info!("personal data is redacted from the logs");
    }
    let secrets = match Secrets::from_env_checked() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the secrets");
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for p in config.problems(&secrets) {
        if p.severity == Severity::Warning {
            tracing::warn!(key = %p.key, "{}", p.message);
        }
    }
    let app = match Application::build(config, secrets).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let token = app.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown requested");
        token.cancel();
    });
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stopped with an error");
            ExitCode::FAILURE
        }
    }
}

async fn healthcheck(
    url: Option<String>,
    ready: bool,
    config: Option<std::path::PathBuf>,
) -> ExitCode {
    let base = match url {
        Some(url) => url,
        None => match Config::load(config.as_deref())
            .map_err(|e| e.to_string())
            .and_then(|c| escalator::healthcheck::base_url(&c.server.listen))
        {
            Ok(base) => base,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let path = if ready { "/readyz" } else { "/healthz" };
    match escalator::healthcheck::check(&base, path, std::time::Duration::from_secs(3)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

async fn audit_verify(path: Option<std::path::PathBuf>, json: bool) -> ExitCode {
    let config = match Config::load(path.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Opening a SQLite URL creates the file: a mistyped path would verify an empty chain.
    if let Some(file) = escalator::store::Backend::sqlite_file(&config.store.url) {
        if !file.exists() {
            eprintln!(
                "error: no database at {} (store.url or ESCALATOR_DATABASE_URL): nothing to verify",
                file.display()
            );
            return ExitCode::from(2);
        }
    }
    let key = Secrets::from_env()
        .api(escalator::config::ENV_AUDIT_KEY)
        .cloned();
    let key_is_set = key.is_some();
    let store = match escalator::store::Store::connect_with_audit_key(
        &config.store.url,
        escalator::store::AuditKey::new(key),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot open the store at store.url: {e}");
            return ExitCode::from(2);
        }
    };
    let report = match store.verify_audit().await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: reading the records failed: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        let broken = report.first_broken.as_ref().map(|b| {
            serde_json::json!({"seq": b.seq, "escalation_id": b.escalation_id, "reason": b.reason})
        });
        println!(
            "{}",
            serde_json::json!({"ok": broken.is_none(), "checked": report.checked,
                               "head": report.head, "first_broken": broken})
        );
    } else {
        match &report.first_broken {
            None => println!(
                "ok: {} records, chain head {}",
                report.checked,
                report.head.as_deref().unwrap_or("(empty)")
            ),
            Some(b) => println!(
                "BROKEN at record {}{}: {} ({} records before it hold)",
                b.seq,
                b.escalation_id
                    .as_deref()
                    .map(|e| format!(" (escalation {e})"))
                    .unwrap_or_default(),
                b.reason,
                report.checked
            ),
        }
    }
    if let Some(b) = &report.first_broken {
        if b.reason.contains("altered") {
            eprintln!("{}", audit_key_hint(key_is_set, report.checked));
        }
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A wrong or missing key makes records read as altered: say so before anyone hunts for
/// tampering.
fn audit_key_hint(key_is_set: bool, checked: u64) -> String {
    let key = escalator::config::ENV_AUDIT_KEY;
    let likely = if checked == 0 {
        "The very first record fails, so the key is the likely cause: "
    } else {
        "The key may be the cause: "
    };
    if key_is_set {
        format!("note: {likely}{key} must be the key the records were written with (a different key makes them read as altered).")
    } else {
        format!("note: {likely}{key} is not set; records written with a key read as altered without it.")
    }
}

fn check_config(path: Option<std::path::PathBuf>) -> ExitCode {
    let source = path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "built-in defaults".into());
    let config = match Config::load(path.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secrets = match Secrets::from_env_checked() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("{source}: 1 error(s)");
            return ExitCode::FAILURE;
        }
    };
    let problems = config.problems(&secrets);
    let mut errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    // Building the platform clients checks what only they know (regions, hosts,
    // credential formats); nothing is sent.
    if let Err(e) =
        escalator::executor::platform_executors(&config, &secrets, &reqwest::Client::new())
    {
        eprintln!("error: {e}");
        errors += 1;
    }
    for p in &problems {
        let level = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        eprintln!("{level}: {}: {}", p.key, p.message);
    }
    if errors > 0 {
        eprintln!("{source}: {errors} error(s)");
        ExitCode::FAILURE
    } else {
        println!("{source}: ok ({} warning(s))", problems.len());
        ExitCode::SUCCESS
    }
}

fn template(vendor: &str, url: &str, secret: &str) -> ExitCode {
    match escalator::templates::template(vendor, url, secret) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `webhooks register|list|remove`: the work is in `registration`; this only prints.
async fn platform_admin(command: WebhooksCommand) -> ExitCode {
    let request = |vendor, op, common: AdminArgs| registration::Request {
        vendor,
        op,
        config: common.config,
        url: None,
        dry_run: common.dry_run,
        workflows: vec![],
        dispositions: vec![],
        ids: vec![],
    };
    let request = match command {
        WebhooksCommand::Register {
            vendor,
            url,
            common,
            workflow,
            disposition,
        } => registration::Request {
            url: Some(url),
            workflows: workflow,
            dispositions: disposition,
            ..request(vendor, Op::Register, common)
        },
        WebhooksCommand::List { vendor, common } => request(vendor, Op::List, common),
        WebhooksCommand::Remove {
            vendor,
            common,
            ids,
        } => registration::Request {
            ids,
            ..request(vendor, Op::Remove, common)
        },
        // Matched before this is called.
        WebhooksCommand::Template { .. } => return ExitCode::from(2),
    };
    let report = registration::run(&request).await;
    print!("{}", report.stdout);
    match report.failure {
        None => ExitCode::SUCCESS,
        Some(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

async fn run_replay(
    vendor: Option<String>,
    config: Option<std::path::PathBuf>,
    files: Vec<std::path::PathBuf>,
) -> ExitCode {
    let config = match Config::load(config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match replay::replay(&config, vendor.as_deref(), &files).await {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
