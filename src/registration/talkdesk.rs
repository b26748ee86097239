//! Talkdesk: Webhook Trigger subscriptions (vendor doc §1a, §7). The API has create and
//! delete only, no list: register prints the ids Talkdesk returns, and remove takes them.

use std::fmt::Write as _;

use escalator_adapters::talkdesk::{
    registration_requests, subscriptions, PatchPaths, Region, TalkdeskClient, TalkdeskConfig,
    TalkdeskCredentials,
};
use escalator_adapters::Vendor;

use super::common::{api_secret, escalator_url, row, secret_placeholder, webhook_secret};
use super::{Ctx, Failure, Op};
use crate::config::{IntakeAuth, ENV_TALKDESK_CLIENT_ID, ENV_TALKDESK_CLIENT_SECRET};

const V: Vendor = Vendor::Talkdesk;
/// Registration needs this scope only; asking for more could fail a narrower client.
const SCOPE: &str = "webhooks-trigger:write";

pub(super) async fn run(ctx: &Ctx<'_>, out: &mut String) -> Result<(), Failure> {
    match ctx.request.op {
        Op::Register => register(ctx, out).await,
        Op::List => {
            list(out);
            Ok(())
        }
        Op::Remove => remove(ctx, out).await,
    }
}

fn api_base_and_token_url(ctx: &Ctx<'_>) -> Result<(String, String), Failure> {
    let t = &ctx.config.vendors.talkdesk.api;
    let region: Region = t
        .region
        .parse()
        .map_err(|e| Failure::usage(format!("vendors.talkdesk.api.region: {e}")))?;
    let api_base = t
        .api_base
        .clone()
        .unwrap_or_else(|| region.api_base().to_string());
    let token_url = match &t.token_url {
        Some(u) => u.clone(),
        None if t.account.trim().is_empty() => {
            return Err(Failure::usage(
                "vendors.talkdesk.api.account is empty: set it to your account's subdomain ({account}.mytalkdesk.com), or set vendors.talkdesk.api.token_url",
            ))
        }
        None => region
            .token_url(&t.account)
            .map_err(|e| Failure::usage(format!("vendors.talkdesk.api.account: {e}")))?,
    };
    Ok((api_base, token_url))
}

fn client(ctx: &Ctx<'_>) -> Result<TalkdeskClient, Failure> {
    let (api_base, token_url) = api_base_and_token_url(ctx)?;
    let id = api_secret(ctx.secrets, ENV_TALKDESK_CLIENT_ID, V)?;
    let secret = api_secret(ctx.secrets, ENV_TALKDESK_CLIENT_SECRET, V)?;
    Ok(TalkdeskClient::new(
        ctx.http.clone(),
        TalkdeskConfig {
            api_base,
            token_url,
            scopes: vec![SCOPE.to_string()],
            credentials: TalkdeskCredentials {
                client_id: id.expose().to_string(),
                client_secret: secret.clone(),
            },
            patch_paths: PatchPaths::default(),
        },
    ))
}

async fn register(ctx: &Ctx<'_>, out: &mut String) -> Result<(), Failure> {
    let intake = ctx.config.vendors.intake(V);
    if !intake.enabled {
        return Err(Failure::usage(
            "vendors.talkdesk.enabled is false: Escalator would answer these deliveries with 404; enable it first",
        ));
    }
    if !intake.auth.contains(&IntakeAuth::Url) {
        return Err(Failure::usage(
            "vendors.talkdesk.auth does not include \"url\": Webhook Triggers can only carry the secret in their callback URL, \
             so every delivery would be refused with 401. Add \"url\" to vendors.talkdesk.auth",
        ));
    }
    let url = escalator_url(ctx.request)?;
    let secret = webhook_secret(V, ctx.secrets)?;
    let client = client(ctx)?;
    if ctx.request.dry_run {
        let placeholder = secret_placeholder(V);
        let _ = writeln!(out, "DRY RUN: nothing is sent to Talkdesk. A token is fetched from the configured token URL with scope {SCOPE}, then:\n");
        for p in registration_requests(client.api_base(), &url, placeholder.expose())
            .iter()
            .filter(|p| p.acted_on)
        {
            // The callback URL percent-encodes the placeholder's `$`.
            let _ = writeln!(
                out,
                "{}",
                p.to_string().replace("%24ESCALATOR_", "$ESCALATOR_")
            );
        }
        notes(out);
        return Ok(());
    }
    let mut ids = Vec::new();
    let _ = writeln!(out, "Talkdesk ({}):", client.api_base());
    for sub in subscriptions(&url, secret.expose())
        .iter()
        .filter(|s| s.acted_on)
    {
        match client.register_trigger(sub).await {
            Ok(r) => {
                let id = r.trigger_id.clone().unwrap_or_default();
                let shown = if id.is_empty() {
                    " (Talkdesk returned no trigger id: it cannot be removed through the API)"
                        .to_string()
                } else {
                    format!(" (trigger id {id})")
                };
                row(out, "created", "trigger", sub.trigger, &shown);
                if !id.is_empty() {
                    ids.push(format!("{}/{id}", sub.trigger));
                }
            }
            Err(e) => {
                remove_hint(out, &ids);
                return Err(Failure::platform(
                    V,
                    &format!("subscribing {}", sub.trigger),
                    &e,
                ));
            }
        }
    }
    remove_hint(out, &ids);
    notes(out);
    Ok(())
}

fn remove_hint(out: &mut String, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let args: Vec<String> = ids.iter().map(|i| format!("--id {i}")).collect();
    let _ = writeln!(
        out,
        "\nKeep these ids: Talkdesk cannot list subscriptions. To unsubscribe:\n  escalator webhooks remove talkdesk {}",
        args.join(" ")
    );
}

fn notes(out: &mut String) {
    out.push_str(
        "\nNotes:\n\
         - Talkdesk's Webhook Trigger API has no list call, so Escalator cannot see what is already subscribed: \
         running register again adds a second subscription per trigger (Escalator drops the duplicate deliveries; remove the old ones).\n\
         - The recorded-only triggers (agentLogIn, agentLogOut, contactCreated, contactUpdated, noteCreated) are not subscribed.\n\
         - The Studio routing hook and the HTTP Notifier have no API: set them up from `escalator webhooks template talkdesk`.\n",
    );
}

fn list(out: &mut String) {
    out.push_str(
        "Talkdesk's Webhook Trigger API has no list call (create and delete only), so Escalator cannot read back \
         which subscriptions exist. `webhooks register talkdesk` subscribes these triggers, each calling \
         <url>/webhooks/talkdesk/$ESCALATOR_TALKDESK_WEBHOOK_SECRET?trigger=<trigger>:\n",
    );
    for sub in subscriptions("<url>", "x").iter().filter(|s| s.acted_on) {
        row(out, "-", "trigger", sub.trigger, "");
    }
    out.push_str("Their ids are the ones register printed; nothing was sent to Talkdesk.\n");
}

async fn remove(ctx: &Ctx<'_>, out: &mut String) -> Result<(), Failure> {
    if ctx.request.ids.is_empty() {
        return Err(Failure::usage(
            "Talkdesk cannot list its subscriptions, so remove needs their ids: \
             --id <trigger>/<trigger id> (repeatable), as printed by `webhooks register talkdesk`",
        ));
    }
    let mut pairs = Vec::new();
    for id in &ctx.request.ids {
        let pair = id
            .split_once('/')
            .filter(|(t, i)| !t.is_empty() && !i.is_empty() && !i.contains('/'))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--id {id:?} is not <trigger>/<trigger id>, e.g. inboundCallEnds/4f1c…"
                ))
            })?;
        pairs.push(pair);
    }
    let client = client(ctx)?;
    if ctx.request.dry_run {
        let _ = writeln!(
            out,
            "DRY RUN: nothing is sent to Talkdesk. With a token (scope {SCOPE}):"
        );
        for (t, i) in pairs {
            let _ = writeln!(
                out,
                "DELETE {}/webhooks/triggers/{t}/{i}",
                client.api_base()
            );
        }
        return Ok(());
    }
    let _ = writeln!(out, "Talkdesk ({}):", client.api_base());
    for (t, i) in pairs {
        let deleted = client
            .delete_trigger(t, i)
            .await
            .map_err(|e| Failure::platform(V, &format!("unsubscribing {t}/{i}"), &e))?;
        let status = if deleted { "deleted" } else { "already gone" };
        row(out, status, "trigger", t, &format!(" (trigger id {i})"));
    }
    Ok(())
}
