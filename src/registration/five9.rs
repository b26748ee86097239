//! Five9: the template's Web Connectors through the Configuration Web Services (SOAP,
//! vendor doc §7): `getWebConnectors`, then `createWebConnector` or `modifyWebConnector`
//! per connector; `deleteWebConnector` by name.

use std::fmt::Write as _;

use escalator_adapters::five9::{
    create_web_connector_request, delete_web_connector_request, escalator_connectors,
    get_web_connectors_request, Five9Client, Five9Config, Five9Credentials, Five9Region,
    SoapRequest, SECRET_FIELD,
};
use escalator_adapters::Vendor;

use super::common::{api_secret, escalator_url, row, secret_placeholder, webhook_secret};
use super::{Ctx, Failure, Op};
use crate::config::{IntakeAuth, ENV_FIVE9_ADMIN_PASSWORD, ENV_FIVE9_ADMIN_USER};

const V: Vendor = Vendor::Five9;
/// Every connector the template defines is named `Escalator - …` (a regular expression).
const OWN_PATTERN: &str = "^Escalator - .*$";

pub(super) async fn run(ctx: &Ctx<'_>, out: &mut String) -> Result<(), Failure> {
    let client = client(ctx)?;
    match ctx.request.op {
        Op::Register => register(ctx, &client, out).await,
        Op::List => list(ctx, &client, out).await,
        Op::Remove => remove(ctx, &client, out).await,
    }
}

fn client(ctx: &Ctx<'_>) -> Result<Five9Client, Failure> {
    let f = &ctx.config.vendors.five9.api;
    let region = match (Five9Region::from_name(&f.region), &f.admin_base) {
        (Some(r), _) => r,
        // The region only picks hosts; with the admin host given, any will do.
        (None, Some(_)) => Five9Region::Us,
        (None, None) => {
            return Err(Failure::usage(format!(
                "vendors.five9.api.region {:?} is unknown: use us, ca, uk, eu or in, or set vendors.five9.api.admin_base",
                f.region
            )))
        }
    };
    let mut config = Five9Config::for_region(region);
    if let Some(base) = &f.admin_base {
        config.admin_base = base.clone();
    }
    let user = api_secret(ctx.secrets, ENV_FIVE9_ADMIN_USER, V)?;
    let password = api_secret(ctx.secrets, ENV_FIVE9_ADMIN_PASSWORD, V)?;
    config.admin = Some(Five9Credentials {
        username: user.expose().to_string(),
        password: password.clone(),
    });
    Ok(Five9Client::new(ctx.http.clone(), config))
}

/// A SOAP request as text, the admin's credentials not shown.
fn show(out: &mut String, r: &SoapRequest) {
    let _ = writeln!(
        out,
        "POST {}\nContent-Type: text/xml;charset=UTF-8\nSOAPAction: \"\"\nAuthorization: Basic <redacted>\n\n{}\n",
        r.url,
        r.body()
    );
}

async fn register(ctx: &Ctx<'_>, client: &Five9Client, out: &mut String) -> Result<(), Failure> {
    let intake = ctx.config.vendors.intake(V);
    if !intake.enabled {
        return Err(Failure::usage(
            "vendors.five9.enabled is false: Escalator would answer these deliveries with 404; enable it first",
        ));
    }
    if !intake.auth.contains(&IntakeAuth::Field) || intake.field != SECRET_FIELD {
        return Err(Failure::usage(format!(
            "vendors.five9 must accept the secret as field {SECRET_FIELD:?} (auth includes \"field\", field = {SECRET_FIELD:?}): \
             the connectors carry it as that constant parameter, so every delivery would be refused with 401"
        )));
    }
    let url = escalator_url(ctx.request)?;
    let secret = webhook_secret(V, ctx.secrets)?;
    let admin_base = &client.config().admin_base;
    if ctx.request.dry_run {
        out.push_str(
            "DRY RUN: nothing is sent to Five9. Registration reads the existing connectors:\n\n",
        );
        show(out, &get_web_connectors_request(admin_base, OWN_PATTERN));
        out.push_str("then creates each connector below (a connector that already exists gets modifyWebConnector with the same body):\n\n");
        for c in escalator_connectors(&url, secret_placeholder(V).expose()) {
            show(out, &create_web_connector_request(admin_base, &c));
        }
        notes(out);
        return Ok(());
    }
    let existing: Vec<String> = client
        .get_web_connectors(OWN_PATTERN)
        .await
        .map_err(|e| Failure::platform(V, "reading the connectors", &e))?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let _ = writeln!(out, "Five9 ({admin_base}):");
    for c in escalator_connectors(&url, secret.expose()) {
        let (status, result) = if existing.contains(&c.name) {
            ("updated", client.modify_web_connector(&c).await)
        } else {
            ("created", client.create_web_connector(&c).await)
        };
        result.map_err(|e| Failure::platform(V, &format!("saving connector {:?}", c.name), &e))?;
        row(
            out,
            status,
            "connector",
            &c.name,
            &format!(" ({})", c.trigger),
        );
    }
    notes(out);
    Ok(())
}

fn notes(out: &mut String) {
    out.push_str(
        "\nNotes:\n\
         - Add the connectors to your campaigns (Admin console > campaign properties > Connectors): \
         Five9 documents no API for that (UNCONFIRMED).\n\
         - The OnCallDispositioned connector fires on the escalation dispositions of `escalator webhooks template five9`; \
         Five9 refuses it while one of them does not exist.\n\
         - The IVR routing hook is not a connector: set it up from the template.\n",
    );
}

async fn list(ctx: &Ctx<'_>, client: &Five9Client, out: &mut String) -> Result<(), Failure> {
    let admin_base = &client.config().admin_base;
    if ctx.request.dry_run {
        out.push_str("DRY RUN: nothing is sent to Five9. Listing sends:\n\n");
        show(out, &get_web_connectors_request(admin_base, OWN_PATTERN));
        return Ok(());
    }
    let found = client
        .get_web_connectors(OWN_PATTERN)
        .await
        .map_err(|e| Failure::platform(V, "reading the connectors", &e))?;
    let _ = writeln!(
        out,
        "Five9 ({admin_base}): connectors named \"Escalator - …\""
    );
    if found.is_empty() {
        out.push_str("  none\n");
    }
    for c in found {
        let extra = format!(
            ": {} -> {}",
            c.trigger.as_deref().unwrap_or("?"),
            c.url.as_deref().unwrap_or("?")
        );
        row(out, "-", "connector", &c.name, &extra);
    }
    Ok(())
}

async fn remove(ctx: &Ctx<'_>, client: &Five9Client, out: &mut String) -> Result<(), Failure> {
    let admin_base = &client.config().admin_base;
    let ids = &ctx.request.ids;
    if ctx.request.dry_run {
        out.push_str("DRY RUN: nothing is sent to Five9. Removal reads the connectors:\n\n");
        show(out, &get_web_connectors_request(admin_base, OWN_PATTERN));
        out.push_str("then deletes each one found (or only those named by --id), e.g.:\n\n");
        show(
            out,
            &delete_web_connector_request(admin_base, "Escalator - Call Accepted"),
        );
        return Ok(());
    }
    let found: Vec<String> = client
        .get_web_connectors(OWN_PATTERN)
        .await
        .map_err(|e| Failure::platform(V, "reading the connectors", &e))?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let _ = writeln!(out, "Five9 ({admin_base}):");
    if found.is_empty() && ids.is_empty() {
        out.push_str("  no connector named \"Escalator - …\"\n");
    }
    for name in found.iter().filter(|n| ids.is_empty() || ids.contains(n)) {
        client
            .delete_web_connector(name)
            .await
            .map_err(|e| Failure::platform(V, &format!("deleting connector {name:?}"), &e))?;
        row(out, "deleted", "connector", name, "");
    }
    for id in ids.iter().filter(|i| !found.contains(i)) {
        row(
            out,
            "left alone",
            "connector",
            id,
            ": not one of Escalator's connectors, or already gone",
        );
    }
    Ok(())
}
