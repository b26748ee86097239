//! Genesys Cloud: the data-actions integration, its credential and actions, and one
//! Process Automation trigger per topic (`escalator_adapters::genesys::registration`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use escalator_adapters::genesys::registration::{
    self as reg, Change, Registered, RegistrationSpec, TRIGGER_TOPICS,
};
use escalator_adapters::genesys::{self, GenesysClient, GenesysCredentials};
use escalator_adapters::outbound::CallError;
use escalator_adapters::Vendor;

use super::common::{escalator_url, missing_credential, row, webhook_secret};
use super::{Ctx, Failure, Op};
use crate::config::{InboundAuthMode, ENV_GENESYS_CLIENT_ID, ENV_GENESYS_CLIENT_SECRET};

const V: Vendor = Vendor::Genesys;

pub(super) async fn run(ctx: &Ctx<'_>, out: &mut String) -> Result<(), Failure> {
    let client = client(ctx)?;
    match ctx.request.op {
        Op::Register => register(ctx, &client, out).await,
        Op::List => list(ctx, &client, out).await,
        Op::Remove => remove(ctx, &client, out).await,
    }
}

fn client(ctx: &Ctx<'_>) -> Result<GenesysClient, Failure> {
    let g = &ctx.config.vendors.genesys;
    let api_base = match &g.api_base {
        Some(base) => base.clone(),
        None => genesys::region_api_base(&g.region)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "vendors.genesys.region {:?} is unknown: use a region from docs/vendors/genesys.md#regions or set vendors.genesys.api_base",
                    g.region
                ))
            })?
            .to_string(),
    };
    let login_base = g
        .login_base
        .clone()
        .unwrap_or_else(|| genesys::login_base_for(&api_base));
    let id = ctx
        .secrets
        .genesys_client_id
        .clone()
        .ok_or_else(|| missing_credential(ENV_GENESYS_CLIENT_ID, V))?;
    let secret = ctx
        .secrets
        .genesys_client_secret
        .clone()
        .ok_or_else(|| missing_credential(ENV_GENESYS_CLIENT_SECRET, V))?;
    Ok(GenesysClient::new(
        ctx.http.clone(),
        api_base,
        login_base,
        GenesysCredentials {
            client_id: id,
            client_secret: secret,
        },
    ))
}

async fn register(ctx: &Ctx<'_>, client: &GenesysClient, out: &mut String) -> Result<(), Failure> {
    let g = &ctx.config.vendors.genesys;
    if !g.enabled {
        return Err(Failure::usage(
            "vendors.genesys.enabled is false: Escalator would answer these deliveries with 404; enable it first",
        ));
    }
    if g.auth == InboundAuthMode::Basic {
        return Err(Failure::usage(
            "vendors.genesys.auth is \"basic\": register creates a User Defined credential sent in a header. \
             Set auth = \"header\" (secret in ESCALATOR_GENESYS_WEBHOOK_SECRET), or create a Basic Auth credential in the UI (docs/vendors/genesys.md)",
        ));
    }
    let (workflow, workflows) = parse_workflows(&ctx.request.workflows)?;
    let url = escalator_url(ctx.request)?;
    let secret = webhook_secret(V, ctx.secrets)?;
    let spec = RegistrationSpec {
        escalator_url: url,
        secret,
        header: g.auth_header.clone(),
        workflow,
        workflows,
    };
    spec.check()
        .map_err(|e| Failure::usage(format!("genesys: {e}")))?;
    if ctx.request.dry_run {
        let _ = writeln!(out, "DRY RUN: nothing is sent to Genesys. The requests a registration sends to an org without Escalator's objects:\n");
        for p in reg::registration_plan(client.api_base(), &spec) {
            let _ = writeln!(out, "{p}");
        }
        notes(out, &spec);
        return Ok(());
    }
    let mut done = Vec::new();
    let result = client.register(&spec, &mut done).await;
    let _ = writeln!(out, "Genesys Cloud ({}):", client.api_base());
    render(out, &done);
    result.map_err(|e| Failure::platform(V, "registration", &e))?;
    notes(out, &spec);
    conflicts(&done)
}

/// `--workflow ID` for every topic, `--workflow TOPIC=ID` for one.
fn parse_workflows(
    values: &[String],
) -> Result<(Option<String>, BTreeMap<String, String>), Failure> {
    let mut default = None;
    let mut per_topic = BTreeMap::new();
    for v in values {
        match v.split_once('=') {
            Some((topic, id)) => {
                per_topic.insert(topic.trim().to_string(), id.trim().to_string());
            }
            None if default.is_none() => default = Some(v.trim().to_string()),
            None => {
                return Err(Failure::usage(
                    "--workflow ID may be given once; use --workflow TOPIC=ID for the others",
                ))
            }
        }
    }
    Ok((default, per_topic))
}

fn notes(out: &mut String, spec: &RegistrationSpec) {
    let missing: Vec<&str> = TRIGGER_TOPICS
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| spec.workflow_for(t).is_none())
        .collect();
    out.push_str("\nNotes:\n");
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "- No trigger for {}: a Genesys trigger can only start an Architect workflow, and workflows have no API here. \
             Build one with input jsonData (JSON) that calls \"Escalator - forward event\" with topicName and ToString(Flow.jsonData), \
             then run register again with --workflow <workflow id> (or --workflow TOPIC=<id> per topic).",
            missing.join(", ")
        );
    }
    out.push_str("- Not registered: v2.conversations.{id}.transcription (UNCONFIRMED as a trigger topic; use EventBridge for transcripts) \
                  and EventBridge itself (it needs your AWS account): see docs/vendors/genesys.md.\n");
    out.push_str("- Existing objects are found by name: the integration and data actions are left as they are, triggers are updated. \
                  To change the URL or the secret, run `escalator webhooks remove genesys` and register again.\n");
}

fn render(out: &mut String, done: &[Registered]) {
    for r in done {
        let (status, why) = match &r.change {
            Change::Created => ("created", String::new()),
            Change::Updated => ("updated", String::new()),
            Change::Exists => ("exists", String::new()),
            Change::Deleted => ("deleted", String::new()),
            Change::AlreadyGone => ("already gone", String::new()),
            Change::Skipped(why) => ("skipped", format!(": {why}")),
            Change::Conflict(why) => ("CONFLICT", format!(": {why}")),
        };
        let id =
            r.id.as_deref()
                .map(|i| format!(" (id {i})"))
                .unwrap_or_default();
        row(
            out,
            status,
            &r.kind.to_string(),
            &r.name,
            &format!("{id}{why}"),
        );
    }
}

fn conflicts(done: &[Registered]) -> Result<(), Failure> {
    let n = done
        .iter()
        .filter(|r| matches!(r.change, Change::Conflict(_)))
        .count();
    if n == 0 {
        return Ok(());
    }
    Err(Failure {
        code: 1,
        message: format!("genesys: {n} object(s) in conflict; see CONFLICT above"),
    })
}

async fn list(ctx: &Ctx<'_>, client: &GenesysClient, out: &mut String) -> Result<(), Failure> {
    if ctx.request.dry_run {
        return dry_reads(client, out, "list");
    }
    let own = client
        .own_objects()
        .await
        .map_err(|e| Failure::platform(V, "listing", &e))?;
    let _ = writeln!(
        out,
        "Genesys Cloud ({}): Escalator's objects (names starting escalator- or \"Escalator - \")",
        client.api_base()
    );
    if own.is_empty() {
        out.push_str("  none\n");
    }
    for o in own {
        row(
            out,
            &o.id,
            &o.kind.to_string(),
            &o.name,
            &format!(": {}", o.detail),
        );
    }
    Ok(())
}

async fn remove(ctx: &Ctx<'_>, client: &GenesysClient, out: &mut String) -> Result<(), Failure> {
    if ctx.request.dry_run {
        dry_reads(client, out, "remove")?;
        let base = client.api_base();
        let _ = writeln!(
            out,
            "Then, for each of them ({}), triggers first:",
            match ctx.request.ids.len() {
                0 => "all".to_string(),
                _ => format!("only ids {}", ctx.request.ids.join(", ")),
            }
        );
        for path in [
            "/api/v2/processautomation/triggers/{id}",
            "/api/v2/integrations/actions/{id}",
            "/api/v2/integrations/{id}",
            "/api/v2/integrations/credentials/{id}",
        ] {
            let _ = writeln!(out, "DELETE {base}{path}");
        }
        return Ok(());
    }
    let mut done = Vec::new();
    let result = client.remove_own(&ctx.request.ids, &mut done).await;
    let _ = writeln!(out, "Genesys Cloud ({}):", client.api_base());
    if done.is_empty() && result.as_ref().is_ok_and(|u| u.is_empty()) {
        out.push_str("  nothing of Escalator's found\n");
    }
    render(out, &done);
    let unknown = result.map_err(|e: CallError| Failure::platform(V, "removal", &e))?;
    for id in unknown {
        row(
            out,
            "left alone",
            "-",
            &id,
            ": not one of Escalator's objects, or already gone",
        );
    }
    Ok(())
}

fn dry_reads(client: &GenesysClient, out: &mut String, what: &str) -> Result<(), Failure> {
    let base = client.api_base();
    let _ = writeln!(out, "DRY RUN: nothing is sent to Genesys. To {what}, Escalator reads (with a client-credentials token):");
    for path in [
        "/api/v2/integrations/credentials?pageSize=100",
        "/api/v2/integrations?pageSize=100",
        "/api/v2/integrations/actions?pageSize=100",
        "/api/v2/processautomation/triggers?pageSize=200",
    ] {
        let _ = writeln!(out, "GET {base}{path}");
    }
    out.push_str("and keeps the objects named escalator-… or \"Escalator - …\".\n");
    Ok(())
}
