//! No configured secret appears in the logs of a full run, in any form the service could
//! plausibly write it.

use base64::Engine;

use super::Running;

/// A secret and the forms it could take on its way into a log line.
fn forms(secret: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let url = url_encode(secret);
    let mut out = vec![secret.to_string(), b64.encode(secret), url];
    // Standard Webhooks keys: the key material after the prefix.
    if let Some(material) = secret.strip_prefix("whsec_") {
        out.push(material.to_string());
    }
    // `user:password` pairs: each half, and the pair as a Basic credential.
    if let Some((user, password)) = secret.split_once(':') {
        out.extend([user.to_string(), password.to_string(), url_encode(password)]);
    }
    out
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Credentials the service sends as Basic: `user:password` pairs.
fn basic_pairs(run: &Running) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    [
        (
            "ESCALATOR_TALKDESK_CLIENT_ID",
            "ESCALATOR_TALKDESK_CLIENT_SECRET",
        ),
        (
            "ESCALATOR_FIVE9_ADMIN_USER",
            "ESCALATOR_FIVE9_ADMIN_PASSWORD",
        ),
        (
            "ESCALATOR_NEXTIVA_API_USER",
            "ESCALATOR_NEXTIVA_API_PASSWORD",
        ),
        (
            "ESCALATOR_CLOUDTALK_API_KEY_ID",
            "ESCALATOR_CLOUDTALK_API_KEY_SECRET",
        ),
        (
            "ESCALATOR_GENESYS_CLIENT_ID",
            "ESCALATOR_GENESYS_CLIENT_SECRET",
        ),
    ]
    .iter()
    .map(|(u, p)| b64.encode(format!("{}:{}", run.secret(u), run.secret(p))))
    .collect()
}

#[tokio::test]
async fn no_secret_appears_in_the_logs_of_a_full_run_at_debug_level() {
    let run = Running::start("", &[]).await;
    run.drive().await;
    let received = run.platform.received_requests().await.unwrap_or_default();
    let mut needles: Vec<(String, String)> = Vec::new();
    for (name, value) in &run.env {
        let value = if *name == "ESCALATOR_ALERT_WEBHOOK_URL" {
            // The URL's secret is its path token; the host is the mock's.
            value.rsplit('/').next().unwrap_or(value).to_string()
        } else {
            value.clone()
        };
        for form in forms(&value) {
            needles.push((name.to_string(), form));
        }
    }
    for pair in basic_pairs(&run) {
        needles.push(("a Basic credential".into(), pair));
    }
    // The run used the secrets: platform calls were made with them.
    assert!(
        received.len() >= 5,
        "the platforms saw {} requests",
        received.len()
    );
    let lines = run.stop();
    assert!(lines.len() > 50, "only {} log lines", lines.len());
    assert!(
        lines.iter().any(|l| l.contains("DEBUG")),
        "not at debug level"
    );
    let mut leaks = Vec::new();
    for line in &lines {
        for (name, needle) in &needles {
            if line.contains(needle.as_str()) {
                leaks.push(format!("{name} ({needle}) in: {line}"));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}
