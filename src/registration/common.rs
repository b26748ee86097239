//! Shared by the vendor modules: flag and URL checks, required settings, redaction.

use std::fmt::Write as _;
use std::time::Duration;

use escalator_adapters::{Secret, Vendor};

use super::{Failure, Op, Request};
use crate::config::{
    webhook_secret_env, Secrets, ENV_FIVE9_ADMIN_USER, ENV_GENESYS_WEBHOOK_SECRET,
    ENV_NEXTIVA_API_USER, ENV_TALKDESK_CLIENT_ID,
};

/// Refuses flags that mean nothing for `vendor` or `op`, rather than ignoring them.
pub(super) fn check_flags(vendor: Vendor, r: &Request) -> Result<(), Failure> {
    if !r.workflows.is_empty() && (vendor != Vendor::Genesys || r.op != Op::Register) {
        return Err(Failure::usage(
            "--workflow applies to `webhooks register genesys` only",
        ));
    }
    if !r.dispositions.is_empty() && (vendor != Vendor::Nextiva || r.op != Op::Register) {
        return Err(Failure::usage(
            "--disposition applies to `webhooks register nextiva` only",
        ));
    }
    Ok(())
}

pub(super) fn http_client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Failure::usage(format!("cannot build the HTTP client: {e}")))
}

/// The register command's `--url`: an http(s) base URL with a host and nothing after the
/// path (the platforms append `/webhooks/<vendor>` to it).
pub(super) fn escalator_url(r: &Request) -> Result<String, Failure> {
    let raw = r
        .url
        .as_deref()
        .ok_or_else(|| Failure::usage("--url <public base URL of Escalator> is required"))?;
    let bad = || {
        Failure::usage(format!(
            "--url {raw:?} is not a base URL such as https://escalator.example.com"
        ))
    };
    let parsed = reqwest::Url::parse(raw.trim()).map_err(|_| bad())?;
    let ok = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && parsed.query().is_none()
        && parsed.fragment().is_none()
        && parsed.username().is_empty();
    if !ok {
        return Err(bad());
    }
    Ok(raw.trim().trim_end_matches('/').to_string())
}

/// The webhook secret a registration must carry, or a usage error naming its variable.
pub(super) fn webhook_secret(vendor: Vendor, secrets: &Secrets) -> Result<Secret, Failure> {
    let (env, secret) = match vendor {
        Vendor::Genesys => (
            ENV_GENESYS_WEBHOOK_SECRET.to_string(),
            secrets.genesys_webhook_secret.clone(),
        ),
        v => (
            webhook_secret_env(v),
            secrets.webhook_secrets.get(&v).cloned(),
        ),
    };
    secret.ok_or_else(|| {
        Failure::usage(format!(
            "{env} is not set: it is the shared secret the registered {vendor} webhooks carry \
             and Escalator checks. Set it in this shell to the same value `escalator serve` has \
             (e.g. `openssl rand -hex 32` for a new one)"
        ))
    })
}

/// What a dry-run prints in place of the webhook secret.
pub(super) fn secret_placeholder(vendor: Vendor) -> Secret {
    Secret::new(format!("${}", env_name(vendor)))
}

pub(super) fn env_name(vendor: Vendor) -> String {
    match vendor {
        Vendor::Genesys => ENV_GENESYS_WEBHOOK_SECRET.to_string(),
        v => webhook_secret_env(v),
    }
}

/// An API credential from the environment, or a usage error naming the variable.
pub(super) fn api_secret<'a>(
    secrets: &'a Secrets,
    env: &str,
    vendor: Vendor,
) -> Result<&'a Secret, Failure> {
    secrets
        .api(env)
        .ok_or_else(|| missing_credential(env, vendor))
}

pub(super) fn missing_credential(env: &str, vendor: Vendor) -> Failure {
    Failure::usage(format!(
        "{env} is not set: registration calls the {vendor} API with the same credentials \
         `escalator serve` uses. Set it in this shell (see docs/configuration.md#secrets)"
    ))
}

/// User names and client ids: read with the secrets, but printing them is harmless and
/// replacing them (often short) would garble the output.
const IDENTIFIERS: [&str; 3] = [
    ENV_TALKDESK_CLIENT_ID,
    ENV_FIVE9_ADMIN_USER,
    ENV_NEXTIVA_API_USER,
];

/// `<redacted>` in place of every secret in the environment, also in its URL-encoded form
/// (Talkdesk puts the secret in a URL path).
pub fn redact(text: &str, secrets: &Secrets) -> String {
    let mut values: Vec<&str> = secrets
        .genesys_webhook_secret
        .iter()
        .chain(&secrets.genesys_webhook_password)
        .chain(&secrets.genesys_client_secret)
        .chain(&secrets.standard_webhook_secrets)
        .chain(secrets.webhook_secrets.values())
        .chain(
            secrets
                .api
                .iter()
                .filter(|(env, _)| !IDENTIFIERS.contains(env))
                .map(|(_, v)| v),
        )
        .map(Secret::expose)
        .filter(|v| !v.is_empty())
        .collect();
    // Longest first, so a secret containing another is replaced whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut out = text.to_string();
    for v in values {
        out = out.replace(v, "<redacted>");
        // As a URL segment, and inside a JSON string (an echoed body).
        let json = serde_json::to_string(v).unwrap_or_default();
        let json = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or_default();
        for form in [encode_segment(v).as_str(), json] {
            if !form.is_empty() && form != v {
                out = out.replace(form, "<redacted>");
            }
        }
    }
    out
}

/// RFC 3986 unreserved characters kept, everything else percent-encoded (as Talkdesk's
/// callback URLs carry the secret).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One line of a result table.
pub(super) fn row(out: &mut String, status: &str, kind: &str, name: &str, extra: &str) {
    let _ = writeln!(out, "  {status:<12} {kind:<12} {name}{extra}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_covers_raw_and_url_encoded_secrets() {
        let secrets = Secrets::from_lookup(|k| match k {
            "ESCALATOR_TALKDESK_WEBHOOK_SECRET" => Some("a b/c+d".into()),
            "ESCALATOR_FIVE9_ADMIN_PASSWORD" => Some("hunter22".into()),
            "ESCALATOR_FIVE9_ADMIN_USER" => Some("x".into()),
            "ESCALATOR_NEXTIVA_WEBHOOK_SECRET" => Some("q\"uote".into()),
            _ => None,
        });
        let text = "x a b/c+d y a%20b%2Fc%2Bd z hunter22 {\"v\":\"q\\\"uote\"}";
        assert_eq!(
            redact(text, &secrets),
            "x <redacted> y <redacted> z <redacted> {\"v\":\"<redacted>\"}"
        );
    }

    fn request(url: &str) -> Request {
        Request {
            vendor: "genesys".into(),
            op: Op::Register,
            config: None,
            url: Some(url.into()),
            dry_run: false,
            workflows: vec![],
            dispositions: vec![],
            ids: vec![],
        }
    }

    #[test]
    fn the_url_must_be_a_base_url() {
        assert_eq!(
            escalator_url(&request("https://esc.example.com/")).unwrap(),
            "https://esc.example.com"
        );
        for bad in [
            "esc.example.com",
            "ftp://x",
            "https://x/?secret=1",
            "https://u:p@x",
        ] {
            assert_eq!(escalator_url(&request(bad)).unwrap_err().code, 2, "{bad}");
        }
        let mut r = request("https://x");
        r.vendor = "talkdesk".into();
        r.workflows = vec!["wf".into()];
        assert!(check_flags(Vendor::Talkdesk, &r).is_err());
    }
}
