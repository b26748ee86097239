//! Nextiva Contact Center: the template's REST API objects, created or updated by name,
//! and optionally attached to dispositions (vendor doc §1a, §7).

use std::fmt::Write as _;

use escalator_adapters::nextiva::{
    registration_plan, DispositionHook, NextivaClient, NextivaConfig, RegistrationSpec, OWN_PREFIX,
};
use escalator_adapters::{Secret, Vendor};

use super::common::{api_secret, escalator_url, row, secret_placeholder, webhook_secret};
use super::{Ctx, Failure, Op};
use crate::config::{IntakeAuth, ENV_NEXTIVA_API_PASSWORD, ENV_NEXTIVA_API_USER};

const V: Vendor = Vendor::Nextiva;
/// The header the REST API objects send the secret in (the template's).
const HEADER: &str = "X-Escalator-Token";

pub(super) async fn run(ctx: &Ctx<'_>, out: &mut String) -> Result<(), Failure> {
    let (client, location) = client(ctx)?;
    match ctx.request.op {
        Op::Register => register(ctx, &client, &location, out).await,
        Op::List => list(ctx, &client, &location, out).await,
        Op::Remove => remove(ctx, &client, &location, out).await,
    }
}

/// The client, and how to name the tenant host in what is printed.
fn client(ctx: &Ctx<'_>) -> Result<(NextivaClient, String), Failure> {
    let n = &ctx.config.vendors.nextiva.api;
    let user = api_secret(ctx.secrets, ENV_NEXTIVA_API_USER, V)?;
    let password = api_secret(ctx.secrets, ENV_NEXTIVA_API_PASSWORD, V)?;
    let mut config = NextivaConfig::new(user.expose(), password.clone());
    if let Some(login) = &n.login_base {
        config.login_base = login.clone();
    }
    config.api_base_override = n.api_base.clone();
    let location = n.api_base.clone().unwrap_or_else(|| {
        format!(
            "{{location from {}}}",
            config.login_base.trim_end_matches('/')
        )
    });
    Ok((NextivaClient::new(ctx.http.clone(), config), location))
}

/// `NAME` or `NAME=DISPOSITION_ID` (the last `=` splits, so names may contain one).
fn dispositions(values: &[String]) -> Vec<DispositionHook> {
    values
        .iter()
        .map(|v| match v.rsplit_once('=') {
            Some((name, id)) if !id.trim().is_empty() && !name.trim().is_empty() => {
                DispositionHook {
                    name: name.trim().to_string(),
                    disposition_id: Some(id.trim().to_string()),
                }
            }
            _ => DispositionHook {
                name: v.trim().to_string(),
                disposition_id: None,
            },
        })
        .collect()
}

async fn register(
    ctx: &Ctx<'_>,
    client: &NextivaClient,
    location: &str,
    out: &mut String,
) -> Result<(), Failure> {
    let intake = ctx.config.vendors.intake(V);
    if !intake.enabled {
        return Err(Failure::usage(
            "vendors.nextiva.enabled is false: Escalator would answer these deliveries with 404; enable it first",
        ));
    }
    if !intake.auth.contains(&IntakeAuth::Header) || !intake.header.eq_ignore_ascii_case(HEADER) {
        return Err(Failure::usage(format!(
            "vendors.nextiva must accept the secret in header {HEADER} (auth includes \"header\", header = {HEADER:?}): \
             the REST API objects send it there, so every delivery would be refused with 401"
        )));
    }
    let url = escalator_url(ctx.request)?;
    let secret = webhook_secret(V, ctx.secrets)?;
    let spec = |secret: Secret| RegistrationSpec {
        escalator_url: url.clone(),
        secret,
        dispositions: dispositions(&ctx.request.dispositions),
    };
    // Checks the dispositions and URL before anything is sent.
    let plan = registration_plan(&spec(secret_placeholder(V)))
        .map_err(|e| Failure::usage(format!("nextiva: {e}")))?;
    if ctx.request.dry_run {
        out.push_str("DRY RUN: nothing is sent to Nextiva. After the login, each object is first searched by name \
                      (GET …/data/api/types/restcall?q=<name>); an existing one is updated (PATCH …/restcall/<_id>) instead:\n\n");
        for p in plan {
            let body = serde_json::to_string_pretty(&p.body).unwrap_or_default();
            let _ = writeln!(out, "# {}\n{} {location}{}\nAuthorization: <token>\nContent-Type: application/json\n\n{body}\n", p.purpose, p.method, p.path);
        }
        notes(ctx, out);
        return Ok(());
    }
    let done = client
        .register(&spec(secret))
        .await
        .map_err(|e| Failure::platform(V, "registration", &e))?;
    let _ = writeln!(out, "Nextiva ({location}):");
    for r in done {
        let status = if r.created { "created" } else { "updated" };
        let attached = r
            .disposition_id
            .map(|d| format!(", runs on disposition {d}"))
            .unwrap_or_default();
        let extra = format!(" (_id {}{attached})", r.rest_call.id);
        row(out, status, "REST API", &r.rest_call.name, &extra);
    }
    notes(ctx, out);
    Ok(())
}

fn notes(ctx: &Ctx<'_>, out: &mut String) {
    out.push_str("\nNotes:\n- Wire the objects into your campaign workflows (Execute REST Call; Enter Queue from Expression for the route answer): \
                  NCC workflows are yours to edit; `escalator webhooks template nextiva` shows where each goes.\n");
    if ctx.request.dispositions.is_empty() {
        out.push_str("- No --disposition given: no end-of-call object was made. Pass --disposition \"<name>=<disposition _id>\" \
                      for each disposition Escalator should hear about.\n");
    } else if dispositions(&ctx.request.dispositions)
        .iter()
        .any(|d| d.disposition_id.is_none())
    {
        out.push_str("- A --disposition without =<_id> is created but not attached: attach it in the disposition's settings.\n");
    }
}

async fn list(
    ctx: &Ctx<'_>,
    client: &NextivaClient,
    location: &str,
    out: &mut String,
) -> Result<(), Failure> {
    if ctx.request.dry_run {
        let _ = writeln!(out, "DRY RUN: nothing is sent to Nextiva. After the login, listing sends:\nGET {location}/data/api/types/restcall?q=Escalator%20-\nAuthorization: <token>");
        return Ok(());
    }
    let found = client
        .list_rest_calls(OWN_PREFIX)
        .await
        .map_err(|e| Failure::platform(V, "listing REST API objects", &e))?;
    let _ = writeln!(
        out,
        "Nextiva ({location}): REST API objects named \"{OWN_PREFIX}…\""
    );
    if found.is_empty() {
        out.push_str("  none\n");
    }
    for r in found {
        row(out, &r.id, "REST API", &r.name, "");
    }
    Ok(())
}

async fn remove(
    ctx: &Ctx<'_>,
    client: &NextivaClient,
    location: &str,
    out: &mut String,
) -> Result<(), Failure> {
    let ids = &ctx.request.ids;
    if ctx.request.dry_run {
        let _ = writeln!(out, "DRY RUN: nothing is sent to Nextiva. After the login, removal sends:\nGET {location}/data/api/types/restcall?q=Escalator%20-\nthen, for each object found (or only the _ids given by --id):\nDELETE {location}/data/api/types/restcall/<_id>");
        return Ok(());
    }
    let found = client
        .list_rest_calls(OWN_PREFIX)
        .await
        .map_err(|e| Failure::platform(V, "listing REST API objects", &e))?;
    let _ = writeln!(out, "Nextiva ({location}):");
    if found.is_empty() && ids.is_empty() {
        let _ = writeln!(out, "  no REST API object named \"{OWN_PREFIX}…\"");
    }
    for r in found
        .iter()
        .filter(|r| ids.is_empty() || ids.contains(&r.id))
    {
        let deleted = client.delete_rest_call(&r.id).await.map_err(|e| {
            Failure::platform(
                V,
                &format!("deleting {:?} (detach it from workflows and dispositions, or delete it in Admin > REST API)", r.name),
                &e,
            )
        })?;
        let status = if deleted { "deleted" } else { "already gone" };
        row(
            out,
            status,
            "REST API",
            &r.name,
            &format!(" (_id {})", r.id),
        );
    }
    for id in ids.iter().filter(|i| !found.iter().any(|r| &r.id == *i)) {
        row(
            out,
            "left alone",
            "REST API",
            id,
            ": not one of Escalator's objects, or already gone",
        );
    }
    Ok(())
}
